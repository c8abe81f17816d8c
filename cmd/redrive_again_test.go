package cmd

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A Kafka redrive run again from another state directory (another
// machine) leaves the dead letters redriven before out and says so;
// --again redrives them again.
func TestRedriveRunAgainLeavesOutWhatWasRedriven(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	code, out, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--yes", "--breaker", "0")
	m := regexp.MustCompile(`: (\d+) redriven`).FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] == "0" {
		t.Fatalf("first run: %s %s", out, errOut)
	}
	n, _ := strconv.Atoi(m[1])

	t.Setenv("XDG_STATE_HOME", t.TempDir()) // a colleague, with a state of their own
	code, out, errOut = run(t, "--kafka", addr, "redrive", "orders.DLT", "--yes", "--breaker", "0")
	for _, want := range []string{
		"looked for earlier copies in orders from ",
		strconv.Itoa(n) + " already redriven (left out; --again to redrive them again)",
		"nothing to redrive: " + strconv.Itoa(n) + " already redriven (--again to redrive them again)",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("second run does not say %q: %s %s", want, out, errOut)
		}
	}
	if strings.Contains(out, "redriven, ") {
		t.Fatalf("second run wrote:\n%s", out)
	}
	code, out, errOut = run(t, "--kafka", addr, "redrive", "orders.DLT", "--yes", "--breaker", "0", "--again")
	if code != 0 || !strings.Contains(out, strconv.Itoa(n)+" already redriven, redriven again (--again)") || !strings.Contains(out, ": "+strconv.Itoa(n)+" redriven") {
		t.Fatalf("--again: %s %s", out, errOut)
	}
}
