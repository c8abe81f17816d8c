package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// column is one column of a table: a fixed width, or flex (takes what is left).
type column struct {
	title string
	width int
	right bool
	flex  bool
	// numeric says the column holds numbers (it sorts biggest first);
	// unsorted that it cannot be sorted by (a sparkline, a badge).
	numeric, unsorted bool
}

// layout gives flex columns the room the fixed ones leave in total width.
func layout(cols []column, total int) []column {
	out := append([]column(nil), cols...)
	fixed, flex := 0, 0
	for _, c := range out {
		fixed += c.width + 1
		if c.flex {
			flex++
		}
	}
	if flex > 0 {
		extra := max(total-fixed, 0) / flex
		for i := range out {
			if out[i].flex {
				out[i].width += extra
			}
		}
	}
	return out
}

// row renders cells padded or cut to the column widths, one space apart.
func row(cols []column, cells ...string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(cell(cells[i], c.width, c.right))
	}
	return b.String()
}

// cell pads or cuts s to exactly w cells.
func cell(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	pad := strings.Repeat(" ", w-sw)
	if right {
		return pad + s
	}
	return s + pad
}

func titles(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.title
	}
	return out
}

// columnAt is the index of the column under cell x of a row laid out in
// cols (the space before a column counts as its own); -1 past the last.
func columnAt(cols []column, x int) int {
	at := 0
	for i, c := range cols {
		at += c.width
		if i > 0 {
			at++
		}
		if x < at {
			return i
		}
	}
	return -1
}
