package cmd

import (
	"strings"
	"testing"
)

// TestRedriveOfManyAsksForTheCount: a redrive of a whole DLT is not
// started by y, an empty answer or a wrong name, only by the count or the
// DLT's name typed out.
func TestRedriveOfManyAsksForTheCount(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, answer := range []string{"", "\n", "y\n", "orders\n"} {
		code, out, errOut := runAnswering(t, answer, "--kafka", addr, "redrive", "orders.DLT")
		if code == 0 || !strings.Contains(errOut, "(or orders.DLT) to redrive, anything else is no") || strings.Contains(out, "redriven,") {
			t.Fatalf("answer %q: %d %s %s", answer, code, out, errOut)
		}
	}
	code, out, errOut := runAnswering(t, "orders.DLT\n", "--kafka", addr, "redrive", "orders.DLT")
	if code != 0 || !strings.Contains(out, "redriven, 0 parked") || strings.Contains(out, " 0 redriven") {
		t.Fatalf("the name typed: %d %s %s", code, out, errOut)
	}
}
