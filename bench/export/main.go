// Command export benchmarks a headless export against kcat on the same
// in-process Kafka (kfake over TCP): n records of size bytes, written to
// /dev/null, timed with their peak RSS. Run it with bench/export.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
)

func main() {
	n := flag.Int("n", 1_000_000, "records")
	size := flag.Int("size", 200, "value size in bytes")
	bin := flag.String("mqscope", "mqscope", "the mqscope binary")
	runs := flag.Int("runs", 2, "runs of each command (the best is kept)")
	profile := flag.String("cpuprofile", "", "profile mqscope's JSONL export into this file")
	flag.Parse()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "bench"))
	check(err)
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	value := []byte(`{"status":"OK","pad":"` + strings.Repeat("x", max(*size-24, 0)) + `"}`)[:*size]
	check(testbroker.FillKafka(addr, "bench", *n, value))
	fmt.Printf("%d records of %d B in 3 partitions on kfake %s\n", *n, *size, addr)
	cmds := []struct {
		name string
		args []string
	}{
		{"kcat -C -e -J", []string{"kcat", "-b", addr, "-C", "-t", "bench", "-e", "-J", "-q"}},
		{"mqscope export (jsonl)", append([]string{*bin, "--kafka", addr, "export", "bench"}, profileArgs(*profile)...)},
		{"kcat -C -e", []string{"kcat", "-b", addr, "-C", "-t", "bench", "-e", "-q"}},
		{"mqscope export --format raw", []string{*bin, "--kafka", addr, "export", "bench", "--format", "raw"}},
	}
	results := map[string][2]float64{}
	for _, c := range cmds {
		best := [2]float64{0, 0}
		for r := 0; r < *runs; r++ {
			d, rss := run(c.args)
			rate := float64(*n) / d.Seconds()
			if rate > best[0] {
				best = [2]float64{rate, rss}
			}
		}
		results[c.name] = best
		fmt.Printf("%-30s %9.0f records/s  peak RSS %6.1f MiB\n", c.name, best[0], best[1])
	}
	j, kj := results["mqscope export (jsonl)"], results["kcat -C -e -J"]
	r, kr := results["mqscope export --format raw"], results["kcat -C -e"]
	fmt.Printf("jsonl vs kcat -J: %.2fx the rate, %.2fx the RSS\n", j[0]/kj[0], j[1]/kj[1])
	fmt.Printf("raw vs kcat:      %.2fx the rate, %.2fx the RSS\n", r[0]/kr[0], r[1]/kr[1])
}

func profileArgs(path string) []string {
	if path == "" {
		return nil
	}
	return []string{"--cpuprofile", path}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run runs a command with stdout to /dev/null and returns its wall time
// and peak RSS in MiB. The peak is the process's own VmHWM, polled from
// /proc: wait4's maxrss would count the pages of this (large) process that
// the child shares between fork and exec.
func run(args []string) (time.Duration, float64) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	check(err)
	defer devnull.Close()
	c := exec.Command(args[0], args[1:]...)
	c.Stdout = devnull
	c.Stderr = os.Stderr
	start := time.Now()
	check(c.Start())
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	peak := 0.0
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			check(err)
			return time.Since(start), peak
		case <-tick.C:
			peak = max(peak, hwm(c.Process.Pid))
		}
	}
}

// hwm reads a process's peak resident set (VmHWM) in MiB.
func hwm(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
