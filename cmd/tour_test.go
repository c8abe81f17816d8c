package cmd

import (
	"fmt"
	"os"
	"path/filepath"
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
	_, afterStart, _ := strings.Cut(errOut, " started (resume with --id ")
	first, _, _ := strings.Cut(strings.SplitN(afterStart, "\n", 2)[1], "\r")
	if want := fmt.Sprintf("0/%d  — msg/s  ETA —", kept); !strings.HasPrefix(first, want) {
		t.Fatalf("the first progress line is %q:\n%s", first, errOut)
	}
}

func TestUntilEndsAReadAndToIsItsOldName(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "export", "orders", "--partition", "0", "--until", "offset:4")
	if code != 0 || strings.Count(out, "\n") != 5 || strings.Contains(errOut, "--to is now") {
		t.Fatalf("--until offset:4: exit %d, %d lines, %s", code, strings.Count(out, "\n"), errOut)
	}
	for _, command := range []string{"export", "tail", "triage"} {
		args := []string{"--kafka", addr, command, "orders", "--partition", "0", "--from", "oldest", "--to", "offset:4"}
		if command == "triage" {
			args[3] = "orders.DLT"
		}
		code, out, errOut := run(t, args...)
		if code != 0 || !strings.Contains(errOut, "--to is now --until") {
			t.Fatalf("%s --to: exit %d, stderr %q", command, code, errOut)
		}
		if command == "export" && strings.Count(out, "\n") != 5 {
			t.Fatalf("export --to offset:4 wrote %d lines", strings.Count(out, "\n"))
		}
		code, help, _ := run(t, command, "--help")
		if code != 0 || !strings.Contains(help, "--until") || strings.Contains(help, "--to ") {
			t.Fatalf("%s --help:\n%s", command, help)
		}
	}
	// redrive's --to is its target, and its end is --until too.
	code, help, _ := run(t, "redrive", "--help")
	if code != 0 || !strings.Contains(help, "--to string") || !strings.Contains(help, "--until string") || !strings.Contains(help, "instead of its origin") {
		t.Fatalf("redrive --help:\n%s", help)
	}
}

func TestConfigCheckRefusesNoFileAndBadSizes(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("MQSCOPE_CONFIG", "")
	code, out, errOut := run(t, "config", "check")
	if code != 1 || !strings.Contains(errOut, "no config file at "+filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "mqscope", "config.yaml")) {
		t.Fatalf("config check without a file: exit %d\n%s%s", code, out, errOut)
	}
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	if code, _, errOut := run(t, "--config", missing, "config", "check"); code != 1 || !strings.Contains(errOut, "no config file at "+missing) {
		t.Fatalf("config check --config missing: exit %d %s", code, errOut)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("connections:\n  local: {kind: kafka, brokers: [127.0.0.1:9092]}\nui: {buffer: lots}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "--config", cfg, "config", "check"); code != 1 || !strings.Contains(errOut, "ui.buffer") || !strings.Contains(errOut, `"lots"`) {
		t.Fatalf("ui.buffer lots: exit %d %s", code, errOut)
	}
}

func TestHeadlessRefusesBadBufferAndScanBudget(t *testing.T) {
	addr := demoBroker(t, -1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--buffer", "lots"}, `--buffer: size "lots"`},
		{[]string{"--scan-budget", "-1"}, "--scan-budget -1: want 1 or more"},
	} {
		args := append([]string{"--kafka", addr, "export", "orders", "--limit", "1"}, tc.args...)
		code, out, errOut := run(t, args...)
		if code != 1 || !strings.Contains(errOut, tc.want) || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out, errOut)
		}
	}
}

func TestReplayWithoutATerminalSaysReplay(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	file := filepath.Join(t.TempDir(), "o.jsonl")
	if code, _, errOut := run(t, "--kafka", addr, "export", "orders", "-o", file, "--limit", "2"); code != 0 {
		t.Fatal(errOut)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var out, errOut strings.Builder
	code := Execute([]string{"--log-file", filepath.Join(t.TempDir(), "log"), "--kafka", addr, "replay", file, "--to", "payments"}, devNull, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "pass --yes to replay without asking") {
		t.Fatalf("replay </dev/null: exit %d %s", code, errOut.String())
	}
}

// TestFilterThatCannotEvaluateSomeMessagesGoesOn: a filter that fails on
// some messages (tombstones have no json) takes them as no match, says how
// many on stderr, and the export goes on to the end with exit 0.
func TestFilterThatCannotEvaluateSomeMessagesGoesOn(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "export", "orders", "--filter", `int(json.total) > 100`)
	if code != 0 || !strings.Contains(errOut, "filter on orders (taken as no match): ") || !strings.Contains(errOut, "could not be evaluated: first at orders@") || strings.Contains(errOut, "\n |") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	_, all, _ := run(t, "--kafka", addr, "export", "orders")
	if got, want := strings.Count(out, "\n"), strings.Count(all, "\n"); got == 0 || got > want {
		t.Fatalf("%d of %d lines", got, want)
	}
}
