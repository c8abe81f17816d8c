package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources/schema"
)

// actions is what the message detail does on a key. A value with a schema
// puts the schema and its raw bytes on the key line, another value trace.
func (p *detailPage) actions() actionTable {
	k := p.c.Keys
	typed := showPart(p.decoder(), schema.PartValue, &p.msg).typed
	line := func(withSchema, other int) int {
		if typed {
			return withSchema
		}
		return other
	}
	move := func(msg tea.KeyMsg) tea.Cmd { p.move(msg, k, len(p.lines), p.bodyHeight()); return nil }
	return newActions(p.c, p.conn,
		append(moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
			spacePages(move),
			action{bind: k.ScrollLeft, run: p.scrollSideways},
			action{bind: k.ScrollRight, run: p.scrollSideways},
			action{bind: k.Wrap, line: line(7, 5), run: do(func() tea.Cmd { p.setUnwrap(!p.unwrap); return nil })}),
		[]action{
			{bind: k.FullValue, line: line(3, 1), run: do(func() tea.Cmd { p.full = !p.full; p.build(); return nil })},
			{bind: k.RawBytes, line: line(2, 0), run: do(func() tea.Cmd { p.bytes = !p.bytes; p.build(); return nil })},
			{bind: k.Schema, line: line(1, 0), run: do(p.openSchema)},
			{bind: k.NextMessage, line: line(4, 2), run: do(func() tea.Cmd { return p.stepBy(1) })},
			{bind: k.PrevMessage, line: line(5, 3), run: do(func() tea.Cmd { return p.stepBy(-1) })},
			{bind: k.Copy, line: line(6, 4), run: do(func() tea.Cmd { p.copying = newCopyMenu(p.c, p.msg, p.conn); return nil })},
			{bind: helpAs(k.CopyValue, "copy decoded value"), run: do(func() tea.Cmd { return copyDecoded(p.c, p.decoder(), &p.msg) })},
			{bind: helpAs(k.CopyMessage, "copy export line"), run: do(func() tea.Cmd { return copyExportLine(p.c, p.decoder(), &p.msg) })},
			{bind: k.Trace, line: line(0, 6), run: do(func() tea.Cmd { return requestTrace(p.c, &p.msg) })},
			{bind: k.Publish, writes: true, needs: func() bool { return p.publish != nil }, run: do(func() tea.Cmd { return p.publish(p.msg) })},
		})
}

// scrollSideways scrolls the lines; scrolling right needs them whole.
func (p *detailPage) scrollSideways(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, p.c.Keys.ScrollRight) && !p.unwrap {
		p.setUnwrap(true)
	}
	p.side.hmove(msg, p.c.Keys, p.widest, p.width)
	return nil
}

// openSchema shows the value's schema.
func (p *detailPage) openSchema() tea.Cmd {
	v := showPart(p.decoder(), schema.PartValue, &p.msg)
	switch {
	case !v.typed:
		return setStatus("this value has no schema")
	case !v.ready:
		return setStatus("the schema is being fetched…")
	case v.dec.Ref.Origin == schema.OriginRegistry && v.dec.Ref.ID == 0:
		return setStatus("no schema to show")
	}
	return push(newSchemaPage(p.c, p.decoder(), v.dec.Ref))
}

// stepBy shows the next (1) or the previous (-1) message of the page the
// detail was opened from.
func (p *detailPage) stepBy(delta int) tea.Cmd {
	if p.step == nil {
		return nil
	}
	m, ok := p.step(p.msg, delta)
	if !ok {
		return nil
	}
	p.msg, p.top, p.full, p.fetching, p.fetchErr, p.note = m, 0, false, false, nil, nil
	if p.held != nil {
		p.note = p.held()
	}
	p.build()
	return tea.Batch(p.refetch(), p.fetchSchemas())
}

// helpAs is b with its help saying what it does on this page.
func helpAs(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
