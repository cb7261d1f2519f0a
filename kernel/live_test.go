package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ldamlab/ldamlab/lab/env"
)

// liveNotebook writes a notebook of the given Go cells with the lab's kernel selected.
func liveNotebook(t *testing.T, file string, cells ...string) {
	t.Helper()
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]string{"display_name": "Go (LDAM Lab)", "language": "go", "name": KernelName}},
	}
	var cs []map[string]any
	for i, src := range cells {
		id := fmt.Sprintf("cell-%d", i)
		if md, ok := strings.CutPrefix(src, markdownCell); ok {
			cs = append(cs, map[string]any{"cell_type": "markdown", "id": id, "metadata": map[string]any{}, "source": md})
			continue
		}
		cs = append(cs, map[string]any{"cell_type": "code", "id": id, "execution_count": nil, "metadata": map[string]any{}, "outputs": []any{}, "source": src})
	}
	nb["cells"] = cs
	b, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// committedCell returns the source of the code cell of a committed notebook that contains want.
// markdownCell marks a liveNotebook cell as Markdown (the prefix is removed).
const markdownCell = "<!-- markdown -->\n"

func committedCell(t *testing.T, notebook, want string) string {
	t.Helper()
	cells, err := env.ReadNotebook(notebook)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if md, ok := strings.CutPrefix(want, markdownCell); ok {
			if c.Type == "markdown" && strings.Contains(c.Source, md) {
				return markdownCell + c.Source
			}
			continue
		}
		if c.Type == "code" && strings.Contains(c.Source, want) {
			return c.Source
		}
	}
	t.Fatalf("%s has no cell with %q", notebook, want)
	return ""
}

