package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/render"
)

// diffReady carries the two messages of a diff, or why there are none.
type diffReady struct {
	page   int
	a, b   sources.Message
	da, db *schema.Decoded // the values decoded with their schemas (nil: not framed)
	err    error
}

func (m diffReady) pageID() int { return m.page }

// diffPage shows two messages side by side, field by field.
type diffPage struct {
	pageBase
	a, b  sources.Message
	rows  []msgdiff.Row
	shown []msgdiff.Row // rows, or only the differences
	only  bool
	notes []string // what the rows alone do not say (msgdiff.Notes), above them
	wrap  bool     // a long side wraps onto more lines instead of being cut (w)
	lines []string // the shown rows drawn to the width (built in Update)
	width int      // the width lines were drawn to
	side  hscroller
	scroller
}

// newDiffPage compares a with b; da and db are their values decoded with
// their schemas (nil when not), compared by field when both are.
func newDiffPage(c *Common, a, b sources.Message, da, db *schema.Decoded) *diffPage {
	p := &diffPage{pageBase: pageBase{c: c}, a: a, b: b, rows: msgdiff.MessagesDecoded(&a, &b, da, db)}
	p.shown, p.notes = p.rows, msgdiff.Notes(p.rows)
	p.draw()
	return p
}

// diffOf finds the other copy of a message (replay.OtherCopy) to diff
// with, and decodes both values with dec (nil: none).
func diffOf(ctx context.Context, r sources.Reader, dec *schema.Decoder, m sources.Message, page int) tea.Cmd {
	return func() tea.Msg {
		a, b, err := replay.OtherCopy(ctx, r, m)
		if err != nil {
			return diffReady{page: page, err: fmt.Errorf("diff: %w (or mark two messages with space)", err)}
		}
		return diffReady{page: page, a: a, b: b, da: msgdiff.Decode(ctx, dec, &a), db: msgdiff.Decode(ctx, dec, &b)}
	}
}

// diffDecoded decodes two messages' values with their schemas for a diff.
func diffDecoded(ctx context.Context, dec *schema.Decoder, a, b sources.Message, page int) tea.Cmd {
	return func() tea.Msg {
		return diffReady{page: page, a: a, b: b, da: msgdiff.Decode(ctx, dec, &a), db: msgdiff.Decode(ctx, dec, &b)}
	}
}

func (p *diffPage) Init() tea.Cmd { return nil }

func (p *diffPage) bodyHeight() int { return max(p.c.Height-3-3-len(p.notes), 1) }

func (p *diffPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		p.wheel(msg, len(p.lines), p.bodyHeight())
		return nil
	case tea.WindowSizeMsg:
		p.draw()
		return nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	return p.actions().run(km)
}

// actions is what the diff page does on a key.
func (p *diffPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.move(msg, k, len(p.lines), p.bodyHeight()); return nil }
	sideways := func(msg tea.KeyMsg) tea.Cmd {
		cols := p.columns()
		if p.side.hmove(msg, k, p.widestSide(), min(cols[2].width, cols[3].width)) {
			p.draw()
		}
		return nil
	}
	return newActions(p.c, nil,
		append(moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)), spacePages(move),
			action{bind: k.ScrollLeft, run: sideways}, action{bind: k.ScrollRight, line: 3, run: sideways}),
		[]action{
			{bind: k.Diff, line: 1, run: do(p.toggleChanged)},
			{bind: k.Wrap, line: 2, run: do(func() tea.Cmd { p.wrap, p.side = !p.wrap, hscroller{}; p.draw(); return nil })},
		})
}

// toggleChanged shows only the fields that differ, or all of them again.
func (p *diffPage) toggleChanged() tea.Cmd {
	p.only = !p.only
	p.shown = p.rows
	if p.only {
		p.shown = nil
		for _, r := range p.rows {
			if r.Change != msgdiff.Same {
				p.shown = append(p.shown, r)
			}
		}
	}
	p.draw()
	return nil
}

func (p *diffPage) columns() []column {
	return layout([]column{{title: "", width: 1}, {title: "FIELD", width: 24}, {title: "LEFT", width: 20, flex: true}, {title: "RIGHT", width: 20, flex: true}}, p.c.Width)
}

