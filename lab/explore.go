package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// EnvHeadless is set by `kernel run` for headless executions: interactive cells then render
// their defaults and return (a widget waits for a browser that is not there).
const EnvHeadless = "LDAMLAB_HEADLESS"

// Interactive reports whether the cell runs in a live notebook session, where widgets answer.
func Interactive() bool { return gonbui.IsNotebook && os.Getenv(EnvHeadless) == "" }

// TradeOffView is the two-class trade-off for n1, n2 and β: the plot of Eq. 6 with Eq. 8's
// optimum, and a line of text with the optimal margins and the objective at the optimum and at
// equal margins.
func TradeOffView(n1, n2 int, beta float64) (*plot.Plot, string, error) {
	p, err := figures.MarginTradeOff(n1, n2, beta)
	if err != nil {
		return nil, "", err
	}
	g1, g2 := theory.TwoClassOptimum(beta, n1, n2)
	text := fmt.Sprintf("n1 = %d, n2 = %d, β = %.2f: optimal γ1 = %.3f, γ2 = %.3f (γ2/γ1 = (n1/n2)^1/4 = %.3f); Eq. 6 at the optimum %.4f, at equal margins %.4f",
		n1, n2, beta, g1, g2, g2/g1, theory.TradeOff(g1, beta, n1, n2), theory.TradeOff(beta/2, beta, n1, n2))
	return p, text, nil
}

// MarginExplorer shows the trade-off for n1, n2 and β (saved as figures/<name>.svg). In a live
// session it adds three sliders — n1, n2 and 100·β — and redraws the plot and its text in place
// whenever one moves, for up to limit (interrupt the cell to stop earlier); headless, it shows the
// defaults and returns.
func MarginExplorer(name string, n1, n2 int, beta float64, limit time.Duration) error {
	p, text, err := TradeOffView(n1, n2, beta)
	if err != nil {
		return err
	}
	if _, err := SaveFigure(p, name); err != nil {
		return err
	}
	fmt.Println(text)
	if !Interactive() {
		return nil
	}
	gonbui.DisplayMarkdown("**Move the sliders** (n1, n2, 100·β); the plot below redraws.")
	s1 := widgets.Slider(1, 5000, n1).Done()
	s2 := widgets.Slider(1, 5000, n2).Done()
	sb := widgets.Slider(1, 200, int(100*beta+0.5)).Done()
	c1, c2, cb := s1.Listen().LatestOnly(), s2.Listen().LatestOnly(), sb.Listen().LatestOnly()
	defer c1.Close()
	defer c2.Close()
	defer cb.Close()
	id := "ldamlab-tradeoff-" + gonbui.UniqueId()
	timeout := time.After(limit)
	for {
		select {
		case <-c1.C:
		case <-c2.C:
		case <-cb.C:
		case <-timeout:
			return nil
		}
		p, text, err := TradeOffView(max(1, s1.Value()), max(1, s2.Value()), float64(max(1, sb.Value()))/100)
		if err != nil {
			return err
		}
		f, err := Render(p, FigureWidth, FigureHeight)
		if err != nil {
			return err
		}
		f.Text = text
		Update(id, f)
		gonbui.UpdateMarkdown(id+"-text", text)
	}
}

// PlotlySrc is where a live session loads plotly.js from (GoNB's own default, a CDN: the
// browser needs the internet, the kernel does not).
var PlotlySrc = "https://cdn.plot.ly/plotly-2.34.0.min.js"

// ShowPlotly displays a Plotly figure ({"data", "layout"} JSON, as figures.Sphere3D returns)
// in a live session, rotatable and zoomable. Headless, or where the notebook is not trusted,
// no script runs, so it shows nothing and returns false: show a static figure beside it.
func ShowPlotly(fig []byte) (bool, error) {
	if !json.Valid(fig) {
		return false, fmt.Errorf("lab: the Plotly figure is not valid JSON")
	}
	if !Interactive() {
		return false, nil
	}
	id := "ldamlab-plotly-" + gonbui.UniqueId()
	gonbui.DisplayHTML(fmt.Sprintf(`<div id="%s"></div>`, id))
	js := fmt.Sprintf("if (!module) { module = window.Plotly; }\nconst fig = %s;\nmodule.newPlot(%q, fig.data, fig.layout);", fig, id)
	if err := dom.LoadScriptOrRequireJSModuleAndRun("plotly", PlotlySrc, map[string]string{"charset": "utf-8"}, js); err != nil {
		return false, err
	}
	gonbui.Sync()
	return true, nil
}
