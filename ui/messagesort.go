package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// A message list is sorted once its read has ended (a queue peeked, a
// bounded read at its end): a live list keeps the read's order, the
// newest at the bottom.

// sortable says whether the list can be sorted now.
func (p *messagesPage) sortable() bool { return p.ended && p.srch == nil }

// sortKeyed sorts by the column of a digit key.
func (p *messagesPage) sortKeyed(msg tea.KeyMsg) tea.Cmd {
	if !p.sortable() {
		return setStatus("the list keeps the read's order while it reads: it sorts once the read has ended")
	}
	cols := p.columns(p.c.Width)
	p.sort.digit(msg, cols)
	p.applySort()
	return nil
}

// applySort sorts the rows by the page's sort, the selected message
// staying selected.
func (p *messagesPage) applySort() {
	keep := ""
	if p.view.Len() > 0 {
		keep = replay.Position(*p.view.At(p.cur.sel))
	}
	p.view.sortBy(p.sort, messageKey)
	if keep != "" {
		for i := range p.view.Len() {
			if replay.Position(*p.view.At(i)) == keep {
				p.cur.sel = i
				break
			}
		}
		p.follow = false
	}
	p.cur.clamp(p.view.Len(), p.rowsHeight())
}

// messageKey is what a message sorts by in the column title.
func messageKey(m *sources.Message, title string) sortKey {
	switch title {
	case "P":
		if m.Partition == sources.NoPartition {
			return noKey
		}
		return numKey(m.Partition)
	case "OFFSET":
		return numKey(m.Offset)
	case "TIME":
		if m.Timestamp.IsZero() {
			return noKey
		}
		return numKey(m.Timestamp.UnixNano())
	case "ID":
		if m.ID == "" {
			return noKey
		}
		return textKey(m.ID)
	case "KEY":
		if m.Key == nil {
			return noKey
		}
		return textKey(string(m.Key[:min(len(m.Key), 256)]))
	case "VALUE":
		return textKey(string(m.Value[:min(len(m.Value), 256)]))
	case "ORIGIN":
		if m.DeadLetter == nil {
			return noKey
		}
		return textKey(m.DeadLetter.OriginStream)
	case "ERROR":
		if m.DeadLetter == nil {
			return noKey
		}
		return textKey(m.DeadLetter.Summary())
	}
	return noKey
}
