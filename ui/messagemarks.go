package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// markSet is the messages marked for a redrive or a diff, by
// replay.Position (unique within one read).
type markSet map[string]bool

// has says m is marked.
func (s markSet) has(m *sources.Message) bool { return len(s) > 0 && s[replay.Position(*m)] }

// toggle marks m, or unmarks it.
func (s markSet) toggle(m *sources.Message) {
	if fp := replay.Position(*m); s[fp] {
		delete(s, fp)
	} else {
		s[fp] = true
	}
}

// toggleMark marks the selected message, or unmarks it, and selects the next.
func (p *messagesPage) toggleMark() tea.Cmd {
	n := p.view.Len()
	if n == 0 {
		return nil
	}
	p.marks.toggle(p.view.At(p.cur.sel))
	p.cur.sel++
	p.follow = false
	p.cur.clamp(n, p.rowsHeight())
	return nil
}

// chosen are the messages a redrive takes: the marked ones, or, none
// marked, every one shown (the filter's result when one is set).
func (p *messagesPage) chosen() []sources.Message {
	var msgs []sources.Message
	for i := 0; i < p.view.Len(); i++ {
		if m := p.view.At(i); len(p.marks) == 0 || p.marks.has(m) {
			msgs = append(msgs, *m)
		}
	}
	return msgs
}

// diff compares the two marked messages, or the selected one with its
// other copy (the dead letter it was redriven from, or its redriven copy).
func (p *messagesPage) diff() tea.Cmd {
	var marked []sources.Message
	for i := 0; i < p.view.Len() && len(p.marks) > 0; i++ {
		if m := p.view.At(i); p.marks.has(m) {
			marked = append(marked, *m)
		}
	}
	switch {
	case len(marked) == 2 && p.c.decoder(p.conn.Name()) != nil:
		return diffDecoded(p.ctx, p.c.decoder(p.conn.Name()), marked[0], marked[1], p.pid)
	case len(marked) == 2:
		return push(newDiffPage(p.c, marked[0], marked[1], nil, nil))
	case len(marked) > 2 || len(marked) == 1:
		return setStatus(fmt.Sprintf("%d marked: mark two messages to diff them", len(marked)))
	case p.view.Len() == 0:
		return nil
	}
	r, ok := p.conn.(sources.Reader)
	if !ok {
		return nil
	}
	return tea.Batch(setStatus("looking for the other copy…"), diffOf(p.ctx, r, p.c.decoder(p.conn.Name()), *p.view.At(p.cur.sel), p.pid))
}
