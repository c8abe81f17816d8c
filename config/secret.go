package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// commandTimeout bounds password_cmd and token_cmd.
const commandTimeout = 15 * time.Second

// Resolve reads the secret from where it says. Errors name the source,
// never the value.
func (s Secret) Resolve(ctx context.Context) (string, error) {
	switch {
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("password_env: the environment variable %s is not set", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(expandHome(s.File))
		if err != nil {
			return "", fmt.Errorf("password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case s.Command != "":
		return RunSecretCommand(ctx, "password_cmd", s.Command)
	}
	return s.Literal, nil
}

// RunSecretCommand runs a command through the shell and returns its
// output's first line (password_cmd, token_cmd). Its stderr is kept for
// the error; its stdout never appears in one. The command runs in its own
// process group, which is killed whole at the timeout (15s) or when ctx
// ends, so nothing it started is left behind or keeps the call waiting.
func RunSecretCommand(ctx context.Context, what, command string) (string, error) {
	return runSecretCommand(ctx, what, command, commandTimeout)
}

// errCommandTimeout is the cause of a secret command's own timeout.
var errCommandTimeout = errors.New("secret command timed out")

// pipeGrace is how long a finished (or killed) secret command's pipes may
// stay open, held by something it started, before they are closed.
const pipeGrace = 500 * time.Millisecond

func runSecretCommand(ctx context.Context, what, command string, timeout time.Duration) (string, error) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), 0) // the caller's (a connection's) time runs out first
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = pipeGrace
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if cmd.Process != nil {
		_ = killGroup(cmd.Process.Pid) // what it left running in the background
	}
	if errors.Is(err, exec.ErrWaitDelay) && ctx.Err() == nil {
		err = nil // it finished; only something it started held the pipes
	}
	if err != nil {
		switch {
		case errors.Is(context.Cause(ctx), errCommandTimeout), errors.Is(ctx.Err(), context.DeadlineExceeded):
			return "", fmt.Errorf("%s: did not finish within %s", what, timeout.Round(100*time.Millisecond))
		case ctx.Err() != nil:
			return "", fmt.Errorf("%s: stopped: %w", what, ctx.Err())
		}
		msg := strings.TrimSpace(errOut.String())
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		return "", fmt.Errorf("%s failed: %v %s", what, err, msg)
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("%s printed nothing", what)
	}
	return line, nil
}

// killGroup kills the process group led by pid.
func killGroup(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill process group %d: %w", pid, err)
	}
	return nil
}

// ExpandHome expands a leading ~/ to the home directory (paths of the
// config file: schemas, protos, TLS files).
func ExpandHome(p string) string { return expandHome(p) }

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return home + "/" + rest
		}
	}
	return p
}
