package cmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pipeStderr runs the command line with stderr a pipe (not a terminal)
// and returns its exit code and what came through the pipe.
func pipeStderr(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	var out bytes.Buffer
	code := Execute(append([]string{"--log-file", filepath.Join(t.TempDir(), "log")}, args...), strings.NewReader(""), &out, w)
	w.Close()
	return code, string(<-got)
}

// TestProgressOffATerminalIsPlainLines: progress written to a pipe has no
// carriage returns: a line at most every progressEvery, the last one shown
// written when the work ends.
func TestProgressOffATerminalIsPlainLines(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	clock := time.Unix(1000, 0)
	p := newProgress(w)
	p.now = func() time.Time { return clock }
	p.show("1 written")
	p.show("2 written")
	clock = clock.Add(progressEvery)
	p.show("3 written")
	p.show("4 written")
	clock = clock.Add(time.Second)
	p.show("5 written")
	p.end()
	p.end()
	w.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "1 written\n3 written\n5 written\n"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

// TestReplayProgressToAPipe: replay FILE's progress, stderr a pipe, is
// newline-terminated lines without a carriage return.
func TestReplayProgressToAPipe(t *testing.T) {
	addr, file := typedWritesCluster(t)
	code, errOut := pipeStderr(t, "--kafka", addr, "replay", file, "--to", "copies", "--yes")
	if code != 0 || strings.Contains(errOut, "\r") || !strings.Contains(errOut, "3 written") || !strings.HasSuffix(errOut, "\n") {
		t.Fatalf("%d %q", code, errOut)
	}
}

// TestRedriveProgressToAPipe: a redrive's progress, stderr a pipe, is
// newline-terminated lines without a carriage return.
func TestRedriveProgressToAPipe(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	code, errOut := pipeStderr(t, "--kafka", addr, "redrive", "orders.DLT", "--yes", "--breaker", "0")
	if code != 0 || strings.Contains(errOut, "\r") || !strings.Contains(errOut, "started (resume with --id") || !strings.HasSuffix(errOut, "\n") {
		t.Fatalf("%d %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	var done, total int
	if _, err := fmt.Sscanf(lines[len(lines)-1], "%d/%d ", &done, &total); err != nil || done != total || total == 0 {
		t.Fatalf("last line %q: want the progress at its end (N/N)", lines[len(lines)-1])
	}
}
