package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
)

// Lost dead letters are told apart from those without a target: choosing
// a target helps only the latter, and a long reason is cut to the dialog,
// not wrapped past its border.
func TestRedriveDialogTellsLostApart(t *testing.T) {
	c := testCommon(120, 30)
	msgs := goldenDLT()[:3]
	msgs[0].Flaw = &sources.Flaw{Lost: true, Reason: "the original message orders#7 is gone " + strings.Repeat("(removed by the stream's limits, or deleted) ", 4)}
	d := newRedriveDialog(c, staticConn{}, 7, "orders.DLT", msgs, false)
	d.state, d.opts.To = redrivePlanned, "orders.retry"
	d.replan()
	v := ansi.Strip(d.view(120, 30))
	if !strings.Contains(v, "1 lost: only a trace is left, nothing to redrive") || strings.Contains(v, "without a target") {
		t.Fatalf("the dialog:\n%s", v)
	}
	for _, line := range strings.Split(v, "\n") {
		if strings.Contains(line, "is gone") && !strings.Contains(line, "…") {
			t.Fatalf("the long reason is not cut: %q", line)
		}
	}
	if !strings.Contains(v, "2 → orders.retry") {
		t.Fatalf("the others' target:\n%s", v)
	}
}

// When every dead letter is lost the dialog offers no target to choose.
func TestRedriveDialogAllLostOffersNoTarget(t *testing.T) {
	c := testCommon(120, 30)
	msgs := goldenDLT()[:2]
	for i := range msgs {
		msgs[i].Flaw = &sources.Flaw{Lost: true, Reason: "only its id is left"}
	}
	d := newRedriveDialog(c, staticConn{}, 7, "orders.DLT", msgs, false)
	d.state, d.checked = redrivePlanned, true
	d.replan()
	v := ansi.Strip(d.view(120, 30))
	if strings.Contains(v, "t: choose a target") || !strings.Contains(v, "esc: cancel") {
		t.Fatalf("the dialog:\n%s", v)
	}
}
