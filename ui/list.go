package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// cursor is a selection in a list of n rows shown height rows at a time.
// It keeps the selected row visible; Update is where it moves, never View.
type cursor struct {
	sel, top int
}

// move handles the navigation keys; it reports whether the key was one.
func (c *cursor) move(msg tea.KeyMsg, k *KeyMap, n, height int) bool {
	page := max(height-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		c.sel--
	case key.Matches(msg, k.Down):
		c.sel++
	case key.Matches(msg, k.PageUp):
		c.sel -= page
	case key.Matches(msg, k.PageDown):
		c.sel += page
	case key.Matches(msg, k.Top):
		c.sel = 0
	case key.Matches(msg, k.Bottom):
		c.sel = n - 1
	default:
		return false
	}
	c.clamp(n, height)
	return true
}

// clamp keeps sel within [0, n) and visible in a window of height rows.
func (c *cursor) clamp(n, height int) {
	c.sel = min(max(c.sel, 0), max(n-1, 0))
	height = max(height, 1)
	if c.sel < c.top {
		c.top = c.sel
	}
	if c.sel >= c.top+height {
		c.top = c.sel - height + 1
	}
	c.top = min(max(c.top, 0), max(n-height, 0))
}

// window returns the first visible row and the end (exclusive) for n rows in
// height without changing the cursor.
func (c cursor) window(n, height int) (int, int) {
	cc := c
	cc.clamp(n, height)
	return cc.top, min(cc.top+max(height, 0), n)
}

// scroller is the first line shown of a text taller than its window.
type scroller struct{ top int }

// scroll moves by delta lines within n lines shown height at a time.
func (s *scroller) scroll(delta, n, height int) {
	s.top = min(max(s.top+delta, 0), max(n-height, 0))
}

// move handles the navigation keys (space pages down too); it reports
// whether the key was one.
func (s *scroller) move(msg tea.KeyMsg, k *KeyMap, n, height int) bool {
	page := max(height-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		s.scroll(-1, n, height)
	case key.Matches(msg, k.Down):
		s.scroll(1, n, height)
	case key.Matches(msg, k.PageUp):
		s.scroll(-page, n, height)
	case key.Matches(msg, k.PageDown), msg.String() == " ":
		s.scroll(page, n, height)
	case key.Matches(msg, k.Top):
		s.top = 0
	case key.Matches(msg, k.Bottom):
		s.scroll(n, n, height)
	default:
		return false
	}
	return true
}

// wheel scrolls by wheelRows lines for a notch of the mouse wheel; it
// reports whether msg was one.
func (s *scroller) wheel(msg tea.MouseMsg, n, height int) bool {
	if msg.Action != tea.MouseActionPress {
		return false
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		s.scroll(-wheelRows, n, height)
	case tea.MouseButtonWheelDown:
		s.scroll(wheelRows, n, height)
	default:
		return false
	}
	return true
}
