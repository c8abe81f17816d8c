// Command export benchmarks a headless export against kcat on the same
// in-process Kafka (kfake over TCP): topics of each size in -sizes, values
// of about -size bytes of JSON in 3 partitions, compressed as producers
// write them (snappy batches of -batch records by default), written to
// /dev/null. Every command runs once per size and round, mqscope and kcat
// alternated, under /usr/bin/time -v (wall time, peak RSS); the table
// gives min / median / max, the ratio of the medians and the goal. Run it
// with bench/export.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/bench/timed"
	"github.com/mqscope/mqscope/internal/testbroker"
)

// command is one of the commands compared.
type command struct {
	key, name string
	args      []string
}

// figures are one command's runs at one size.
type figures struct {
	rate, rss []float64
}

func main() {
	n := flag.Int("n", 0, "records: one size (instead of -sizes)")
	sizesFlag := flag.String("sizes", "100000,1000000,5000000", "records in each topic measured, comma-separated")
	size := flag.Int("size", 200, "value size in bytes")
	codecFlag := flag.String("compression", "snappy", "compression of the topics' batches: snappy, lz4, zstd, gzip or none")
	batch := flag.Int("batch", 5000, "records a producer batch (compressed topics)")
	bin := flag.String("mqscope", "mqscope", "the mqscope binary")
	before := flag.String("before", "", "an earlier mqscope binary, run beside -mqscope (raw and JSONL) and compared with it")
	rounds := flag.Int("rounds", 3, "rounds: each command runs once per size and round, alternated")
	runs := flag.Int("runs", 0, "the old name of -rounds")
	profile := flag.String("cpuprofile", "", "profile mqscope's JSONL export into this file")
	topic := flag.String("topic", "bench-"+timed.RunID(), "topic name prefix (default: unique to this run)")
	outPath := flag.String("out", "", "also append the figures to this file as lines of key<TAB>value")
	flag.Parse()
	go runner.StopOnSignal()
	if *runs > 0 {
		*rounds = *runs
	}
	sizes, err := parseSizes(*sizesFlag)
	check(err)
	if *n > 0 {
		sizes = []int{*n}
	}
	codec, err := parseCodec(*codecFlag)
	check(err)
	topics := make([]string, len(sizes))
	for i, s := range sizes {
		topics[i] = fmt.Sprintf("%s-%d", *topic, s)
	}
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics...))
	check(err)
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	for i, s := range sizes {
		start := time.Now()
		if codec == sarama.CompressionNone {
			check(testbroker.FillKafka(addr, topics[i], s, value(0, *size)))
		} else {
			check(testbroker.FillKafkaCompressed(addr, topics[i], s, func(j int) []byte { return value(j, *size) }, codec, *batch))
		}
		fmt.Printf("%s records of %d B JSON in 3 partitions of %s (%s, batches of %d) on kfake %s, filled in %s\n",
			commas(float64(s), 0), *size, topics[i], *codecFlag, *batch, addr, time.Since(start).Round(time.Millisecond))
	}
	var out *os.File
	if *outPath != "" {
		out, err = os.OpenFile(*outPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		check(err)
		defer out.Close()
	}
	got := map[string]*figures{} // by size/key
	for r := 1; r <= *rounds; r++ {
		for i, s := range sizes {
			for _, c := range commands(*bin, *before, addr, topics[i], *profile) {
				u, err := runner.Run(c.args)
				check(err)
				rate, rss := float64(s)/u.Wall.Seconds(), u.RSS
				k := fmt.Sprintf("%d/%s", s, c.key)
				if got[k] == nil {
					got[k] = &figures{}
				}
				got[k].rate, got[k].rss = append(got[k].rate, rate), append(got[k].rss, rss)
				fmt.Printf("round %d  %9s records  %-36s %10s records/s  peak RSS %6.1f MiB  CPU %5.2f s\n", r, commas(float64(s), 0), c.name, commas(rate, 0), rss, u.CPU)
				if out != nil {
					fmt.Fprintf(out, "export/%d/%s/rate\t%.0f\nexport/%d/%s/rss\t%.1f\n", s, c.key, rate, s, c.key, rss)
					if len(sizes) == 1 { // the keys bench/all.sh reads
						fmt.Fprintf(out, "export/%s/rate\t%.0f\nexport/%s/rss\t%.1f\n", c.key, rate, c.key, rss)
					}
				}
			}
		}
	}
	table(sizes, *rounds, *codecFlag, got)
}

// commands are the commands compared on one topic, mqscope's after its
// peer's so that each pair runs back to back; with before, the earlier
// binary's raw and JSONL exports run right after the current one's.
func commands(bin, before, addr, topic, profile string) []command {
	kcat := []string{"kcat", "-b", addr, "-C", "-t", topic, "-e", "-q"}
	jsonl := []string{bin, "--kafka", addr, "export", topic}
	if profile != "" {
		jsonl = append(jsonl, "--cpuprofile", profile)
	}
	cs := []command{
		{"kcat-json", "kcat -C -e -J", slices.Concat(kcat, []string{"-J"})},
		{"jsonl", "mqscope export (jsonl)", jsonl},
	}
	if before != "" {
		cs = append(cs, command{"jsonl-before", "mqscope export (jsonl), before", []string{before, "--kafka", addr, "export", topic}})
	}
	cs = append(cs,
		command{"kcat", "kcat -C -e", kcat},
		command{"raw", "mqscope export --format raw", []string{bin, "--kafka", addr, "export", topic, "--format", "raw"}})
	if before != "" {
		cs = append(cs, command{"raw-before", "mqscope export --format raw, before", []string{before, "--kafka", addr, "export", topic, "--format", "raw"}})
	}
	return append(cs, command{"kcat-wait10", "kcat -C -e -X fetch.wait.max.ms=10", slices.Concat(kcat, []string{"-X", "fetch.wait.max.ms=10"})})
}

