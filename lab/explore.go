package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/widgets"
	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// EnvHeadless is set by `kernel run` for headless executions: interactive cells then render
// their defaults and return (a widget waits for a browser that is not there).
const EnvHeadless = env.Headless

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
	// The values come from the channels: a slider's Value() is updated by GoNB on another
	// goroutine and may still hold the previous value when the event arrives here.
	v1, v2, vb := n1, n2, int(100*beta+0.5)
	for {
		var ok bool
		select {
		case v1, ok = <-c1.C:
		case v2, ok = <-c2.C:
		case vb, ok = <-cb.C:
		case <-timeout:
			return nil
		}
		if !ok {
			return nil
		}
		p, text, err := TradeOffView(max(1, v1), max(1, v2), float64(max(1, vb))/100)
		if err != nil {
			return err
		}
		f, err := Render(p, FigureWidth, FigureHeight)
		if err != nil {
			return err
		}
		f.Text = text
		update(id, f)
		gonbui.UpdateMarkdown(id+"-text", text)
	}
}

// plotlyJS draws fig in the element id, loading plotly.js first when the page lacks it: the
// installed copy, then the CDN (through RequireJS where the page has it, with the same
// fallback), and a message in the element when neither loads.
const plotlyJS = `(() => {
  const id = %q, fig = %s;
  const draw = (P) => (P || window.Plotly).newPlot(id, fig.data, fig.layout);
  if (window.Plotly) { draw(); return; }
  let base = document.body.getAttribute("data-base-url");
  const conf = document.getElementById("jupyter-config-data");
  if (!base && conf) { try { base = JSON.parse(conf.textContent).baseUrl; } catch (e) {} }
  const srcs = [(base || "/") + %q, %q];
  const fail = () => { document.getElementById(id).textContent = "plotly.js could not be loaded from " + srcs.join(" or ") + ": run go run ./kernel install, or give the browser internet access"; };
  if (typeof requirejs === "function") {
    requirejs.config({paths: {ldamlab_plotly: srcs.map((s) => s.replace(/\.js$/, ""))}});
    requirejs(["ldamlab_plotly"], draw, fail);
    return;
  }
  const load = (i) => {
    if (i >= srcs.length) { fail(); return; }
    const s = document.createElement("script");
    s.src = srcs[i];
    s.charset = "utf-8";
    s.onload = () => draw();
    s.onerror = () => { s.remove(); load(i + 1); };
    document.head.appendChild(s);
  };
  load(0);
})();`

// ShowPlotly displays a Plotly figure ({"data", "layout"} JSON, as figures.Sphere3D returns)
// in a live session, rotatable and zoomable, loading plotly.js from the installed copy
// (env.PlotlyPath) or else its CDN. Headless, or where the notebook is not trusted, no script runs,
// so it shows nothing and returns false: show a static figure beside it.
func ShowPlotly(fig []byte) (bool, error) {
	if !json.Valid(fig) {
		return false, fmt.Errorf("lab: the Plotly figure is not valid JSON")
	}
	if !Interactive() {
		return false, nil
	}
	id := "ldamlab-plotly-" + gonbui.UniqueId()
	gonbui.DisplayHTML(fmt.Sprintf(`<div id="%s" class="ldamlab-plotly"></div><script charset="utf-8">%s</script>`, id, fmt.Sprintf(plotlyJS, id, fig, env.PlotlyPath, env.PlotlyCDN)))
	gonbui.Sync()
	return true, nil
}
