package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// actions is what the message list does on a key. A dead-letter list puts
// the keys of triage and redrive on the key line, another list those of
// finding messages; both c copy… and, where the connection publishes,
// P publish (the key line drops its last keys when the width is short).
func (p *messagesPage) actions() actionTable {
	k := p.c.Keys
	line := func(deadLetters, other int) int {
		if p.dlq {
			return deadLetters
		}
		return other
	}
	held := func() bool { return p.view.Len() > 0 }
	onSelected := func(f func(*sources.Message) tea.Cmd) func(tea.KeyMsg) tea.Cmd {
		return do(func() tea.Cmd {
			if !held() {
				return nil
			}
			return f(p.view.At(p.cur.sel))
		})
	}
	_, publishes := p.conn.(sources.Publisher)
	return newActions(p.c, p.conn,
		append(moves(p.moveCursor, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom),
			moves(p.scrollSideways, k.ScrollLeft, k.ScrollRight)...),
		[]action{
			{bind: k.Open, line: 1, run: do(p.open)},
			{bind: k.StartPosition, line: line(0, 8), needs: func() bool { return !p.stream.Tap }, run: do(func() tea.Cmd {
				p.openOverlay(pickerOverlay{newStartPicker(p.c, p.start, p.stream.Reading)})
				return nil
			})},
			{bind: k.Pause, run: do(p.togglePause)},
			{bind: k.Refresh, run: do(p.read)},
			{bind: k.Copy, line: line(7, 4), run: onSelected(func(m *sources.Message) tea.Cmd {
				p.openOverlay(copyOverlay{newCopyMenu(p.c, *m, p.conn)})
				return nil
			})},
			{bind: k.CopyValue, run: onSelected(func(m *sources.Message) tea.Cmd { return copyValue(p.c, m) })},
			{bind: k.CopyMessage, run: onSelected(func(m *sources.Message) tea.Cmd { return copyMessage(p.c, m) })},
			{bind: k.Mark, line: line(4, 0), run: do(p.toggleMark)},
			{bind: k.Redrive, line: line(5, 0), writes: true, run: do(p.openRedrive)},
			{bind: k.Edit, writes: true, run: do(p.startEdit)},
			{bind: k.Publish, line: line(8, 5), writes: true, needs: func() bool { return publishes }, run: do(func() tea.Cmd { return p.startPublish(nil) })},
			{bind: k.Triage, line: line(2, 0), run: do(func() tea.Cmd { return push(newTriagePage(p.c, p.conn, p.stream)) })},
			{bind: k.Versions, needs: func() bool { return p.c.carriesSchemas(p.conn) }, run: do(func() tea.Cmd { return push(newVersionsPage(p.c, p.conn, p.stream, p.start, p.end)) })},
			{bind: k.Health, run: do(func() tea.Cmd {
				if p.buf.Len() == 0 {
					return setStatus("nothing held to check: H on the streams list checks the whole stream")
				}
				return push(newHeldHealthPage(p.c, p.conn, p.stream, p.buf))
			})},
			{bind: k.Trace, line: line(3, 7), run: onSelected(func(m *sources.Message) tea.Cmd { return requestTrace(p.c, m) })},
			{bind: k.Wrap, unlisted: true, run: do(func() tea.Cmd {
				return setStatus("a row is one message: ←/→ scroll its value, enter opens it (w wraps there)")
			})},
		},
		[]action{
			{bind: k.FilterExpr, line: line(6, 2), run: do(func() tea.Cmd {
				current := ""
				if p.view.flt != nil {
					current = p.view.flt.String()
				}
				return p.openPrompt("filter", current)
			})},
			{bind: k.ReadFilter, run: do(func() tea.Cmd { return p.openPrompt("read", p.readFilter) })},
			{bind: k.ScanMore, run: do(p.scanOn)},
			{bind: k.Search, line: line(0, 3), run: do(func() tea.Cmd { return p.openPrompt("search", "") })},
			{bind: k.SearchNext, run: do(func() tea.Cmd { return p.findNext(1) })},
			{bind: k.SearchPrev, run: do(func() tea.Cmd { return p.findNext(-1) })},
			{bind: k.Jump, line: line(0, 6), needs: func() bool { return !p.stream.Tap }, run: do(func() tea.Cmd { return p.openPrompt("jump", "") })},
			{bind: k.Diff, run: do(p.diff)},
			{bind: k.Sort, run: p.sortKeyed},
		})
}

// moveCursor moves the selection; the list follows new messages again
// once the last row is selected.
func (p *messagesPage) moveCursor(msg tea.KeyMsg) tea.Cmd {
	k, n := p.c.Keys, p.view.Len()
	p.cur.move(msg, k, n, p.rowsHeight())
	p.follow = n == 0 || p.cur.sel == n-1 && !key.Matches(msg, k.Up)
	if key.Matches(msg, k.Bottom) {
		p.follow = true
	}
	if p.sort.by != "" { // a sorted list is paused: p follows the read again
		p.follow = false
	}
	if p.follow {
		p.unseen = 0
	}
	return nil
}

// scrollSideways scrolls the last column (the value, or the error).
func (p *messagesPage) scrollSideways(msg tea.KeyMsg) tea.Cmd {
	p.side.hmove(msg, p.c.Keys, p.widestLast(), p.lastWidth())
	return nil
}

// togglePause stops following new messages, or follows them again from
// the newest.
func (p *messagesPage) togglePause() tea.Cmd {
	p.follow = !p.follow
	if p.follow && p.sort.by != "" { // in the read's order again
		p.unsort()
	}
	n := p.view.Len()
	if p.follow {
		p.unseen = 0
		p.cur.sel = n - 1
		p.cur.clamp(n, p.rowsHeight())
	}
	return nil
}

// scanOn lets a read filter that stopped at its scan budget scan on.
func (p *messagesPage) scanOn() tea.Cmd {
	if p.scan == nil || !p.budgetHit {
		return setStatus("no read filter waiting at its scan budget")
	}
	p.budgetHit = false
	p.scan.Extend(p.c.scanBudget())
	return p.next()
}