// table prints one Markdown row per measure and size: mqscope's and the
// peer's min / median / max, the ratio of the medians, the goal and
// whether it is met; then how peak RSS grows from the smallest size to
// the largest.
func table(sizes []int, rounds int, codec string, got map[string]*figures) {
	fmt.Printf("\n%d round(s), commands alternated; min / median / max; ratios of medians; %s-compressed topics\n\n", rounds, codec)
	fmt.Println("| measure | records | mqscope | peer | ratio | goal | met |")
	fmt.Println("|---|---|---|---|---|---|---|")
	pairs := []struct {
		mine, peer, name string
		goal             float64
	}{
		{"jsonl", "kcat-json", "export JSONL vs `kcat -C -e -J`", 2.5},
		{"raw", "kcat", "export `--format raw` vs `kcat -C -e`", 1.5},
		{"raw", "kcat-wait10", "export `--format raw` vs `kcat -C -e -X fetch.wait.max.ms=10`", 1.5},
		{"raw-before", "kcat-wait10", "export `--format raw`, before, vs `kcat -C -e -X fetch.wait.max.ms=10`", 1.5},
		{"jsonl-before", "kcat-json", "export JSONL, before, vs `kcat -C -e -J`", 2.5},
		{"raw", "raw-before", "export `--format raw` vs the binary before", 1.0},
		{"jsonl", "jsonl-before", "export JSONL vs the binary before", 1.0},
	}
	for _, p := range pairs {
		for _, s := range sizes {
			m, k := got[fmt.Sprintf("%d/%s", s, p.mine)], got[fmt.Sprintf("%d/%s", s, p.peer)]
			if m == nil || k == nil {
				continue
			}
			r := median(m.rate) / median(k.rate)
			row(p.name+": rate", s, spread(m.rate, 0, "records/s"), spread(k.rate, 0, "records/s"), r, fmt.Sprintf("≥ %.1f×", p.goal), r >= p.goal)
			r = median(m.rss) / median(k.rss)
			row(p.name+": peak RSS", s, spread(m.rss, 1, "MiB"), spread(k.rss, 1, "MiB"), r, "≤ 1.0× (the peer's)", r <= 1.0)
		}
	}
	if len(sizes) < 2 {
		return
	}
	lo, hi := sizes[0], sizes[len(sizes)-1]
	for _, key := range []string{"jsonl", "raw", "jsonl-before", "raw-before"} {
		a, b := got[fmt.Sprintf("%d/%s", lo, key)], got[fmt.Sprintf("%d/%s", hi, key)]
		if a == nil || b == nil {
			continue
		}
		r := median(b.rss) / median(a.rss)
		row(fmt.Sprintf("export %s: peak RSS at %s vs at %s records", key, commas(float64(hi), 0), commas(float64(lo), 0)), hi,
			spread(b.rss, 1, "MiB"), spread(a.rss, 1, "MiB"), r, "≤ 1.25× (flat)", r <= 1.25)
	}
}

func row(measure string, records int, mine, peer string, ratio float64, goal string, met bool) {
	yes := "no"
	if met {
		yes = "yes"
	}
	fmt.Printf("| %s | %s | %s | %s | **%.2f×** | %s | %s |\n", measure, commas(float64(records), 0), mine, peer, ratio, goal, yes)
}

// spread is "min / median / max unit".
func spread(xs []float64, digits int, unit string) string {
	s := slices.Sorted(slices.Values(xs))
	return fmt.Sprintf("%s / %s / %s %s", commas(s[0], digits), commas(median(xs), digits), commas(s[len(s)-1], digits), unit)
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// commas writes x with digits decimals and thousands separated by commas.
func commas(x float64, digits int) string {
	s := strconv.FormatFloat(x, 'f', digits, 64)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if neg {
		whole = "-" + whole
	}
	if frac != "" {
		return whole + "." + frac
	}
	return whole
}

// value is record i's value: a JSON event of about size bytes.
func value(i, size int) []byte {
	v := fmt.Appendf(nil, `{"type":"Event","seq":%d,"status":"OK","tenant":"acme","payload":"`, i)
	pad := max(size-len(v)-2, 0)
	v = fmt.Appendf(v, "%0*d", pad, i%7)
	return append(v, `"}`...)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sizes %q: want record counts such as 100000,1000000", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseCodec(s string) (sarama.CompressionCodec, error) {
	switch s {
	case "snappy":
		return sarama.CompressionSnappy, nil
	case "lz4":
		return sarama.CompressionLZ4, nil
	case "zstd":
		return sarama.CompressionZSTD, nil
	case "gzip":
		return sarama.CompressionGZIP, nil
	case "none":
		return sarama.CompressionNone, nil
	}
	return 0, fmt.Errorf("-compression %q: want snappy, lz4, zstd, gzip or none", s)
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
