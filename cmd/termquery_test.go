package cmd

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// terminalQueries are what a program writes to ask the terminal about
// itself: the background colour (OSC 11) and the cursor position.
var terminalQueries = []string{"\x1b]11;", "\x1b[6n"}

func noTerminalQuery(t *testing.T, what, out string) {
	t.Helper()
	for _, q := range terminalQueries {
		if strings.Contains(out, q) {
			t.Errorf("%s wrote a terminal query %q: %.120q", what, q, out)
		}
	}
}

// onTerminal runs mqscope in a child process whose controlling terminal,
// stdin, stdout and stderr are a pseudo-terminal, as in a shell, and
// returns everything it wrote there.
func onTerminal(t *testing.T, env []string, args ...string) string {
	t.Helper()
	master, tty := openPTY(t)
	child := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CI=") && !strings.HasPrefix(kv, "TERM=") && !strings.HasPrefix(kv, "COLORFGBG=") {
			child.Env = append(child.Env, kv)
		}
	}
	child.Env = append(child.Env, append([]string{"MQSCOPE_AS_CLI=1", "TERM=xterm-256color"}, env...)...)
	child.Stdin, child.Stdout, child.Stderr = tty, tty, tty
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds it: reading the master ends when it exits
	got := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, master)
		got <- b.String()
	}()
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%q: %v", args, err)
		}
	case <-time.After(30 * time.Second):
		_ = child.Process.Kill()
		t.Fatalf("%q did not end", args)
	}
	select {
	case out := <-got:
		return out
	case <-time.After(10 * time.Second):
		t.Fatalf("%q: the terminal did not close", args)
	}
	return ""
}

// TestHeadlessCommandsDoNotQueryTheTerminal: on a terminal, a headless
// command writes its output and nothing else: no background-colour query,
// no cursor-position request (Bubble Tea's init asked both in every
// process).
func TestHeadlessCommandsDoNotQueryTheTerminal(t *testing.T) {
	addr := demoBroker(t, -1)
	dir := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	file := filepath.Join(dir, "orders.jsonl")
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("connections:\n  local: {kind: kafka, brokers: ["+addr+"]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--kafka", addr, "export", "orders", "-o", file},
		{"--kafka", addr, "export", "orders.DLT", "--limit", "1"},
		{"--config", cfg, "config", "check"},
		{"--help"},
	} {
		args = append([]string{"--log-file", filepath.Join(dir, "log")}, args...)
		out := onTerminal(t, env, args...)
		noTerminalQuery(t, strings.Join(args[2:], " "), out)
	}
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		t.Fatalf("export -o wrote nothing: %v", err)
	}

	// In process, onto a terminal and into buffers.
	master, tty := openPTY(t)
	var errOut bytes.Buffer
	if code := Execute([]string{"--log-file", filepath.Join(dir, "log"), "--kafka", addr, "export", "orders", "-o", file}, strings.NewReader(""), tty, &errOut); code != 0 {
		t.Fatalf("export: exit %d: %q", code, errOut.String())
	}
	tty.Close()
	var onTTY bytes.Buffer
	_ = master.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(&onTTY, master)
	noTerminalQuery(t, "export onto a terminal", onTTY.String())
	code, out, errText := run(t, "--kafka", addr, "export", "orders", "-o", file)
	if code != 0 {
		t.Fatalf("export: %q", errText)
	}
	noTerminalQuery(t, "export into buffers", out+errText)
}
