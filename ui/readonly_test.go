package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// statusOf runs a key's Cmd and returns the status line it sets ("" when
// it sets none).
func statusOf(cmd tea.Cmd) string {
	if cmd == nil {
		return ""
	}
	if st, ok := cmd().(statusSet); ok {
		return st.text
	}
	return ""
}

// TestReadOnlyOffersNoWrites: on a read-only connection the messages and
// triage pages do not offer redrive or edit (key line, help overlay, the
// dialog's own line), and the keys say why on the status line. The same
// pages on a writable connection offer them.
func TestReadOnlyOffersNoWrites(t *testing.T) {
	const why = "set read_only: false on it in /cfg.yaml to allow writes"
	for _, readOnly := range []bool{true, false} {
		c := testCommon(200, 30)
		if readOnly {
			c.ReadOnlyConns = map[string]string{"test": why}
		}
		conn := fixedConn{msgs: triageDLT()}
		m := newModel(c, []sources.Conn{conn})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
		mp := newMessagesPage(c, conn, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true, Partitions: make([]sources.PartitionInfo, 3)})
		m.Update(pagePushed{mp})
		mp.subID, mp.opened = 1, true
		m.Update(batchReceived{page: mp.pid, sub: mp.subID, msgs: triageDLT()})
		keyLine := m.View()[strings.LastIndex(m.View(), "\n"):]
		if strings.Contains(keyLine, "redrive") == readOnly {
			t.Fatalf("read-only %v: key line %q", readOnly, keyLine)
		}
		m.Update(keyPress("?"))
		if v := m.View(); strings.Contains(v, "redrive") == readOnly || strings.Contains(v, "edit & redrive") == readOnly {
			t.Fatalf("read-only %v: help:\n%s", readOnly, v)
		}
		m.Update(keyPress("x"))
		for _, k := range []string{"R", "E"} {
			_, cmd := m.Update(keyPress(k))
			st := statusOf(cmd)
			if readOnly && (st != "read-only connection: test ("+why+")" || redriveOf(mp) != nil) {
				t.Fatalf("%s on a read-only connection: status %q, dialog %v", k, st, redriveOf(mp) != nil)
			}
			if !readOnly && strings.Contains(st, "read-only") {
				t.Fatalf("%s on a writable connection: %q", k, st)
			}
		}
		if !readOnly && redriveOf(mp) == nil {
			t.Fatal("R on a writable connection opened no dialog")
		}
		// A dialog reached some other way offers no run, and y refuses.
		d := newRedriveDialog(c, conn, mp.pid, "orders.DLT", triageDLT(), false)
		d.replan()
		d.checked = true // the targets checked (fixedConn has none to check)
		if v := d.view(200, 40); strings.Contains(v, "y/enter: redrive") == readOnly {
			t.Fatalf("read-only %v: dialog:\n%s", readOnly, v)
		}
		if readOnly {
			cmd, closed := d.update(keyPress("y"))
			if st := statusOf(cmd); closed || d.state != redrivePlanned || !strings.HasPrefix(st, "read-only connection: test") {
				t.Fatalf("y in a read-only dialog: %q closed %v state %v", st, closed, d.state)
			}
			if v := d.view(200, 40); !strings.Contains(v, "read-only connection: test") {
				t.Fatalf("dialog:\n%s", v)
			}
		}
		// The triage page: R is neither offered nor done.
		tp := newTriagePage(c, conn, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true})
		tp.pid = 40
		pump(t, tp, tp.Init(), func() bool { return tp.done })
		if helpHas(tp.ShortHelp(), "redrive") == readOnly || helpHas(tp.FullHelp()[1], "redrive") == readOnly {
			t.Fatalf("read-only %v: triage help %v", readOnly, tp.ShortHelp())
		}
		cmd := tp.Update(keyPress("R"))
		if st := statusOf(cmd); readOnly && st != "read-only connection: test ("+why+")" {
			t.Fatalf("R on triage: %q", st)
		}
		tp.Close()
		mp.Close()
	}
	// --read-only names the flag.
	c := testCommon(200, 30)
	c.ReadOnly = true
	if st := statusOf(c.readOnlyKey(staticConn{})); st != "read-only connection: test (--read-only)" {
		t.Fatalf("--read-only: %q", st)
	}
}

func helpHas(bs []key.Binding, desc string) bool {
	for _, b := range bs {
		if b.Help().Desc == desc {
			return true
		}
	}
	return false
}
