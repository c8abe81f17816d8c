package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// helpFrame is what the help overlay's box takes around its keys: border
// and padding across, border, title and a blank line down.
const (
	helpFrameW = 4
	helpFrameH = 4
)

// helpEntry is one row of the help: a key and what it does, or (both
// empty) the gap between two groups.
type helpEntry struct{ key, desc string }

// helpEntries lists the enabled bindings of the groups, a gap between groups.
func helpEntries(groups [][]key.Binding) []helpEntry {
	var out []helpEntry
	for _, g := range groups {
		var rows []helpEntry
		for _, b := range g {
			if b.Enabled() {
				rows = append(rows, helpEntry{b.Help().Key, b.Help().Desc})
			}
		}
		if len(rows) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, helpEntry{})
		}
		out = append(out, rows...)
	}
	return out
}

// helpLines lays the keys out in w x h: a column per group when they fit,
// else as many columns as fit w, each at most h rows; when even one
// column does not fit h, there are more rows than h (the overlay scrolls).
func (m *Model) helpLines(w, h int) []string {
	var groups [][]helpEntry // one column per group, when they fit
	rows := 0
	for _, g := range m.helpGroups() {
		if c := helpEntries([][]key.Binding{g}); len(c) > 0 {
			groups, rows = append(groups, c), max(rows, len(c))
		}
	}
	if rows <= h && columnsWidth(groups) <= w {
		return m.renderHelpColumns(groups, rows)
	}
	entries := helpEntries(m.helpGroups())
	for rows := max(h, 1); ; rows++ {
		cols := helpColumns(entries, rows)
		if len(cols) == 1 || columnsWidth(cols) <= w {
			return m.renderHelpColumns(cols, rows)
		}
	}
}

// helpColumns cuts the entries into columns of at most rows rows; a
// column does not start with a gap.
func helpColumns(entries []helpEntry, rows int) [][]helpEntry {
	var cols [][]helpEntry
	var col []helpEntry
	for _, e := range entries {
		if len(col) == 0 && e.key == "" {
			continue
		}
		col = append(col, e)
		if len(col) == rows {
			cols, col = append(cols, col), nil
		}
	}
	if len(col) > 0 {
		cols = append(cols, col)
	}
	return cols
}

const helpColumnGap = 3

// columnsWidth is the width the columns take side by side.
func columnsWidth(cols [][]helpEntry) int {
	w := 0
	for i, c := range cols {
		kw, dw := entryWidths(c)
		w += kw + 1 + dw
		if i > 0 {
			w += helpColumnGap
		}
	}
	return w
}

func entryWidths(col []helpEntry) (kw, dw int) {
	for _, e := range col {
		kw, dw = max(kw, ansi.StringWidth(e.key)), max(dw, ansi.StringWidth(e.desc))
	}
	return kw, dw
}

func (m *Model) renderHelpColumns(cols [][]helpEntry, rows int) []string {
	s := m.c.Styles
	blocks := make([]string, 0, 2*len(cols))
	for i, c := range cols {
		kw, dw := entryWidths(c)
		lines := make([]string, rows)
		for r := range lines {
			lines[r] = strings.Repeat(" ", kw+1+dw)
			if r < len(c) && c[r].key != "" {
				lines[r] = s.HelpKey.Render(c[r].key+strings.Repeat(" ", kw-ansi.StringWidth(c[r].key))) + " " +
					s.HelpDesc.Render(c[r].desc+strings.Repeat(" ", dw-ansi.StringWidth(c[r].desc)))
			}
		}
		if i > 0 {
			blocks = append(blocks, strings.Repeat(" ", helpColumnGap))
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	out := strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, blocks...), "\n")
	for len(out) > 0 && strings.TrimSpace(ansi.Strip(out[len(out)-1])) == "" {
		out = out[:len(out)-1]
	}
	return out
}

// helpGroups are the top page's bindings and the global ones.
func (m *Model) helpGroups() [][]key.Binding {
	return append(m.top().FullHelp(), []key.Binding{m.c.Keys.Help, m.c.Keys.Back, m.c.Keys.Quit})
}

// helpRoom is the room for the keys inside the overlay on the screen.
func (m *Model) helpRoom() (w, h int) {
	return max(m.c.Width-helpFrameW, 10), max(m.c.Height-3-helpFrameH, 1)
}

// scrollHelp moves the help by delta rows, within what it has to show.
func (m *Model) scrollHelp(delta int) {
	w, h := m.helpRoom()
	n := len(m.helpLines(w, h))
	m.helpTop = max(min(m.helpTop+delta, n-h), 0)
}

func (m *Model) helpView(w, h int) string {
	s := m.c.Styles
	rw, rh := m.helpRoom()
	lines := m.helpLines(rw, rh)
	title := s.Title.Render("Keys")
	if len(lines) > rh {
		top := min(m.helpTop, len(lines)-rh)
		title += s.Muted.Render(fmt.Sprintf("  ↑↓ scroll: %d–%d of %d", top+1, top+rh, len(lines)))
		lines = lines[top : top+rh]
	}
	box := s.Overlay.Render(title + "\n\n" + strings.Join(lines, "\n"))
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}
