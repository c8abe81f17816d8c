package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// A message list sorts what it holds. One still reading stops following
// when it is sorted: the rows held are sorted, those that arrive after
// follow them in the read's order (counted as new), until p follows the
// read again in arrival order or the read ends (then all are sorted).

// sortable says whether the list can be sorted now (not while a search
// runs: it walks the rows in their order).
func (p *messagesPage) sortable() bool { return p.srch == nil }

// sortKeyed sorts by the column of a digit key.
func (p *messagesPage) sortKeyed(msg tea.KeyMsg) tea.Cmd {
	if !p.sortable() {
		return setStatus("a search is running: esc stops it, then the list sorts")
	}
	cols := p.columns(p.c.Width)
	p.sort.digit(msg, cols)
	p.applySort()
	return p.sortSaid()
}

// sortSaid says on the status line that a list still reading was sorted
// and paused.
func (p *messagesPage) sortSaid() tea.Cmd {
	if p.sort.by == "" || p.ended {
		return nil
	}
	return setStatus("sorted by " + p.sort.by + p.sort.sortArrow() + ": paused, p to follow in arrival order")
}

// applySort sorts the rows by the page's sort, the selected message
// staying selected; a sorted list does not follow new messages.
func (p *messagesPage) applySort() {
	keep, held := p.selectedKey()
	if p.ended {
		p.view.sortBy(p.sort, messageKey)
	} else {
		p.view.sortHeld(p.sort, messageKey)
	}
	if p.sort.by != "" {
		p.follow = false
	}
	if held {
		if i := p.indexOf(keep); i >= 0 {
			p.cur.sel = i
		}
	}
	p.cur.clamp(p.view.Len(), p.rowsHeight())
}

// unsort puts the rows back in the read's order.
func (p *messagesPage) unsort() {
	p.sort = tableSort{}
	p.view.sortBy(p.sort, nil)
}

// rowKey names a message in the list: where it was read from.
type rowKey struct {
	stream    string
	partition int32
	offset    int64
	id        string
}

// keyOf is m's rowKey (its texts copied: the buffer's may be reused).
func keyOf(m *sources.Message) rowKey {
	return rowKey{stream: strings.Clone(m.Stream), partition: m.Partition, offset: m.Offset, id: strings.Clone(m.ID)}
}

// selectedKey is the selected row's key (false: no row).
func (p *messagesPage) selectedKey() (rowKey, bool) {
	if p.view.Len() == 0 {
		return rowKey{}, false
	}
	return keyOf(p.view.At(min(max(p.cur.sel, 0), p.view.Len()-1))), true
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
		at := rowTime(m)
		if at.IsZero() {
			return noKey
		}
		return numKey(at.UnixNano())
	case "ID":
		if m.ID == "" {
			return numKey(m.Offset) // shown as its place in the read
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
