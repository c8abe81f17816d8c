package cmd

import (
	"strings"
	"testing"
)

// TestCheckFindsTheSequenceByDefault: without --sequence a check looks
// for the sequence the messages carry, as H in the TUI does, and says
// what it found: the demo's payments give the same findings as with
// --sequence json.seq; --sequence none checks event time only.
func TestCheckFindsTheSequenceByDefault(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "check", "payments")
	if code != exitFindings || !strings.Contains(out, "sequence: json.seq (found in the messages)") || !strings.Contains(out, "6 findings (exit status 3)") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	code, out, _ = run(t, "--kafka", addr, "check", "payments", "--sequence", "none")
	if code != exitFindings || !strings.Contains(out, "sequence: none: event time") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
