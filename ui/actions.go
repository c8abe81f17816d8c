package ui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// action is one thing a page does on a key. A page's actions are one
// table (actionTable): its Update dispatches keys through it and its help
// lists what it offers, so the help never shows a key the page would not
// act on.
type action struct {
	// bind is the key (or keys) and the help text.
	bind key.Binding
	// line is the action's place on the key line, 1 first; 0 lists it in
	// the full help only.
	line int
	// needs says whether the action can be done now: the connection has
	// the capability, the page is in a state that has it. nil: always.
	// An action not offered is neither listed nor dispatched.
	needs func() bool
	// writes marks an action that writes to a broker: on a read-only
	// connection it is not listed, and its key only says why.
	writes bool
	// unlisted keys are dispatched but not shown (a second key for a move,
	// a key that only says where its action is).
	unlisted bool
	// run does it; msg is the key pressed (a move or a digit needs it).
	run func(msg tea.KeyMsg) tea.Cmd
}

// do adapts an action that does not look at the key.
func do(f func() tea.Cmd) func(tea.KeyMsg) tea.Cmd {
	return func(tea.KeyMsg) tea.Cmd { return f() }
}

// actionTable is a page's actions in groups, the columns of the full help.
type actionTable struct {
	c *Common
	// conn is the connection the page writes to (nil: it writes nothing).
	conn sources.Conn
	// back ends the key line with esc (the root's key that leaves the page).
	back   bool
	groups [][]action
}

// newActions is a table of the groups for a page of conn.
func newActions(c *Common, conn sources.Conn, groups ...[]action) actionTable {
	return actionTable{c: c, conn: conn, back: true, groups: groups}
}

// readOnly says the table's connection refuses writes.
func (t actionTable) readOnly() bool {
	return t.conn != nil && t.c.writeRefused(t.conn) != nil
}

// offered says a is available now: listed in the help and dispatched.
func (t actionTable) offered(a action) bool {
	if a.writes && t.readOnly() {
		return false
	}
	return a.needs == nil || a.needs()
}

// lookup is the offered action msg presses (nil: none).
func (t actionTable) lookup(msg tea.KeyMsg) *action {
	for _, g := range t.groups {
		for i := range g {
			if key.Matches(msg, g[i].bind) && t.offered(g[i]) {
				return &g[i]
			}
		}
	}
	return nil
}

// writeKeyed is the write action msg presses that a read-only connection
// refuses (nil: none).
func (t actionTable) writeKeyed(msg tea.KeyMsg) *action {
	if !t.readOnly() {
		return nil
	}
	for _, g := range t.groups {
		for i := range g {
			if g[i].writes && key.Matches(msg, g[i].bind) {
				return &g[i]
			}
		}
	}
	return nil
}

// dispatch runs the action msg presses; handled is false when the table
// has none for it. A write key on a read-only connection does nothing but
// say why on the status line.
func (t actionTable) dispatch(msg tea.KeyMsg) (cmd tea.Cmd, handled bool) {
	if a := t.lookup(msg); a != nil {
		return a.run(msg), true
	}
	if t.writeKeyed(msg) != nil {
		return t.c.readOnlyKey(t.conn), true
	}
	return nil, false
}

// run is dispatch for a page's Update: the Cmd of the action pressed.
func (t actionTable) run(msg tea.KeyMsg) tea.Cmd {
	cmd, _ := t.dispatch(msg)
	return cmd
}

// keyLine is the help bar: the offered actions with a place on it, in
// their order, then esc back.
func (t actionTable) keyLine() []key.Binding {
	var on []action
	for _, g := range t.groups {
		for _, a := range g {
			if a.line > 0 && !a.unlisted && t.offered(a) {
				on = append(on, a)
			}
		}
	}
	slices.SortStableFunc(on, func(a, b action) int { return a.line - b.line })
	out := make([]key.Binding, 0, len(on)+1)
	for _, a := range on {
		out = append(out, a.bind)
	}
	if t.back {
		out = append(out, t.c.Keys.Back)
	}
	return out
}

// fullHelp is the help overlay: the offered actions, a column per group.
func (t actionTable) fullHelp() [][]key.Binding {
	out := make([][]key.Binding, 0, len(t.groups))
	for _, g := range t.groups {
		var col []key.Binding
		for _, a := range g {
			if !a.unlisted && t.offered(a) {
				col = append(col, a.bind)
			}
		}
		out = append(out, col)
	}
	return out
}

// moves are navigation actions: each of the bindings runs move with the
// key pressed (a cursor or a scroller knows which key does what).
func moves(move func(tea.KeyMsg) tea.Cmd, binds ...key.Binding) []action {
	out := make([]action, len(binds))
	for i, b := range binds {
		out[i] = action{bind: b, run: move}
	}
	return out
}

// spacePages is the space bar paging a text down, as in less (not listed:
// pgdn is).
func spacePages(move func(tea.KeyMsg) tea.Cmd) action {
	return action{bind: key.NewBinding(key.WithKeys(" ")), unlisted: true, run: move}
}

// withHelp is b described as desc on this page.
func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// topOf is the key to the first row of a page whose rows are not a
// stream's messages in order (the message list's says "oldest").
func topOf(k *KeyMap) key.Binding { return withHelp(k.Top, "top") }

// bottomOf is the key to the last row of such a page.
func bottomOf(k *KeyMap) key.Binding { return withHelp(k.Bottom, "bottom") }
