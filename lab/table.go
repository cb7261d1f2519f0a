package lab

import (
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"github.com/ldamlab/ldamlab/tables"
)

// ShowTable displays a table in the notebook as Markdown, with the same text as plain text
// beside it: JupyterLab, Notebook 7 and GitHub render the table; the classic Notebook shows an
// untrusted notebook's text/markdown as its plain text, still a readable pipe table. (No HTML:
// notebooks hold no text/html output, which untrusted viewers sanitize.)
func ShowTable(t tables.Table) {
	if !gonbui.IsNotebook {
		return
	}
	md := t.Markdown()
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMETextMarkdown: md, protocol.MIMETextPlain: md}})
	// Wait until GoNB has published it: a cell that ends right after could otherwise finish
	// (kernel idle) before the output arrives, and the output is lost.
	gonbui.Sync()
}
