package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

const (
	// doubleClick is how soon a second click on the same row opens it.
	doubleClick = 400 * time.Millisecond
	// wheelRows is how many rows one notch of the wheel moves.
	wheelRows = 3
)

// The list pages draw a line of information, the column header, then
// the rows: the lines of their body (the root hands pages mouse events
// with Y counted from the body's first line).
const (
	headerLine   = 1
	firstRowLine = 2
)

// clickTracker remembers the last click on a table to tell a double
// click, by the clock of the session (tests fix it).
type clickTracker struct {
	row   int
	at    time.Time
	armed bool
}

// click takes a click on row at now and reports whether it completes a
// double click.
func (c *clickTracker) click(row int, now time.Time) bool {
	double := c.armed && c.row == row && now.Sub(c.at) >= 0 && now.Sub(c.at) <= doubleClick
	c.row, c.at, c.armed = row, now, !double
	return double
}

// mouseResult is what a mouse event on a table asks of its page besides
// moving the cursor.
type mouseResult int

const (
	mouseNothing mouseResult = iota
	mouseMoved               // the wheel or a click moved the cursor
	mouseOpen                // a double click on a row: open it
	mouseSorted              // a click on a column's title changed the sort
)

// tableMouse is a table's cursor, sort and click memory as a mouse
// event sees them.
type tableMouse struct {
	cur    *cursor
	sort   *tableSort // nil: the table is not sorted by the mouse
	clicks *clickTracker
	cols   []column // as laid out for the width (for the header's columns)
	n      int      // rows
	height int      // rows shown at a time
	now    time.Time
}

// handle applies msg (Y in body lines) to the table: the wheel moves the
// cursor by wheelRows, a click selects the row under it, a second click
// on it within doubleClick opens it, a click on a title sorts by it.
func (t tableMouse) handle(msg tea.MouseMsg) mouseResult {
	switch msg.Button {
	case tea.MouseButtonWheelUp, tea.MouseButtonWheelDown:
		if msg.Action != tea.MouseActionPress {
			return mouseNothing
		}
		delta := wheelRows
		if msg.Button == tea.MouseButtonWheelUp {
			delta = -delta
		}
		t.cur.sel += delta
		t.cur.clamp(t.n, t.height)
		return mouseMoved
	case tea.MouseButtonLeft:
		if msg.Action != tea.MouseActionPress {
			return mouseNothing
		}
	default:
		return mouseNothing
	}
	if msg.Y == headerLine {
		if t.sort == nil {
			return mouseNothing
		}
		if i := columnAt(t.cols, msg.X); i >= 0 && t.sort.toggle(t.cols[i]) {
			return mouseSorted
		}
		return mouseNothing
	}
	from, to := t.cur.window(t.n, t.height)
	r := from + msg.Y - firstRowLine
	if msg.Y < firstRowLine || r >= to {
		return mouseNothing
	}
	t.cur.sel = r
	t.cur.clamp(t.n, t.height)
	if t.clicks.click(r, t.now) {
		return mouseOpen
	}
	return mouseMoved
}
