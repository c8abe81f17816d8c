package ui

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
)

// TestRedriveDialogSaysCopiesFoundInTarget: a run that found copies an
// earlier attempt wrote in the target (past its duplicate window) says
// how many, among those not sent again.
func TestRedriveDialogSaysCopiesFoundInTarget(t *testing.T) {
	c := testCommon(120, 40)
	d := newRedriveDialog(c, staticConn{}, 1, "work.dlq", orderMsgs(0, 3), true)
	d.replan()
	d.finished(replay.Result{Progress: replay.Progress{Done: 1, Duplicates: 2}, FoundWritten: 2}, nil)
	v := d.view(120, 40)
	if !strings.Contains(v, "2 were redriven by an earlier run") || !strings.Contains(v, "2 of them found written in the target past its duplicate window") {
		t.Fatalf("dialog:\n%s", v)
	}
}
