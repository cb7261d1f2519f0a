package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// tableCmd prints a table of the paper beside our results over seeds.
func tableCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("table", "table2", "table1 … table6")
	preset := fs.String("preset", "lite", "the preset of our runs")
	root := fs.String("root", ".", "the repository root holding results/")
	all := fs.Bool("all", false, "also list the cells we have not run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	t, err := paper.Lookup(*name)
	if err != nil {
		fmt.Fprintf(stderr, "ldam table: %v\n", err)
		return 2
	}
	comps, err := registry.Compare(*root, t.Name, *preset)
	if err != nil {
		fmt.Fprintf(stderr, "ldam table: %v\n", err)
		return 1
	}
	for _, c := range comps {
		for _, u := range append(c.Ours.Unreadable, c.Reference.Unreadable...) {
			fmt.Fprintf(stderr, "ldam table: warning: skipped %s\n", u)
		}
	}
	fmt.Fprintf(stdout, "%s\npaper: %s\nours: preset %s, final epoch, results/%s/%s/<run>/seed-<n>\n\n", t.Title, t.Note, *preset, *preset, registry.DirTable(t.Name))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(registry.Header, "\t"))
	missing := 0
	for i, row := range registry.Rows(comps) {
		if len(comps[i].Ours.Values) == 0 && !*all {
			missing++
			continue
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	if missing > 0 {
		fmt.Fprintf(stdout, "\n%d of %d cells not run in the %s preset (ldam table --all lists them)\n", missing, len(comps), *preset)
	}
	return 0
}
