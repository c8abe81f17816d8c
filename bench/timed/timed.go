// Package timed runs the commands a benchmark compares, one at a time,
// under /usr/bin/time -v: wall time, CPU time and peak RSS of the command
// itself (time forks it from a small process, not from the large bench
// program), each in a process group of its own that is stopped with the
// program.
package timed

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Usage is what a run cost.
type Usage struct {
	Wall time.Duration
	// RSS is the peak resident set in MiB.
	RSS float64
	// CPU is user plus system time in seconds.
	CPU float64
}

// Runner runs one command at a time and can stop it.
type Runner struct {
	mu   sync.Mutex
	pgid int // the process group of the command running now (0: none)
}

// Run runs args with stdout to /dev/null and stderr to the program's.
func (r *Runner) Run(args []string) (Usage, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return Usage{}, err
	}
	defer devnull.Close()
	tf, err := os.CreateTemp("", "time-*.txt")
	if err != nil {
		return Usage{}, err
	}
	tf.Close()
	defer os.Remove(tf.Name())
	c := exec.Command("/usr/bin/time", append([]string{"-v", "-o", tf.Name()}, args...)...)
	c.Stdout, c.Stderr = devnull, os.Stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	r.mu.Lock()
	err = c.Start()
	if err == nil {
		r.pgid = c.Process.Pid
	}
	r.mu.Unlock()
	if err != nil {
		return Usage{}, fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	err = c.Wait()
	wall := time.Since(start)
	r.mu.Lock()
	r.pgid = 0
	r.mu.Unlock()
	if err != nil {
		b, _ := os.ReadFile(tf.Name())
		return Usage{}, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}
	u, err := Report(tf.Name())
	u.Wall = wall
	return u, err
}

// Kill stops the running command's whole process group, if any.
func (r *Runner) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pgid > 0 {
		_ = syscall.Kill(-r.pgid, syscall.SIGKILL)
	}
}

// StopOnSignal waits for INT or TERM, stops the running command and exits
// (130 or 143); what the program started in process goes with it.
func (r *Runner) StopOnSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	s := <-sig
	r.Kill()
	if s == os.Interrupt {
		os.Exit(130)
	}
	os.Exit(143)
}

// Report reads the peak RSS and the CPU time from /usr/bin/time -v's report.
func Report(path string) (Usage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Usage{}, err
	}
	var u Usage
	found := 0
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		var x float64
		switch k {
		case "Maximum resident set size (kbytes)", "User time (seconds)", "System time (seconds)":
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f", &x); err != nil {
				return u, fmt.Errorf("%s: %q: %w", path, line, err)
			}
			found++
		}
		switch k {
		case "Maximum resident set size (kbytes)":
			u.RSS = x / 1024
		case "User time (seconds)", "System time (seconds)":
			u.CPU += x
		}
	}
	if found != 3 {
		return u, fmt.Errorf("no peak RSS or CPU time in /usr/bin/time's report %s", path)
	}
	return u, nil
}

// RunID is a name part unique to this run: the pid and a random part.
func RunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
}
