package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
)

// rootWith is a root model whose stack holds the streams page and p.
func rootWith(c *Common, p page) *Model {
	m := newModel(c, []sources.Conn{staticConn{}})
	m.stack = append(m.stack, p)
	return m
}

// typeFilter types a filter expression into the message list and applies it.
func typeFilter(m *Model, src string) {
	m.Update(keyPress("f"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(src), Paste: true})
	m.Update(keyPress("enter"))
}

// screenLines is the root's view as lines, after checking it has exactly
// the terminal's height and no line wider than it.
func screenLines(t *testing.T, m *Model) []string {
	t.Helper()
	lines := strings.Split(m.View(), "\n")
	if len(lines) != m.c.Height {
		t.Fatalf("the screen has %d rows, the terminal %d:\n%s", len(lines), m.c.Height, m.View())
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > m.c.Width {
			t.Fatalf("row %d is %d cells wide (terminal %d): %q", i, w, m.c.Width, l)
		}
	}
	return lines
}

func TestFilterFailuresSayItInOneStatusRow(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		value []byte
	}{
		{`json.status == "FAILED"`, []byte{0x00, 0x01, 0xa7, 0xff}}, // binary values: json is nil
		{`json.nope.deeper > 3`, []byte(`{"status":"OK"}`)},
	} {
		for _, w := range []int{40, 80, 140} {
			c := testCommon(w, 12)
			p := newTestMessages(c)
			m := rootWith(c, p)
			ms := orderMsgs(0, 5)
			for i := range ms {
				ms[i].Value = tc.value
			}
			deliver(p, ms)
			typeFilter(m, tc.expr)
			lines := screenLines(t, m)
			if !strings.HasPrefix(lines[0], "mqscope") {
				t.Fatalf("%s at %d: the title scrolled off: %q", tc.expr, w, lines[0])
			}
			if body := strings.Join(lines[1:len(lines)-2], "\n"); !strings.Contains(body, "0 matches") || strings.Contains(body, "waiting for new ones") {
				t.Fatalf("%s at %d: the list says\n%s", tc.expr, w, body)
			}
			if w == 140 {
				status := lines[len(lines)-2]
				if !strings.Contains(status, "5 messages could not be evaluated: filter on orders@0: cannot fetch") {
					t.Fatalf("%s: status %q", tc.expr, status)
				}
			}
		}
	}
}
