package lab

import (
	"html"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Table is a table of text cells that notebooks show and tests read.
type Table struct {
	Header []string
	Rows   [][]string
}

// Markdown renders the table as a Markdown pipe table.
func (t Table) Markdown() string {
	var sb strings.Builder
	row := func(cells []string) {
		sb.WriteString("|")
		for _, c := range cells {
			sb.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		sb.WriteString("\n")
	}
	row(t.Header)
	sb.WriteString(strings.Repeat("|---", len(t.Header)) + "|\n")
	for _, r := range t.Rows {
		row(r)
	}
	return sb.String()
}

// HTML renders the table as an HTML table (plain tags that Jupyter keeps in untrusted notebooks).
func (t Table) HTML() string {
	var sb strings.Builder
	sb.WriteString("<table>\n<thead><tr>")
	for _, h := range t.Header {
		sb.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	sb.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range t.Rows {
		sb.WriteString("<tr>")
		for _, c := range r {
			sb.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		sb.WriteString("</tr>\n")
	}
	sb.WriteString("</tbody>\n</table>")
	return sb.String()
}

// ShowTable displays a table in the notebook as HTML, with Markdown and plain text beside it
// (an untrusted classic Notebook ignores text/markdown outputs; it sanitizes HTML, which keeps
// tables).
func ShowTable(t Table) {
	if !gonbui.IsNotebook {
		return
	}
	md := t.Markdown()
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{
		protocol.MIMETextHTML: t.HTML(), protocol.MIMETextMarkdown: md, protocol.MIMETextPlain: md}})
}
