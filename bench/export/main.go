// Command export benchmarks a headless export against kcat on the same
// in-process Kafka (kfake over TCP): n records of size bytes, written to
// /dev/null, timed, with their peak RSS from /usr/bin/time -v. Run it
// with bench/export.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/bench/timed"
	"github.com/mqscope/mqscope/internal/testbroker"
)

func main() {
	n := flag.Int("n", 1_000_000, "records")
	size := flag.Int("size", 200, "value size in bytes")
	bin := flag.String("mqscope", "mqscope", "the mqscope binary")
	runs := flag.Int("runs", 2, "runs of each command (the best is kept)")
	profile := flag.String("cpuprofile", "", "profile mqscope's JSONL export into this file")
	topic := flag.String("topic", "bench-"+timed.RunID(), "topic name (default: unique to this run)")
	outPath := flag.String("out", "", "also append the figures to this file as lines of key<TAB>value")
	flag.Parse()
	go runner.StopOnSignal()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, *topic))
	check(err)
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	value := []byte(`{"status":"OK","pad":"` + strings.Repeat("x", max(*size-24, 0)) + `"}`)[:*size]
	check(testbroker.FillKafka(addr, *topic, *n, value))
	fmt.Printf("%d records of %d B in 3 partitions of %s on kfake %s\n", *n, *size, *topic, addr)
	kcat := []string{"kcat", "-b", addr, "-C", "-t", *topic, "-e", "-q"}
	cmds := []struct {
		key, name string
		args      []string
	}{
		{"kcat-json", "kcat -C -e -J", slices.Concat(kcat, []string{"-J"})},
		{"jsonl", "mqscope export (jsonl)", append([]string{*bin, "--kafka", addr, "export", *topic}, profileArgs(*profile)...)},
		{"kcat", "kcat -C -e", kcat},
		{"kcat-wait10", "kcat -C -e -X fetch.wait.max.ms=10", slices.Concat(kcat, []string{"-X", "fetch.wait.max.ms=10"})},
		{"raw", "mqscope export --format raw", []string{*bin, "--kafka", addr, "export", *topic, "--format", "raw"}},
	}
	var out *os.File
	if *outPath != "" {
		out, err = os.OpenFile(*outPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		check(err)
		defer out.Close()
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
		results[c.key] = best
		fmt.Printf("%-36s %9.0f records/s  peak RSS %6.1f MiB\n", c.name, best[0], best[1])
		if out != nil {
			fmt.Fprintf(out, "export/%s/rate\t%.0f\nexport/%s/rss\t%.1f\n", c.key, best[0], c.key, best[1])
		}
	}
	j, kj := results["jsonl"], results["kcat-json"]
	r, kr, kw := results["raw"], results["kcat"], results["kcat-wait10"]
	fmt.Printf("jsonl vs kcat -J:            %.2fx the rate, %.2fx the RSS\n", j[0]/kj[0], j[1]/kj[1])
	fmt.Printf("raw vs kcat:                 %.2fx the rate, %.2fx the RSS\n", r[0]/kr[0], r[1]/kr[1])
	fmt.Printf("raw vs kcat (fetch wait 10): %.2fx the rate, %.2fx the RSS\n", r[0]/kw[0], r[1]/kw[1])
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
		runner.Kill()
		os.Exit(1)
	}
}

// runner runs the commands compared, one at a time.
var runner timed.Runner

// run runs a command under /usr/bin/time -v (stdout to /dev/null) and
// returns its wall time and peak RSS in MiB.
func run(args []string) (time.Duration, float64) {
	u, err := runner.Run(args)
	check(err)
	return u.Wall, u.RSS
}
