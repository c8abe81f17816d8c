package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/mqscope/mqscope/health"
)

// check's exit statuses beyond 0 (healthy) and 1 (an error).
const (
	// exitFindings: something was found (in a partial read too).
	exitFindings = 3
	// exitIncomplete: nothing found, but not all that was asked for was
	// checked: a partial read, or no message at all. A script that reads
	// 0 as "healthy" is not told so of what was not read.
	exitIncomplete = 4
)

// checkExitCode is the status a report's outcome calls for.
func checkExitCode(r health.Report) int {
	switch {
	case r.Interrupted != "":
		return exitInterrupted
	case r.Verdict == health.VerdictFindings:
		return exitFindings
	case r.Verdict == health.VerdictPartial, r.Verdict == health.VerdictNothingChecked:
		return exitIncomplete
	}
	return 0
}

// checkExit is what check returns once its report is written (werr: the
// write's error): the outcome's status, even when the reader of stdout
// went away (EPIPE); another write error is an error.
func checkExit(r health.Report, werr error) error {
	if werr != nil && !errors.Is(werr, syscall.EPIPE) {
		return fmt.Errorf("write the report: %w", werr)
	}
	code := checkExitCode(r)
	if code == 0 {
		return nil
	}
	return &exitStatus{code: code, why: string(r.Verdict)}
}

// interruptedOr is err, or exitInterrupted (told on stderr) when ctx was
// cancelled before anything was read.
func interruptedOr(ctx context.Context, stderr io.Writer, err error) error {
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "mqscope: interrupted before the read began: nothing checked")
		return &exitStatus{code: exitInterrupted, why: "interrupted"}
	}
	return err
}

// verdictLine is the report's last line: its verdict and exit status.
func verdictLine(r health.Report) string {
	code := checkExitCode(r)
	var s string
	switch r.Verdict {
	case health.VerdictInterrupted:
		s = fmt.Sprintf("interrupted after %s messages: a partial report", digits(r.Scanned))
		if r.Total > 0 {
			s += fmt.Sprintf(", %s so far", findingsText(r.Total))
		}
	case health.VerdictFindings:
		s = findingsText(r.Total)
		if !r.Complete {
			s += " in a partial read"
		}
	case health.VerdictPartial:
		s = "partial: nothing found in what was read, but not all of it was read"
	case health.VerdictNothingChecked:
		s = "nothing to check: no message was read"
	default:
		s = "healthy: nothing found"
	}
	if r.Interrupted == health.InterruptedFlow {
		s += "; interrupted before the flow was read"
	}
	if code != 0 {
		s += fmt.Sprintf(" (exit status %d)", code)
	}
	return s
}

// findingsText is "1 finding", "2,000 findings".
func findingsText(n int64) string {
	if n == 1 {
		return "1 finding"
	}
	return digits(n) + " findings"
}

// stickyWriter remembers the first error a write returned and writes
// nothing after it.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

// untilInterrupted is f's answer, given up at once when ctx ends: a
// broker's client may not heed ctx in the middle of a request.
func untilInterrupted[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type found struct {
		v   T
		err error
	}
	done := make(chan found, 1)
	go func() {
		v, err := f()
		done <- found{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
