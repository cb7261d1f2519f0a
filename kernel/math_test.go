package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/lab/env"
)

// TestNotebookMath parses the math of every committed notebook's Markdown cells as MathJax
// sees it: outside code spans, every $ and $$ opens a span that closes in the same cell, no
// span holds a control character (a "\r" of "\rho" read as a carriage return) or an
// unbalanced brace, and no macro is one MathJax would not know because its backslash was lost.
func TestNotebookMath(t *testing.T) {
	files, err := filepath.Glob("../notebooks/*.ipynb")
	if err != nil || len(files) == 0 {
		t.Fatalf("no notebooks: %v", err)
	}
	code := regexp.MustCompile("`[^`]*`")
	span := regexp.MustCompile(`\$\$(?s:.+?)\$\$|\$(?:[^$\\]|\\.)+?\$`)
	for _, f := range files {
		cells, err := env.ReadNotebook(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cells {
			if c.Type != "markdown" {
				continue
			}
			text := code.ReplaceAllString(c.Source, "")
			rest := span.ReplaceAllStringFunc(text, func(m string) string {
				body := strings.Trim(m, "$")
				if strings.ContainsAny(body, "\r\t\f\v\b") {
					t.Errorf("%s, cell %d: a control character in $%s$ (a lost backslash?)", filepath.Base(f), i, body)
				}
				if strings.Count(body, "{")-strings.Count(body, `\{`) != strings.Count(body, "}")-strings.Count(body, `\}`) {
					t.Errorf("%s, cell %d: unbalanced braces in $%s$", filepath.Base(f), i, body)
				}
				return ""
			})
			if strings.Contains(strings.ReplaceAll(rest, `\$`, ""), "$") {
				t.Errorf("%s, cell %d: a $ that opens no closed math span:\n%s", filepath.Base(f), i, rest)
			}
		}
	}
}
