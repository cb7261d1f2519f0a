package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				Type   string   `json:"cell_type"`
				Source []string `json:"source"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(b, &nb); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, c := range nb.Cells {
			if c.Type != "markdown" {
				continue
			}
			text := code.ReplaceAllString(strings.Join(c.Source, ""), "")
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
