package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

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
	scroller
}

// newDiffPage compares a with b; da and db are their values decoded with
// their schemas (nil when not), compared by field when both are.
func newDiffPage(c *Common, a, b sources.Message, da, db *schema.Decoded) *diffPage {
	p := &diffPage{pageBase: pageBase{c: c}, a: a, b: b, rows: msgdiff.MessagesDecoded(&a, &b, da, db)}
	p.shown, p.notes = p.rows, msgdiff.Notes(p.rows)
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
	if mm, ok := msg.(tea.MouseMsg); ok {
		p.wheel(mm, len(p.shown), p.bodyHeight())
		return nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if p.move(km, p.c.Keys, len(p.shown), p.bodyHeight()) {
		return nil
	}
	if key.Matches(km, p.c.Keys.Diff) {
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
		p.scroll(0, len(p.shown), p.bodyHeight())
	}
	return nil
}

func (p *diffPage) View(w, h int) string {
	s := p.c.Styles
	n := msgdiff.Differences(p.rows)
	head := s.Title.Render(fmt.Sprintf("%d differences", n)) + s.Muted.Render("  left: "+render.Sanitize(p.a.Stream)+" "+p.a.Where()+
		"   right: "+render.Sanitize(p.b.Stream)+" "+p.b.Where())
	cols := layout([]column{{title: "", width: 1}, {title: "FIELD", width: 24}, {title: "LEFT", width: 20, flex: true}, {title: "RIGHT", width: 20, flex: true}}, w)
	out := []string{head}
	for _, note := range p.notes {
		out = append(out, s.Warn.Render(render.Field(note, w)))
	}
	out = append(out, s.ColumnHeader.Render(row(cols, titles(cols)...)))
	section := ""
	end := min(p.top+p.bodyHeight(), len(p.shown))
	for _, r := range p.shown[p.top:end] {
		field := r.Field
		if r.Section != section {
			section = r.Section
			field = r.Section + ": " + r.Field
		}
		left, right := diffSides(r, cols[2].width, cols[3].width)
		line := row(cols, r.Change.Mark(), render.Sanitize(field), left, right)
		switch r.Change {
		case msgdiff.Changed:
			line = s.Warn.Render(line)
		case msgdiff.Added:
			line = s.Live.Render(line)
		case msgdiff.Removed:
			line = s.StatusError.Render(line)
		default:
			line = s.Muted.Render(line)
		}
		out = append(out, line)
	}
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
	return p.c.Styles.Status.Render(fmt.Sprintf("%s  %d rows", what, len(p.shown)))
}

func (p *diffPage) ShortHelp() []key.Binding {
	return []key.Binding{p.c.Keys.Diff, p.c.Keys.Back}
}

func (p *diffPage) FullHelp() [][]key.Binding {
	k := p.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Diff}}
}

func (p *diffPage) Close() {}
