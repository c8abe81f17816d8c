package ui

import (
	"cmp"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// sortKey is what one cell sorts by: a number or a text. A cell without
// a value (a count not known) sorts after every known one, whichever way
// the column is sorted.
type sortKey struct {
	num     float64
	text    string
	missing bool
}

// numKey sorts by a number.
func numKey[N int | int32 | int64 | float64](n N) sortKey { return sortKey{num: float64(n)} }

// textKey sorts by a text, case folded.
func textKey(s string) sortKey { return sortKey{text: strings.ToLower(s)} }

// noKey is a cell without a value.
var noKey = sortKey{missing: true}

// compareKeys orders two keys of one column ascending, missing ones last.
func compareKeys(a, b sortKey) int {
	switch {
	case a.missing || b.missing:
		switch {
		case a.missing && b.missing:
			return 0
		case a.missing:
			return 1
		}
		return -1
	case a.num != b.num:
		return cmp.Compare(a.num, b.num)
	}
	return strings.Compare(a.text, b.text)
}

// tableSort is the sort of a table: the column sorted by (named by its
// title; "" keeps the rows in the order they come) and which way. Every
// list page holds one; keys and header clicks change it in Update.
type tableSort struct {
	by   string
	desc bool
}

// sortable says whether a column can be sorted by.
func sortable(c column) bool { return plainTitle(c.title) != "" && !c.unsorted }

// toggle sorts by c: a column sorted by already turns the other way, a
// new one starts descending when it holds numbers (the biggest first),
// ascending when it holds text. It reports false when c cannot be sorted.
func (s *tableSort) toggle(c column) bool {
	if !sortable(c) {
		return false
	}
	title := plainTitle(c.title)
	if s.by == title {
		s.desc = !s.desc
		return true
	}
	s.by, s.desc = title, c.numeric
	return true
}

// digit sorts by the Nth of cols when msg is the digit N (1 to 9): it
// reports whether msg was a digit (a digit naming no sortable column is
// one too, and does nothing).
func (s *tableSort) digit(msg tea.KeyMsg, cols []column) bool {
	if !isDigit(msg) {
		return false
	}
	if n := int(msg.Runes[0] - '1'); n < len(cols) {
		s.toggle(cols[n])
	}
	return true
}

// isDigit says msg is one of the digits 1 to 9, the sort keys.
func isDigit(msg tea.KeyMsg) bool {
	return msg.Type == tea.KeyRunes && len(msg.Runes) == 1 && !msg.Alt && msg.Runes[0] >= '1' && msg.Runes[0] <= '9'
}

// sortArrow is what marks the sorted column's title.
func (s tableSort) sortArrow() string {
	if s.desc {
		return " ▼"
	}
	return " ▲"
}

// decorate marks the sorted column's title with ▲ or ▼, widening the
// column to hold the mark (call it before layout: a flex column gives
// the room back).
func (s tableSort) decorate(cols []column) []column {
	if s.by == "" {
		return cols
	}
	out := slices.Clone(cols)
	for i := range out {
		if out[i].title == s.by {
			out[i].title += s.sortArrow()
			out[i].width = max(out[i].width, ansi.StringWidth(out[i].title))
		}
	}
	return out
}

// plainTitle is a column's title without the sort's mark.
func plainTitle(title string) string {
	title = strings.TrimSuffix(title, " ▼")
	return strings.TrimSuffix(title, " ▲")
}

// sortRows orders rows (any row type) stably by the sort's column, key
// giving each row's value in the column of that title; without a sort
// the order is left as it is.
func sortRows[R any](s tableSort, rows []R, key func(r *R, title string) sortKey) {
	if s.by == "" {
		return
	}
	slices.SortStableFunc(rows, func(a, b R) int {
		ka, kb := key(&a, s.by), key(&b, s.by)
		c := compareKeys(ka, kb)
		if s.desc && !ka.missing && !kb.missing {
			c = -c
		}
		return c
	})
}
