package cmd

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
)

// hintFor is the resume command redrive prints for args (the words after
// mqscope), as the command line parses them.
func hintFor(t *testing.T, args ...string) string {
	t.Helper()
	e := &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	root := newRoot(e)
	c, rest, err := root.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ParseFlags(rest); err != nil {
		t.Fatal(err)
	}
	return resumeCommand(c, c.Flags().Arg(0), e.adHocFlags)
}

// shellWords splits a command line as a POSIX shell does.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", `for a in `+line+`; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// TestResumeHintCarriesThePlansOptions: the command an interrupted
// redrive says resumes it carries the connection and every option that
// shapes the plan (--to, --park-to, --filter, --drop-header...), each a
// word of its own in a shell whatever it holds, and not --yes; run, it
// redrives the dead letters left to the --to stream, not to an origin.
func TestResumeHintCarriesThePlansOptions(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq, to, url := prefix+"orders.dlq", prefix+"retry", testbroker.RedisURL()
	for i := 0; i < 3; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "same", "x-trace", "t"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	hint := hintFor(t, "--redis", url, "redrive", dlq, "--to", to, "--park-to", prefix+"parked", "--drop-header", "x-*", "--drop-header", "it's $HOME", "--filter", `value == "same"`, "--yes", "--id", "rd-h")
	words := shellWords(t, hint+" --id rd-h")
	want := []string{"mqscope", "--redis=" + url, "redrive", dlq, "--drop-header=x-*", "--drop-header=it's $HOME", `--filter=value == "same"`, "--park-to=" + prefix + "parked", "--to=" + to, "--id", "rd-h"}
	if strings.Join(words, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hint %s\nreads as %q\nwant %q", hint, words, want)
	}
	if got := hintFor(t, "--redis", "redis://u:secret@127.0.0.1:1", "redrive", dlq, "--to", to); strings.Contains(got, "secret") {
		t.Fatalf("the hint shows the password: %s", got)
	}

	words = shellWords(t, hintFor(t, "--redis", url, "redrive", dlq, "--to", to, "--drop-header", "x-*", "--id", "rd-h"))
	code, out, errOut := run(t, append(words[1:], "--id", "rd-h", "--yes")...)
	if code != 0 || !strings.Contains(out, "3 redriven") {
		t.Fatalf("the resume: exit %d: %s\n%s", code, errOut, out)
	}
	copies, err := raw.XRange(ctx, to, "-", "+").Result()
	if err != nil || len(copies) != 3 || raw.XLen(ctx, dlq).Val() != 0 {
		t.Fatalf("%d copies in %s (%v), %d left in %s", len(copies), to, err, raw.XLen(ctx, dlq).Val(), dlq)
	}
	if _, kept := copies[0].Values["x-trace"]; kept || copies[0].Values[replay.HeaderID] != "rd-h" {
		t.Fatalf("copy %v: want x-trace dropped, redrive id rd-h", copies[0].Values)
	}
}

// TestRedriveExitSaysTheResumeCommand: a cancelled run's error names
// the whole resume command and the id, quoted for a shell.
func TestRedriveExitSaysTheResumeCommand(t *testing.T) {
	plan, err := replay.NewPlan("dlq", nil, replay.Options{ID: "rd-q"})
	if err != nil {
		t.Fatal(err)
	}
	res := replay.Result{Stop: replay.Stop{Reason: replay.Cancelled}}
	got := redriveExit(plan, res, nil, "mqscope --redis=redis://h redrive dlq --to='a b'").Error()
	if want := "interrupted: resume with mqscope --redis=redis://h redrive dlq --to='a b' --id rd-q"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if got := redriveExit(plan, res, nil, "").Error(); got != "interrupted: resume with mqscope redrive dlq --id rd-q" {
		t.Fatalf("without a command line: %q", got)
	}
}

// TestResumedIDRemembersItsTarget: an id whose run stopped after it was
// planned with --to resumes to that stream when --to is left out (the
// journal says it), and a resume with another --to is refused before
// anything is written; once the run ended complete the id plans anew.
func TestResumedIDRemembersItsTarget(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq, to, other, url := prefix+"orders.dlq", prefix+"retry", prefix+"other", testbroker.RedisURL()
	for i := 0; i < 2; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "same"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	j, err := replay.OpenJournal(filepath.Join(state, "mqscope", "redrive"), "rd-t")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Plan(dlq, to); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--redis", url, "redrive", dlq, "--to", other, "--id", "rd-t", "--yes")
	if code == 0 || !strings.Contains(errOut, "--to "+to) || !strings.Contains(errOut, "nothing was written") || raw.Exists(ctx, other).Val() != 0 || raw.XLen(ctx, dlq).Val() != 2 {
		t.Fatalf("another --to: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = run(t, "--redis", url, "redrive", dlq, "--id", "rd-t", "--yes")
	if code != 0 || !strings.Contains(errOut, "resumes with --to "+to) || raw.XLen(ctx, to).Val() != 2 || raw.XLen(ctx, dlq).Val() != 0 {
		t.Fatalf("the resume: exit %d: %s\n%s", code, errOut, out)
	}
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "later"}}).Err(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "--redis", url, "redrive", dlq, "--to", other, "--id", "rd-t", "--yes")
	if code != 0 || raw.XLen(ctx, other).Val() != 1 {
		t.Fatalf("the id again after its run ended: exit %d: %s\n%s", code, errOut, out)
	}
}

// TestRedriveExitHeldElsewhereSaysNoResume: a run refused because another
// run of its id is still running says to let that one finish, not to
// resume (which would be refused the same way).
func TestRedriveExitHeldElsewhereSaysNoResume(t *testing.T) {
	plan, err := replay.NewPlan("dlq", nil, replay.Options{ID: "rd-c"})
	if err != nil {
		t.Fatal(err)
	}
	held := &replay.RunningElsewhereError{ID: "rd-c", Source: "dlq"}
	got := redriveExit(plan, replay.Result{Stop: replay.Stop{Reason: replay.Failed, Detail: held.Error()}}, held, "").Error()
	if strings.Contains(got, "resume with") || !strings.Contains(got, "let it finish") {
		t.Fatalf("%q", got)
	}
}
