// Command check benchmarks mqscope check against mqscope export of the
// same records on one in-process Kafka (kfake over TCP): for each size,
// n records of about size bytes over -entities entities (each entity's
// events numbered by seq, keys hashed to 3 partitions: a healthy flow),
// the check's time against the export's (JSONL to /dev/null) in the same
// run, and the check's peak RSS (/usr/bin/time -v) at each size. Run it
// with bench/check.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/bench/timed"
	"github.com/mqscope/mqscope/sources/demo"
)

func main() {
	sizes := flag.String("n", "1000000,5000000", "record counts, comma-separated (the first is timed against export)")
	entities := flag.Int("entities", 100_000, "distinct entities (keys)")
	size := flag.Int("size", 200, "value size in bytes")
	bin := flag.String("mqscope", "mqscope", "the mqscope binary")
	runs := flag.Int("runs", 2, "runs of each command (the best is kept)")
	prefix := flag.String("topic", "bench-check-"+timed.RunID(), "topic name prefix (default: unique to this run)")
	outPath := flag.String("out", "", "also append the figures to this file as lines of key<TAB>value")
	flag.StringVar(&profile, "cpuprofile", "", "profile mqscope check (the first size's last run) into this file")
	flag.Parse()
	go runner.StopOnSignal()
	var out *os.File
	if *outPath != "" {
		var err error
		out, err = os.OpenFile(*outPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		check(err)
		defer out.Close()
	}
	var rss []float64
	for i, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		u, e := measure(n, *entities, *size, *bin, *runs, fmt.Sprintf("%s-%d", *prefix, n), i == 0)
		rss = append(rss, u.RSS)
		fmt.Printf("n=%d: check %.2fs (%.0f records/s, CPU %.2fs), peak RSS %.1f MiB", n, u.Wall.Seconds(), float64(n)/u.Wall.Seconds(), u.CPU, u.RSS)
		if e != nil {
			fmt.Printf("; export %.2fs (CPU %.2fs), peak RSS %.1f MiB; check/export time %.2fx (goal <= 1.30)", e.Wall.Seconds(), e.CPU, e.RSS, u.Wall.Seconds()/e.Wall.Seconds())
		}
		fmt.Println()
		if out != nil {
			fmt.Fprintf(out, "check/%d/seconds\t%.2f\ncheck/%d/rss\t%.1f\n", n, u.Wall.Seconds(), n, u.RSS)
			if e != nil {
				fmt.Fprintf(out, "check/%d/export-seconds\t%.2f\ncheck/%d/ratio\t%.2f\n", n, e.Wall.Seconds(), n, u.Wall.Seconds()/e.Wall.Seconds())
			}
		}
	}
	if len(rss) > 1 {
		fmt.Printf("peak RSS %s: the largest %.2fx the smallest (goal <= 1.20)\n", strings.Trim(fmt.Sprint(rss), "[]"), maxOf(rss)/minOf(rss))
	}
}

// measure fills a topic of its own on a kfake of its own and times check
// (and export, when asked) on it.
func measure(n, entities, size int, bin string, runs int, topic string, withExport bool) (timed.Usage, *timed.Usage) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	check(err)
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	pad := strings.Repeat("x", max(size-60, 0))
	check(demo.Fill(addr, n, func(i int) *sarama.ProducerMessage {
		e := i % entities
		v := fmt.Sprintf(`{"entity":"e%07d","seq":%d,"i":%d,"pad":"%s"}`, e, i/entities, i, pad)
		return &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("e%07d", e)), Value: sarama.StringEncoder(v)}
	}))
	fmt.Printf("%d records of about %d B over %d entities in 3 partitions of %s on kfake %s\n", n, size, entities, topic, addr)
	checkArgs := []string{bin, "--kafka", addr, "check", topic, "--sequence", "json.seq"}
	if profile != "" && withExport {
		checkArgs = append(checkArgs, "--cpuprofile", profile)
	}
	exportArgs := []string{bin, "--kafka", addr, "export", topic}
	var best, bestExport timed.Usage
	for r := 0; r < runs; r++ {
		if withExport {
			if u := run(exportArgs); bestExport.Wall == 0 || u.Wall < bestExport.Wall {
				bestExport = u
			}
		}
		if u := run(checkArgs); best.Wall == 0 || u.Wall < best.Wall {
			best = u
		}
	}
	if withExport {
		return best, &bestExport
	}
	return best, nil
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		runner.Kill()
		os.Exit(1)
	}
}

// runner runs the commands compared, one at a time; profile is where
// check's CPU profile goes ("" none).
var (
	runner  timed.Runner
	profile string
)

// run runs a command under /usr/bin/time -v (stdout to /dev/null): a
// healthy flow, so check exits 0.
func run(args []string) timed.Usage {
	u, err := runner.Run(args)
	check(err)
	return u
}
