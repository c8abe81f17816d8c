package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// brokerCPU is the CPU time the RabbitMQ server (beam.smp) has used so far.
func brokerCPU() time.Duration {
	out, err := exec.Command("pgrep", "-f", "beam.smp").Output()
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, pid := range strings.Fields(string(out)) {
		total += procCPU(pid)
	}
	return total
}

// procCPU reads utime+stime of a process from /proc (clock ticks of 10 ms).
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	s = s[strings.LastIndexByte(s, ')')+2:]
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
