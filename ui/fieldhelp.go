package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/ui/render"
)

// fieldsHelp is the box ? opens in a filter prompt: the names an
// expression reads (from the filter package, so it cannot drift) and the
// operators with an example each; side by side when they fit w.
func fieldsHelp(s *Styles, w int) string {
	var names, docs []string
	subs := map[string][]string{} // schema.id… under schema.*
	for _, f := range filter.Fields() {
		if parent, sub, ok := strings.Cut(f.Name, "."); ok && !strings.HasSuffix(f.Name, ".*") {
			subs[parent] = append(subs[parent], "."+sub)
			continue
		}
		names, docs = append(names, f.Name), append(docs, f.Doc)
	}
	kw := 0
	for _, n := range names {
		kw = max(kw, ansi.StringWidth(n))
	}
	var fields []string
	fields = append(fields, s.Title.Render("Fields"))
	for i, n := range names {
		fields = append(fields, s.HelpKey.Render(n+strings.Repeat(" ", kw-ansi.StringWidth(n)))+" "+s.HelpDesc.Render(docs[i]))
		if parent, _, _ := strings.Cut(n, "."); strings.HasSuffix(n, ".*") && len(subs[parent]) > 0 {
			fields = append(fields, strings.Repeat(" ", kw+1)+s.Muted.Render(strings.Join(subs[parent], " ")))
		}
	}
	ops := []string{s.Title.Render("Operators")}
	ow := 0
	for _, o := range filter.Operators() {
		ow = max(ow, ansi.StringWidth(o.Name))
	}
	for _, o := range filter.Operators() {
		ops = append(ops, s.HelpKey.Render(o.Name+strings.Repeat(" ", ow-ansi.StringWidth(o.Name)))+" "+s.Muted.Render(o.Example))
	}
	left, right := strings.Join(fields, "\n"), strings.Join(ops, "\n")
	foot := s.Muted.Render("tab completes names, headers and JSON paths of the messages held · any key closes")
	body := lipgloss.JoinHorizontal(lipgloss.Top, left, "   ", right)
	if lipgloss.Width(body)+helpFrameW > w {
		body = left + "\n\n" + right
	}
	return s.Overlay.Render(body + "\n\n" + foot)
}

// completionHint lists the candidates a Tab found, as many as fit w.
func completionHint(s *Styles, cands []string, w int) string {
	var b strings.Builder
	for i, c := range cands {
		c = render.Sanitize(c)
		if b.Len() > 0 && ansi.StringWidth(b.String())+2+ansi.StringWidth(c) > w-12 {
			b.WriteString("  … " + strconv.Itoa(len(cands)-i) + " more")
			break
		}
		if b.Len() > 0 {
			b.WriteString("  ")
		}
		b.WriteString(c)
	}
	return s.Muted.Render(b.String())
}
