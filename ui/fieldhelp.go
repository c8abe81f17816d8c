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
// operators with an example each; side by side when they fit w, one
// under the other when they fit h, else one at a time (page 1: the
// fields, 2: the operators; ? turns the page). It reports how many pages
// there are.
func fieldsHelp(s *Styles, w, h, page int) (string, int) {
	room := max(w-helpFrameW, 20)
	left, right := strings.Join(fieldLines(s, room), "\n"), strings.Join(operatorLines(s, room), "\n")
	foot := s.Muted.Render(ansi.Truncate("tab completes names, headers and JSON paths held · esc closes", room, "…"))
	box := func(body string) string { return s.Overlay.Render(body + "\n\n" + foot) }
	if side := lipgloss.JoinHorizontal(lipgloss.Top, left, "   ", right); lipgloss.Width(side) <= room && lipgloss.Height(side)+helpFrameH <= h {
		return box(side), 1
	}
	if stacked := left + "\n\n" + right; lipgloss.Height(stacked)+helpFrameH <= h {
		return box(stacked), 1
	}
	if page == 2 {
		return box(right), 2
	}
	return box(left + "\n" + s.Muted.Render("? operators")), 2
}

// fieldLines are the fields, a doc each, in w cells.
func fieldLines(s *Styles, w int) []string {
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
	out := []string{s.Title.Render("Fields")}
	for i, n := range names {
		out = append(out, s.HelpKey.Render(n+strings.Repeat(" ", kw-ansi.StringWidth(n)))+" "+s.HelpDesc.Render(ansi.Truncate(docs[i], w-kw-1, "…")))
		if parent, _, _ := strings.Cut(n, "."); strings.HasSuffix(n, ".*") && len(subs[parent]) > 0 {
			out = append(out, strings.Repeat(" ", kw+1)+s.Muted.Render(ansi.Truncate(strings.Join(subs[parent], " "), w-kw-1, "…")))
		}
	}
	return out
}

// operatorLines are the operators, an example each, in w cells.
func operatorLines(s *Styles, w int) []string {
	out := []string{s.Title.Render("Operators")}
	ow := 0
	for _, o := range filter.Operators() {
		ow = max(ow, ansi.StringWidth(o.Name))
	}
	for _, o := range filter.Operators() {
		out = append(out, s.HelpKey.Render(o.Name+strings.Repeat(" ", ow-ansi.StringWidth(o.Name)))+" "+s.Muted.Render(ansi.Truncate(o.Example, w-ow-1, "…")))
	}
	return out
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
