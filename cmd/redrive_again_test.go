package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/config"
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

// An edit of a dead letter an earlier redrive copied is refused, with
// where the copy is; --again publishes it anyway.
func TestEditOfARedrivenDeadLetterNeedsAgain(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	script := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"type\": \"OrderCreated\"/\"type\": \"OrderCreatedFixed\"/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	code, pos, errOut := run(t, "--kafka", addr, "export", "orders.DLT", "--filter", `value contains "OrderCreated"`, "--limit", "1", "--format", "template", "--template", "{{.Partition}}/{{.Offset}}")
	if code != 0 {
		t.Fatal(errOut)
	}
	pos = strings.TrimSpace(pos)
	if code, out, errOut := run(t, "--kafka", addr, "edit", "orders.DLT", pos, "--yes"); code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("first edit: %s %s", out, errOut)
	}
	code, _, errOut = run(t, "--kafka", addr, "edit", "orders.DLT", pos, "--yes")
	if code == 0 || !strings.Contains(errOut, "not redriven: orders.DLT@"+pos+" was redriven to orders[") || !strings.Contains(errOut, "--again") {
		t.Fatalf("second edit: %s", errOut)
	}
	if code, out, errOut := run(t, "--kafka", addr, "edit", "orders.DLT", pos, "--yes", "--again"); code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("--again: %s %s", out, errOut)
	}
}

// TestBreakerMinusOneIsOff: --breaker -1 turns the breaker off as 0 does
// (the config file's ui.breaker takes -1 too), other negatives are refused,
// and the TUI gets no breaker from breaker: 0 or -1 in the file.
func TestBreakerMinusOneIsOff(t *testing.T) {
	addr := demoBroker(t, -1)
	if code, out, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--limit", "2", "--yes", "--breaker", "-1"); code != 0 || !strings.Contains(out, "2 redriven") {
		t.Fatalf("--breaker -1: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, b := range []string{"-2", "-0.5", "101"} {
		if code, _, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--dry-run", "--breaker", b); code == 0 || !strings.Contains(errOut, "--breaker is a percentage up to 100 (0 or -1: off)") {
			t.Errorf("--breaker %s: exit %d %s", b, code, errOut)
		}
	}
	for _, tc := range []struct {
		yaml string
		off  bool
	}{{"ui:\n  breaker: -1\n", true}, {"ui:\n  breaker: 0\n", true}, {"ui:\n  theme: dark\n", false}} {
		c, err := config.Parse([]byte(tc.yaml), "c.yaml", drivers())
		if err != nil {
			t.Fatal(err)
		}
		if share := breakerShare(c.UI); (share < 0) != tc.off || !tc.off && share != 0.1 {
			t.Errorf("%q: the TUI's breaker share %g", tc.yaml, share)
		}
	}
}