// TestLiveWidgetsInBrowser runs notebook cells in a live session driven through headless
// Chromium, as a reader does: 02-margin-theory's slider cell (the committed cell itself) and
// an interactive 3-d Plotly view of points on the sphere. It moves the sliders and checks that
// the kernel redraws the trade-off plot and its text in place, and that plotly.js — the copy
// `kernel install` serves, no internet — draws the 3-d scene.
func TestLiveWidgetsInBrowser(t *testing.T) {
	loc := installed(t)
	chromium, err := findChromium()
	if err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_JUPYTER") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Setenv("LDAMLAB_HEADLESS", "") // the cells must see a live session
	os.Unsetenv("LDAMLAB_HEADLESS")
	dir := t.TempDir()
	sliders := committedCell(t, "../notebooks/02-margin-theory.ipynb", "lab.MarginExplorer(")
	toySliders := committedCell(t, "../notebooks/03-ldam-loss.ipynb", "lab.ToyExplorer(")
	sphere := `import (
	"fmt"
	"log"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/lab/env"
)

%%
panel := figures.SpherePanel{Title: "axes", Features: [][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {-1, 0, 0}}, Labels: []int{0, 1, 2, 0}}
fig, err := figures.Sphere3D("live test", []figures.SpherePanel{panel, panel}, []string{"a", "b", "c"}, 2, 100)
if err != nil {
	log.Fatal(err)
}
shown, err := lab.ShowPlotly(fig)
if err != nil {
	log.Fatal(err)
}
fmt.Println("shown:", shown)
`
	liveNotebook(t, filepath.Join(dir, "live.ipynb"), sphere, sliders)
	solution := committedCell(t, "../notebooks/03-ldam-loss.ipynb", markdownCell+"<details><summary><b>Solution</b></summary>")
	liveNotebook(t, filepath.Join(dir, "toy.ipynb"), solution, toySliders)

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	var serverLog bytes.Buffer
	cmd, url, err := notebookServer(loc, dir, port, &serverLog)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd.Env = append(cmd.Env, "JUPYTER_DATA_DIR="+filepath.Join(tmp, "data"), "JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stopServer(cmd)
	token := url[strings.Index(url, "token=")+len("token="):]
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitServer(base+"/api/status?token="+token, 60*time.Second); err != nil {
		t.Fatalf("the notebook server did not start: %v\n%s", err, serverLog.String())
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("user-data-dir", filepath.Join(tmp, "chromium")), chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.WindowSize(1400, 1800))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	fail := func(what string, err error) {
		t.Helper()
		shot, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.CaptureScreenshot())
		if len(shot) > 0 {
			p := filepath.Join(os.TempDir(), "ldamlab-live-failure.png")
			os.WriteFile(p, shot, 0o644)
			t.Logf("screenshot of the page: %s", p)
		}
		text, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".output_area")).map((o) => o.innerText).join("\n---\n")`))
		state, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.querySelectorAll(".output_area input[type=range]").length + " sliders; GoNB's WebSocket open: " + !!(window.gonb_comm && gonb_comm.websocket_is_opened)`))
		t.Fatalf("%s: %v\npage: %s\noutputs:\n%s\nserver log:\n%s", what, err, state, text, serverLog.String())
	}
	poll := func(what, expr string, limit time.Duration) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(500*time.Millisecond), chromedp.WithPollingTimeout(limit))); err != nil {
			fail(what, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/notebooks/live.ipynb?token=%s", base, token))); err != nil {
		fail("opening the notebook", err)
	}
	poll("the kernel did not connect", `window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()`, 90*time.Second)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.execute_all_cells()`)); err != nil {
		fail("running the cells", err)
	}
	defer chromedp.Do(context.WithoutCancel(ctx), chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.kernel.interrupt()`))

	// The 3-d view: plotly.js loaded from the server (not the CDN: this machine may be offline)
	// and one WebGL scene per panel.
	poll("the 3-d Plotly view was not drawn", `document.querySelectorAll(".ldamlab-plotly.js-plotly-plot .gl-container").length >= 1`, 10*time.Minute) // the first cell builds the lab package: minutes on a cold build cache
	scenes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector(".ldamlab-plotly")._fullLayout ? Object.keys(document.querySelector(".ldamlab-plotly")._fullLayout).filter((k) => k.startsWith("scene")).length : 0`))
	if err != nil || scenes != 2 {
		fail(fmt.Sprintf("%d 3-d scenes for 2 panels", scenes), err)
	}

	local, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map((e) => e.name).filter((n) => n.includes("plotly"))`))
	if err != nil || len(local) != 1 || !strings.Contains(local[0], "/"+env.PlotlyPath) {
		fail(fmt.Sprintf("plotly.js was loaded from %q, want only the installed copy %s", local, env.PlotlyPath), err)
	}

	// The sliders: three, connected to the kernel through GoNB's WebSocket.
	poll("the sliders did not appear", `document.querySelectorAll(".output_area input[type=range]").length == 3 && window.gonb_comm && gonb_comm.websocket_is_opened`, 4*time.Minute)
	outputs := `Array.from(document.querySelectorAll(".output_area")).map((o) => o.innerText)`
	first, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outputs))
	if err != nil {
		fail("reading the outputs", err)
	}
	if !strings.Contains(strings.Join(first, "\n"), "n1 = 5000, n2 = 50, β = 1.00") {
		fail("the defaults' text is missing", fmt.Errorf("%q", first))
	}
	move := func(i, v int) {
		t.Helper()
		js := fmt.Sprintf(`(() => { const s = document.querySelectorAll(".output_area input[type=range]")[%d]; s.value = %d; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); })()`, i, v)
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
			fail("moving a slider", err)
		}
	}
	count := func(text string) string {
		return fmt.Sprintf(`Array.from(document.querySelectorAll(".output_area")).filter((o) => o.innerText.includes(%q)).length`, text)
	}
	figs := `document.querySelectorAll(".output_area img, .output_area .output_svg svg").length`
	last := `(() => { const f = Array.from(document.querySelectorAll(".output_area img, .output_area .output_svg svg")).pop(); return f ? (f.getAttribute("src") || f.outerHTML) : ""; })()`
	figures0, err := chromedp.Run(ctx, chromedp.Evaluate[int](figs))
	if err != nil {
		fail("counting figures", err)
	}
	// The redraw: a new plot (an image output) and its text below the sliders.
	move(1, 500)
	poll("moving n2 to 500 did not redraw", count("n1 = 5000, n2 = 500, β = 1.00")+` == 1 && `+figs+fmt.Sprintf(" == %d", figures0+1), 2*time.Minute)
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[string](last))
	if err != nil {
		fail("reading the figure", err)
	}
	// A second move updates the same outputs in place: the old text is gone, the figure changed,
	// no new one.
	move(2, 50)
	poll("moving β to 0.50 did not update the text in place", count("n1 = 5000, n2 = 500, β = 0.50")+` == 1 && `+count("n1 = 5000, n2 = 500, β = 1.00")+` == 0`, 2*time.Minute)
	poll("moving β to 0.50 did not redraw the figure in place", fmt.Sprintf("%s != %q && %s == %d", last, drawn, figs, figures0+1), time.Minute)
	final, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](outputs))
	t.Logf("outputs after two slider moves:\n%s", strings.Join(final, "\n---\n"))

	// The bridge toy's four sliders (03-ldam-loss's committed cell, in a notebook of its own: the
	// trade-off cell above holds its kernel): moving Δ_max retrains the five methods and redraws.
	// Leave without the "unsaved changes" dialog, then open the toy's notebook.
	chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.set_dirty(false); window.onbeforeunload = null`))
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/notebooks/toy.ipynb?token=%s", base, token))); err != nil {
		fail("opening the toy's notebook", err)
	}
	poll("the toy's kernel did not connect", `window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()`, 90*time.Second)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.execute_all_cells()`)); err != nil {
		fail("running the toy's cell", err)
	}
	toyCell := `document.querySelectorAll(".cell")[1]`
	poll("the toy's four sliders did not appear", toyCell+`.querySelectorAll("input[type=range]").length == 4 && gonb_comm.websocket_is_opened`, 4*time.Minute)
	moveToy := fmt.Sprintf(`(() => { const s = %s.querySelectorAll("input[type=range]")[0]; s.value = 0; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); })()`, toyCell)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](moveToy)); err != nil {
		fail("moving the toy's Δ_max slider", err)
	}
	poll("moving Δ_max to 0 did not retrain and redraw the toy", `Array.from(`+toyCell+`.querySelectorAll(".output_area")).some((o) => o.innerText.includes("= 0.00, s = 10, α = 0.25, T0 = 200")) && `+toyCell+`.querySelectorAll(".output_area img, .output_area .output_svg svg").length >= 4`, 2*time.Minute)

	// An exercise's solution (the committed Markdown cell) is folded until its summary is clicked.
	folded := `(() => { const d = document.querySelector(".text_cell_render details"); return d ? (d.open ? "open" : "folded") + ": " + d.innerText : "no details element"; })()`
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](folded))
	if err != nil || !strings.HasPrefix(state, "folded") {
		fail(fmt.Sprintf("the solution is not folded (%s)", state), err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(".text_cell_render details summary").click()`)); err != nil {
		fail("clicking the solution's summary", err)
	}
	poll("clicking Solution did not reveal it", `(() => { const d = document.querySelector(".text_cell_render details"); return d.open && d.innerText.includes("Lagrange multiplier"); })()`, 10*time.Second)
}

// stopServer interrupts a notebook server (which shuts its kernels down) and waits for it.
func stopServer(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	cmd.Wait()
}
