package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// runID is a name part unique to this run: the pid and a random part.
func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
}

// vhosts are the vhosts this run made and has not deleted yet: deleted
// when the run ends, fails or is stopped.
var vhosts struct {
	sync.Mutex
	m    *rabbitmq.Management
	made map[string]bool
}

func madeVhost(name string) {
	vhosts.Lock()
	defer vhosts.Unlock()
	if vhosts.made == nil {
		vhosts.made = map[string]bool{}
	}
	vhosts.made[name] = true
}

// dropVhost deletes one vhost of this run.
func dropVhost(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := vhosts.m.DeleteVhost(ctx, name); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return
	}
	vhosts.Lock()
	delete(vhosts.made, name)
	vhosts.Unlock()
}

// deleteVhosts deletes every vhost of this run still there.
func deleteVhosts() {
	vhosts.Lock()
	var names []string
	for v := range vhosts.made {
		names = append(names, v)
	}
	vhosts.Unlock()
	for _, v := range names {
		dropVhost(v)
	}
}

// deleteVhostsOnSignal deletes this run's vhosts on INT or TERM and exits.
func deleteVhostsOnSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	s := <-sig
	stopping.Store(true)
	fmt.Fprintf(os.Stderr, "bench: %v: deleting this run's vhosts\n", s)
	deleteVhosts()
	if s == os.Interrupt {
		os.Exit(130)
	}
	os.Exit(143)
}

// stopping is set once a signal came: a failure from the vhosts going
// away under a mover is then no failure to report.
var stopping atomic.Bool

// out is where record appends the figures (-out), or nil.
var out *os.File

func openOut(path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	check(err)
	out = f
}

func closeOut() {
	if out != nil {
		_ = out.Close()
	}
}

// record appends key<TAB>value to the -out file and returns the value.
func record(key string, v float64) float64 {
	if out != nil {
		fmt.Fprintf(out, "%s\t%.0f\n", key, v)
	}
	return v
}