// draw renders the shown rows to the width: cut (scrolled sideways) or
// wrapped (long field names too); it runs in Update, never in View.
func (p *diffPage) draw() {
	s := p.c.Styles
	cols := p.columns()
	p.width, p.lines = p.c.Width, p.lines[:0]
	section := ""
	for _, r := range p.shown {
		field := r.Field
		if r.Section != section {
			section = r.Section
			field = r.Section + ": " + r.Field
		}
		var lefts, rights []string
		names := []string{render.Sanitize(field)}
		if p.wrap {
			lefts, rights = wrapSide(r.Left, cols[2].width), wrapSide(r.Right, cols[3].width)
			names = strings.Split(ansi.Hardwrap(names[0], max(cols[1].width, 1), true), "\n") // a long name whole, over lines
		} else {
			l, rt := diffSides(r, cols[2].width+p.side.left, cols[3].width+p.side.left)
			lefts, rights = []string{p.side.shift(l)}, []string{p.side.shift(rt)}
		}
		if r.LeftNull { // no value at all: not the "" of an empty one
			lefts = []string{nullText}
		}
		if r.RightNull {
			rights = []string{nullText}
		}
		switch r.Change {
		case msgdiff.Added:
			lefts = []string{render.Missing}
		case msgdiff.Removed:
			rights = []string{render.Missing}
		}
		for i := range max(len(lefts), len(rights), len(names)) {
			mark, name, left, right := "", "", "", ""
			if i == 0 {
				mark = r.Change.Mark()
			}
			if i < len(names) {
				name = names[i]
			}
			if i < len(lefts) {
				left = lefts[i]
			}
			if i < len(rights) {
				right = rights[i]
			}
			p.lines = append(p.lines, diffStyle(s, r.Change)(row(cols, mark, name, left, right)))
		}
	}
	p.scroll(0, len(p.lines), p.bodyHeight())
}

// nullText is a side whose header has no value, as the detail shows it.
const nullText = "∅ null"

// diffStyle is how a row of a change is drawn.
func diffStyle(s *Styles, c msgdiff.Change) func(...string) string {
	switch c {
	case msgdiff.Changed:
		return s.Warn.Render
	case msgdiff.Added:
		return s.Live.Render
	case msgdiff.Removed:
		return s.StatusError.Render
	}
	return s.Muted.Render
}

// diffWrapLines bounds the lines one side of a wrapped row takes.
const diffWrapLines = 40

// wrapSide is one side's text sanitised and cut into lines of width
// cells, at most diffWrapLines of them.
func wrapSide(text string, width int) []string {
	if text == "" {
		return []string{`""`}
	}
	width = max(width, 1)
	if limit := width * diffWrapLines * 4; len(text) > limit { // no more is shown
		text = strings.ToValidUTF8(text[:limit], "")
	}
	lines := strings.Split(ansi.Hardwrap(render.Sanitize(text), width, true), "\n")
	if len(lines) > diffWrapLines {
		lines = append(lines[:diffWrapLines-1], "…")
	}
	return lines
}

// widestSide is the widest side of a shown row, in cells, as far as a
// sideways scroll goes.
func (p *diffPage) widestSide() int {
	widest := 0
	for _, r := range p.shown {
		widest = max(widest, ansi.StringWidth(render.Field(r.Left, diffScrollMax)), ansi.StringWidth(render.Field(r.Right, diffScrollMax)))
	}
	return widest
}

// diffScrollMax bounds how far a diff scrolls sideways.
const diffScrollMax = 4096

func (p *diffPage) View(w, h int) string {
	s := p.c.Styles
	n := msgdiff.Differences(p.rows)
	head := s.Title.Render(plural(n, "difference")) + s.Muted.Render("  left: "+render.Sanitize(p.a.Stream)+" "+p.a.Where()+
		"   right: "+render.Sanitize(p.b.Stream)+" "+p.b.Where())
	cols := p.columns()
	out := []string{head}
	for _, note := range p.notes {
		out = append(out, s.Warn.Render(render.Field(note, w)))
	}
	heads := titles(cols)
	if mark := p.side.marker(); mark != "" {
		heads[2], heads[3] = heads[2]+" "+mark, heads[3]+" "+mark
	}
	out = append(out, s.ColumnHeader.Render(row(cols, heads...)))
	end := min(p.top+p.bodyHeight(), len(p.lines))
	out = append(out, p.lines[p.top:end]...)
	return joinLines(out)
}

// diffSides are a row's two cells: each side's text sanitised on one line
// ("" for an empty value), render.Missing for the side that does not hold
// the field.
func diffSides(r msgdiff.Row, lw, rw int) (left, right string) {
	left, right = render.Field(r.Left, lw), render.Field(r.Right, rw)
	switch r.Change {
	case msgdiff.Added:
		left = render.Missing
	case msgdiff.Removed:
		right = render.Missing
	}
	return left, right
}

func (p *diffPage) Crumb() string { return p.c.Styles.Crumb.Render("diff") }

func (p *diffPage) Status() string {
	what := "all fields"
	if p.only {
		what = "differences only"
	}
	st := fmt.Sprintf("%s  %s", what, plural(len(p.shown), "row"))
	if p.wrap {
		st += "  wrapped"
	}
	if mark := p.side.marker(); mark != "" {
		st += "  " + mark
	}
	return p.c.Styles.Status.Render(st)
}

func (p *diffPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *diffPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

func (p *diffPage) Close() {}
