package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// hscrollStep is how many cells one press of ←/→ scrolls sideways.
const hscrollStep = 8

// hscroller is the first display cell shown of lines wider than their
// window: a page scrolls its text sideways by cells, never by bytes, so a
// wide rune or an escape sequence is never split.
type hscroller struct{ left int }

// hmove handles ←/→ (h/l) within text widest cells wide shown width cells
// at a time; it reports whether the key was one.
func (s *hscroller) hmove(msg tea.KeyMsg, k *KeyMap, widest, width int) bool {
	switch {
	case key.Matches(msg, k.ScrollLeft):
		s.hscroll(-hscrollStep, widest, width)
	case key.Matches(msg, k.ScrollRight):
		s.hscroll(hscrollStep, widest, width)
	default:
		return false
	}
	return true
}

// hscroll moves by delta cells, keeping the offset within the text.
func (s *hscroller) hscroll(delta, widest, width int) {
	s.left = min(max(s.left+delta, 0), max(widest-width, 0))
}

// shift drops the first left cells of line, keeping its styles; a wide
// rune cut in half is drawn as a space, so what follows stays in its column.
func (s hscroller) shift(line string) string {
	return shiftCells(line, s.left)
}

// shiftCells drops the first n display cells of line (escape sequences are
// kept whole, never split).
func shiftCells(line string, n int) string {
	if n <= 0 {
		return line
	}
	want := ansi.StringWidth(line) - n
	if want <= 0 {
		return ""
	}
	out := ansi.TruncateLeft(line, n, "")
	if over := ansi.StringWidth(out) - want; over > 0 { // a wide rune straddles the edge
		out = ansi.TruncateLeft(out, over+1, "")
		out = strings.Repeat(" ", max(want-ansi.StringWidth(out), 0)) + out
	}
	return out
}

// marker is how far the text is scrolled, for a header or status line
// ("◂ +40"); "" when it is not.
func (s hscroller) marker() string {
	if s.left <= 0 {
		return ""
	}
	return "◂ +" + strconv.Itoa(s.left)
}
