// Command subreaper runs a command as a child subreaper: processes that
// the command starts and leaves (tmux's server, which daemonizes, and what
// runs in it) become its children instead of init's, and are reaped here
// when they end. On machines whose init does not reap orphans this keeps a
// bench run from leaving zombies behind. INT and TERM are passed on to the
// command; subreaper exits with its status once every child is gone.
//
//	subreaper COMMAND [ARG...]
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

const prSetChildSubreaper = 36 // PR_SET_CHILD_SUBREAPER, linux/prctl.h

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: subreaper COMMAND [ARG...]")
		os.Exit(2)
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "subreaper:", errno)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	c := exec.Command(os.Args[1], os.Args[2:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "subreaper:", err)
		os.Exit(1)
	}
	go func() {
		for s := range sig {
			_ = c.Process.Signal(s)
		}
	}()
	main := c.Process.Pid
	code := -1
	deadline := time.Time{}
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case err == syscall.ECHILD:
			os.Exit(max(code, 0))
		case err != nil && err != syscall.EINTR:
			fmt.Fprintln(os.Stderr, "subreaper:", err)
			os.Exit(1)
		case pid == main:
			code = ws.ExitStatus()
			if ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
			deadline = time.Now().Add(10 * time.Second)
		case pid > 0:
			continue
		}
		if code >= 0 && time.Now().After(deadline) {
			os.Exit(code) // what is left goes to init
		}
		time.Sleep(5 * time.Millisecond)
	}
}
