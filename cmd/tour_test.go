package cmd

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiffSaysWhyAPositionHasNoMessage(t *testing.T) {
	addr := demoBroker(t, -1)
	for _, tc := range []struct{ pos, want string }{
		{"0/999999", "past the end of partition 0 (last offset "},
		{"9/9", "orders has no partition 9 (partitions 0–2)"},
	} {
		code, _, errOut := run(t, "--kafka", addr, "diff", "orders", tc.pos)
		t.Logf("diff orders %s: %s", tc.pos, errOut)
		if code != 1 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "no longer on the broker") {
			t.Fatalf("diff orders %s: exit %d, stderr %q (want %q)", tc.pos, code, errOut, tc.want)
		}
	}
}

func TestRedriveProgressStartsFromThePlan(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--yes", "--breaker", "0", "--filter", `deadLetter.exception endsWith "OrderValidationException"`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var kept, read int
	if _, err := fmt.Sscanf(out[strings.Index(out, ": ")+2:], "%d of %d messages", &kept, &read); err != nil || kept == 0 {
		t.Fatalf("no filter line (%v):\n%s", err, out)
	}
	first, _, _ := strings.Cut(strings.SplitN(errOut, "\n", 2)[1], "\r")
	if want := fmt.Sprintf("0/%d  — msg/s  ETA —", kept); !strings.HasPrefix(first, want) {
		t.Fatalf("the first progress line is %q:\n%s", first, errOut)
	}
}
