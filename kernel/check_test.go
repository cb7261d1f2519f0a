package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// machinePaths are the paths no committed output may hold: this checkout and the home directory.
func machinePaths(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{root + string(filepath.Separator)}
	if home, err := os.UserHomeDir(); err == nil && home != "/" {
		paths = append(paths, home+string(filepath.Separator))
	}
	return paths
}

func TestCheckCommitted(t *testing.T) {
	code := func(meta, outputs string) string {
		return `{"cells":[{"cell_type":"markdown","source":"x"},{"cell_type":"code","source":"%%\nf()","metadata":{` + meta + `},"outputs":[` + outputs + `]}]}`
	}
	png := `"image/png":"iVBORw0KGgo="`
	cases := []struct {
		name, nb string
		want     string // a substring of the first problem; "" for none
	}{
		{"image", code("", `{"output_type":"display_data","data":{"image/svg+xml":"<svg/>",`+png+`}}`), ""},
		{"not executed", code("", ""), "no output"},
		{"marked no output", code(`"ldamlab":{"no_output":true}`, ""), ""},
		{"html svg", code("", `{"output_type":"display_data","data":{"text/html":["<div>","<svg>"]}}`), "text/html with inline SVG"},
		{"svg only", code("", `{"output_type":"display_data","data":{"image/svg+xml":"<svg/>"}}`), "SVG without PNG"},
		{"machine path", code("", `{"output_type":"stream","name":"stdout","text":"[/home/ann/ldamlab/figures/a.svg]"}`), "machine path /home/ann/"},
		{"panic", code("", `{"output_type":"stream","name":"stderr","text":"panic: boom\nexit status 2\n"}`), "panic"},
	}
	for _, tc := range cases {
		problems, err := CheckCommitted([]byte(tc.nb), []string{"/home/ann/"})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.want == "" && len(problems) > 0:
			t.Errorf("%s: unexpected problems %q", tc.name, problems)
		case tc.want != "" && (len(problems) == 0 || !strings.Contains(problems[0], tc.want)):
			t.Errorf("%s: problems %q, want one with %q", tc.name, problems, tc.want)
		}
	}
}

// TestCommittedNotebooks checks every notebook of notebooks/ as committed: executed, no
// failed cell, figures as image outputs, no machine path; and 00-start-here's map lists them
// all.
func TestCommittedNotebooks(t *testing.T) {
	nbs, _ := filepath.Glob("../notebooks/*.ipynb")
	if len(nbs) == 0 {
		t.Fatal("no notebooks found")
	}
	var startHere string
	for _, nb := range nbs {
		b, err := os.ReadFile(nb)
		if err != nil {
			t.Fatal(err)
		}
		problems, err := CheckCommitted(b, machinePaths(t))
		if err != nil {
			t.Fatalf("%s: %v", nb, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", filepath.Base(nb), p)
		}
		if filepath.Base(nb) == "00-start-here.ipynb" {
			if startHere, err = markdown(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if startHere == "" {
		t.Fatal("notebooks/00-start-here.ipynb is missing")
	}
	for _, nb := range nbs {
		name := strings.TrimSuffix(filepath.Base(nb), ".ipynb")
		if !strings.Contains(startHere, "`"+name+"`") {
			t.Errorf("00-start-here's map of the notebooks does not list %s", name)
		}
	}
}

func TestPageProblems(t *testing.T) {
	page := func(trust, body string) string {
		return `<html><span id="notification_trusted" class="notification_widget">` + trust + `</span>` + body + `</html>`
	}
	img := `<div class="output_subarea output_png"><img src="data:image/png;base64,iVBOR"></div>`
	cases := []struct {
		name, dom string
		images    int
		want      string
	}{
		{"good", page("Not Trusted", img), 1, ""},
		{"svg dropped", page("Not Trusted", `<div class="output_subarea output_text"></div>`), 1, "0 image elements"},
		{"trusted", page("Trusted", img), 1, "rendered as trusted"},
		{"error", page("Not Trusted", img+`<div class="output_subarea output_error">`), 1, "error"},
		{"path", page("Not Trusted", img+`<pre>/home/ann/x</pre>`), 1, "machine path"},
		{"not rendered", `<html></html>`, 0, "did not render"},
	}
	for _, tc := range cases {
		problems := pageProblems(tc.dom, tc.images, []string{"/home/ann/"})
		switch {
		case tc.want == "" && len(problems) > 0:
			t.Errorf("%s: unexpected problems %q", tc.name, problems)
		case tc.want != "" && (len(problems) == 0 || !strings.Contains(problems[0], tc.want)):
			t.Errorf("%s: problems %q, want one with %q", tc.name, problems, tc.want)
		}
	}
}

// TestNotebooksInBrowser opens every committed notebook, untrusted as after a clone, in headless
// Chromium through `kernel lab`'s server and checks the rendered page; two test notebooks
// show that the check sees a figure an untrusted notebook drops.
func TestNotebooksInBrowser(t *testing.T) {
	loc := installed(t)
	if _, err := findChromium(); err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_JUPYTER") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	nbs, _ := filepath.Glob("../notebooks/*.ipynb")
	nbs = append(nbs, "testdata/figure-image.ipynb", "testdata/figure-svg-only.ipynb")
	var copies []string
	for _, nb := range nbs {
		b, err := os.ReadFile(nb)
		if err != nil {
			t.Fatal(err)
		}
		c := filepath.Join(dir, filepath.Base(nb))
		if err := os.WriteFile(c, b, 0o644); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, c)
	}
	var log bytes.Buffer
	got, err := browserCheck(loc, dir, copies, machinePaths(t), &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for name, problems := range got {
		switch name {
		case "figure-svg-only.ipynb":
			if len(problems) == 0 || !strings.Contains(problems[0], "0 image elements on the page for 1") {
				t.Errorf("%s: the check missed an SVG that an untrusted notebook drops: %q", name, problems)
			}
		default:
			for _, p := range problems {
				t.Errorf("%s: %s", name, p)
			}
		}
	}
	t.Log(log.String())
}
