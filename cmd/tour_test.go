package cmd

import (
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
