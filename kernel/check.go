package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// committed is the part of nbformat v4 the committed-notebook check reads.
type committed struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
		Metadata struct {
			// LDAM Lab's own cell metadata: "ldamlab": {"no_output": true} marks a code cell that
			// prints nothing by design.
			LDAMLab struct {
				NoOutput bool `json:"no_output"`
			} `json:"ldamlab"`
		} `json:"metadata"`
		Outputs []struct {
			OutputType string                     `json:"output_type"`
			Text       json.RawMessage            `json:"text"`
			Data       map[string]json.RawMessage `json:"data"`
		} `json:"outputs"`
	} `json:"cells"`
}

// imageOutputs counts the outputs of a notebook that hold an image (image/png or image/svg+xml).
func imageOutputs(b []byte) (int, error) {
	var nb committed
	if err := json.Unmarshal(b, &nb); err != nil {
		return 0, fmt.Errorf("not a notebook: %w", err)
	}
	n := 0
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if o.Data["image/png"] != nil || o.Data["image/svg+xml"] != nil {
				n++
			}
		}
	}
	return n, nil
}

// CheckCommitted lists what is wrong with a notebook as committed: a code cell that was never
// executed (no output, unless its metadata says "ldamlab": {"no_output": true}), a failed cell
// (see [Scan]), a figure saved as HTML with inline SVG (sanitized to loose text in an untrusted
// notebook and on GitHub), an image output without PNG (the classic Notebook ignores an
// untrusted SVG), and any of the given machine paths in an output.
func CheckCommitted(b []byte, machinePaths []string) ([]string, error) {
	var nb committed
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	var problems []string
	if f, err := Scan(b); err != nil {
		return nil, err
	} else if f != nil {
		problems = append(problems, f.String())
	}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		if len(c.Outputs) == 0 && !c.Metadata.LDAMLab.NoOutput && strings.TrimSpace(text(c.Source)) != "" {
			problems = append(problems, fmt.Sprintf("cell %d has no output: the notebook was not executed (or mark the cell \"ldamlab\": {\"no_output\": true})", i))
		}
		for j, o := range c.Outputs {
			all := text(o.Text)
			for mime, raw := range o.Data {
				s := text(raw)
				all += s
				if mime == "text/html" && strings.Contains(s, "<svg") {
					problems = append(problems, fmt.Sprintf("cell %d output %d: a figure as text/html with inline SVG; show it as an image output (lab.SaveFigure, lab.Show)", i, j))
				}
			}
			if o.Data["image/svg+xml"] != nil && o.Data["image/png"] == nil {
				problems = append(problems, fmt.Sprintf("cell %d output %d: SVG without PNG: an untrusted notebook shows nothing", i, j))
			}
			for _, p := range machinePaths {
				if p != "" && strings.Contains(all, p) {
					problems = append(problems, fmt.Sprintf("cell %d output %d holds the machine path %s; print paths relative to the repository", i, j, p))
				}
			}
		}
	}
	return problems, nil
}

// markdown returns the text of a notebook's markdown cells.
func markdown(b []byte) (string, error) {
	var nb committed
	if err := json.Unmarshal(b, &nb); err != nil {
		return "", fmt.Errorf("not a notebook: %w", err)
	}
	var sb strings.Builder
	for _, c := range nb.Cells {
		if c.CellType == "markdown" {
			sb.WriteString(text(c.Source))
			sb.WriteString("\n")
		}
	}
	return sb.String(), nil
}
