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
	id := "ldamlab-tradeoff-" + gonbui.UniqueId()
	return explore("**Move the sliders** (n1, n2, 100·β); the plot below redraws.", limit, func(v []int) error {
		p, text, err := TradeOffView(max(1, v[0]), max(1, v[1]), float64(max(1, v[2]))/100)
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
		return nil
	}, slider{1, 5000, n1}, slider{1, 5000, n2}, slider{1, 200, int(100*beta + 0.5)})
}

// slider is one integer slider of an explorer: its range and starting value.
type slider struct{ min, max, value int }

// explore shows a prompt and the sliders, and calls redraw with all their values whenever one
// moves, until limit passes or the cell is interrupted. The values come from the sliders'
// channels: a slider's Value() is updated by GoNB on another goroutine and may still hold the
// previous value when the event arrives.
func explore(prompt string, limit time.Duration, redraw func(values []int) error, sliders ...slider) error {
	gonbui.DisplayMarkdown(prompt)
	type move struct{ i, v int }
	moves := make(chan move)
	done := make(chan struct{})
	defer close(done)
	values := make([]int, len(sliders))
	for i, s := range sliders {
		values[i] = s.value
		c := widgets.Slider(s.min, s.max, s.value).Done().Listen().LatestOnly()
		defer c.Close()
		go func() {
			for v := range c.C {
				select {
				case moves <- move{i, v}:
				case <-done:
					return
				}
			}
		}()
	}
	timeout := time.After(limit)
	for {
		select {
		case m := <-moves:
			values[m.i] = m.v
			if err := redraw(values); err != nil {
				return err
			}
		case <-timeout:
			return nil
		}
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
