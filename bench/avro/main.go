// Command avro benchmarks mqscope's decoded export of Schema
// Registry-framed Avro against its raw export (--decode=false) and against
// a kafkajs consumer decoding through @kafkajs/confluent-schema-registry
// (peer.js), on one in-process Kafka (kfake over TCP) and an in-process
// Schema Registry (srfake). It fills a topic with n Avro records of about
// size bytes in the Confluent wire format (a registered schema with a
// decimal and a timestamp-millis), then runs the three commands to
// /dev/null, alternating their order, for some rounds, timing each and
// reading its peak RSS from /usr/bin/time -v. Run it with bench/avro.sh.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/bench/timed"
	"github.com/mqscope/mqscope/sources/demo"
)

const schemaText = `{
  "type": "record", "name": "Payment", "namespace": "bench.mqscope",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "customer", "type": "string"},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
    {"name": "currency", "type": "string"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["OK", "RETRYING", "FAILED"]}},
    {"name": "attempts", "type": "int"},
    {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "note", "type": "string"}
  ]
}`

// Payment is a record of the schema above.
type Payment struct {
	ID        string    `avro:"id"`
	Customer  string    `avro:"customer"`
	Amount    *big.Rat  `avro:"amount"`
	Currency  string    `avro:"currency"`
	Status    string    `avro:"status"`
	Attempts  int       `avro:"attempts"`
	CreatedAt time.Time `avro:"created_at"`
	Note      string    `avro:"note"`
}

var (
	customers  = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark"}
	currencies = []string{"EUR", "USD", "GBP", "CHF"}
	statuses   = []string{"OK", "OK", "OK", "RETRYING", "FAILED"}
)

func main() {
	n := flag.Int("n", 1_000_000, "records")
	size := flag.Int("size", 200, "record size in bytes, wire-format header included (about)")
	rounds := flag.Int("rounds", 3, "rounds; each runs every command once, the order rotating")
	bin := flag.String("mqscope", "mqscope", "the mqscope binary")
	node := flag.String("node", "node", "the node binary")
	peer := flag.String("peer", "bench/avro/peer.js", "the peer's script")
	topic := flag.String("topic", "bench-avro-"+timed.RunID(), "topic name (default: unique to this run)")
	outPath := flag.String("out", "", "also append the figures to this file as lines of key<TAB>value")
	tablePath := flag.String("table", "", "also write the Markdown table rows to this file")
	profile := flag.String("cpuprofile", "", "after the rounds, profile one more (untimed) decoded export into this file")
	flag.Parse()
	go runner.StopOnSignal()

	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, *topic))
	check(err)
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema(*topic+"-value", sr.Schema{Schema: schemaText, Type: sr.TypeAvro})
	check(err)
	schema, err := avro.Parse(schemaText)
	check(err)
	var serde sr.Serde
	serde.Register(id, Payment{}, sr.AppendEncodeFn(func(b []byte, v any) ([]byte, error) {
		enc, err := avro.Marshal(schema, v)
		return append(b, enc...), err
	}))

	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	record := func(i int, note string) Payment {
		return Payment{
			ID:        fmt.Sprintf("pay-%09d", i),
			Customer:  customers[i%len(customers)],
			Amount:    big.NewRat(int64(100+(i*7919)%9999900), 100),
			Currency:  currencies[i%len(currencies)],
			Status:    statuses[i%len(statuses)],
			Attempts:  i % 4,
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
			Note:      note,
		}
	}
	bare, err := serde.Encode(record(0, ""))
	check(err)
	note := strings.Repeat("n", max(*size-len(bare)-1, 0)) // -1: the note's longer length prefix
	sample, err := serde.Encode(record(*n/2, note))
	check(err)
	if d := len(sample) - *size; d > 0 && d < len(note) { // the larger numbers of later records
		note = note[d:]
		sample, err = serde.Encode(record(*n/2, note))
		check(err)
	}
	check(demo.Fill(addr, *n, func(i int) *sarama.ProducerMessage {
		v, err := serde.Encode(record(i, note))
		check(err)
		return &sarama.ProducerMessage{Topic: *topic, Key: sarama.StringEncoder(fmt.Sprintf("k%07d", i)), Value: sarama.ByteEncoder(v)}
	}))
	fmt.Printf("%d Avro records of about %d B (schema id %d, subject %s-value) in 3 partitions of %s on kfake %s, registry %s\n",
		*n, len(sample), id, *topic, *topic, addr, reg.URL())

	decoded := []string{*bin, "--kafka", addr, "--schema-registry", reg.URL(), "export", *topic}
	raw := []string{*bin, "--kafka", addr, "export", *topic, "--decode=false"}
	verify(decoded, *n)
	cmds := []struct {
		key, name string
		args      func(round int) []string
	}{
		{"decoded", "mqscope export (decoded)", func(int) []string { return decoded }},
		{"raw", "mqscope export --decode=false", func(int) []string { return raw }},
		{"peer", "kafkajs + confluent-schema-registry", func(r int) []string {
			return []string{*node, *peer, addr, reg.URL(), *topic, fmt.Sprintf("%s-peer-%d", *topic, r)}
		}},
	}
	secs := map[string][]float64{}
	rss := map[string][]float64{}
	cpu := map[string][]float64{}
	for r := 0; r < *rounds; r++ {
		for j := range cmds {
			c := cmds[(j+r)%len(cmds)]
			d, t := run(c.args(r))
			secs[c.key] = append(secs[c.key], d.Seconds())
			rss[c.key] = append(rss[c.key], t.rss)
			cpu[c.key] = append(cpu[c.key], t.cpu)
			fmt.Printf("round %d  %-36s %7.2f s  %9.0f records/s  CPU %6.2f s  peak RSS %6.1f MiB\n", r+1, c.name, d.Seconds(), float64(*n)/d.Seconds(), t.cpu, t.rss)
		}
	}
	if *profile != "" {
		run(append(slices.Clone(decoded), "--cpuprofile", *profile))
		fmt.Printf("profile of a decoded export: %s\n", *profile)
	}
	if *outPath != "" {
		out, err := os.OpenFile(*outPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		check(err)
		for _, c := range cmds {
			for i := range secs[c.key] {
				fmt.Fprintf(out, "avro/%s/secs\t%.3f\navro/%s/rss\t%.1f\navro/%s/cpu\t%.2f\n", c.key, secs[c.key][i], c.key, rss[c.key][i], c.key, cpu[c.key][i])
			}
		}
		check(out.Close())
	}
	rows := table(*n, len(sample), *rounds, secs, rss, cpu)
	if *tablePath != "" {
		check(os.WriteFile(*tablePath, []byte(rows), 0o644))
	} else {
		fmt.Print("\n" + rows)
	}
}

// table renders the Markdown table of the figures (the header and rows).
func table(n, size, rounds int, secs, rss, cpu map[string][]float64) string {
	var b strings.Builder
	row := func(cells ...string) { fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | ")) }
	med := func(xs []float64) float64 {
		s := slices.Clone(xs)
		sort.Float64s(s)
		return s[len(s)/2]
	}
	list := func(xs []float64, f string) string {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = commas(fmt.Sprintf(f, x))
		}
		return strings.Join(parts, " / ")
	}
	rates := func(xs []float64) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = float64(n) / x
		}
		return out
	}
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	runs := fmt.Sprintf("%d round", rounds)
	if rounds > 1 {
		runs += "s, alternating; medians"
	}
	what := fmt.Sprintf("%s × %d B Avro (decimal, timestamp-millis) in 3 partitions, to /dev/null (%s)", commas(fmt.Sprint(n)), size, runs)
	row("measure", "mqscope", "peer", "ratio", "goal", "met")
	row("---", "---", "---", "---", "---", "---")
	d, r, p := med(secs["decoded"]), med(secs["raw"]), med(secs["peer"])
	row("Avro export decoded (`--schema-registry`) vs `--decode=false`: time, "+what,
		list(secs["decoded"], "%.2f")+" s ("+list(rates(secs["decoded"]), "%.0f")+" records/s)",
		"`--decode=false` "+list(secs["raw"], "%.2f")+" s ("+list(rates(secs["raw"]), "%.0f")+" records/s)",
		fmt.Sprintf("**%.2f×** the time", d/r), "≤ 2.0× the time", yes(d/r <= 2.0))
	row("Avro export decoded vs kafkajs + @kafkajs/confluent-schema-registry (node): time, same runs",
		list(secs["decoded"], "%.2f")+" s",
		"kafkajs "+list(secs["peer"], "%.2f")+" s ("+list(rates(secs["peer"]), "%.0f")+" records/s)",
		fmt.Sprintf("**%.2f×** the peer's rate", p/d), "> 1.0× (faster)", yes(p/d > 1.0))
	row("Avro export decoded: peak RSS (`/usr/bin/time -v`), same runs",
		list(rss["decoded"], "%.1f")+" MiB",
		"`--decode=false` "+list(rss["raw"], "%.1f")+" MiB; kafkajs "+list(rss["peer"], "%.1f")+" MiB",
		fmt.Sprintf("%.2f× raw's; %.2f× the peer's", med(rss["decoded"])/med(rss["raw"]), med(rss["decoded"])/med(rss["peer"])), "—", "—")
	row("Avro export decoded: CPU time (user + sys, `/usr/bin/time -v`), same runs",
		list(cpu["decoded"], "%.2f")+" s",
		"`--decode=false` "+list(cpu["raw"], "%.2f")+" s; kafkajs "+list(cpu["peer"], "%.2f")+" s",
		fmt.Sprintf("%.2f× raw's; %.2f× the peer's", med(cpu["decoded"])/med(cpu["raw"]), med(cpu["decoded"])/med(cpu["peer"])), "—", "—")
	return b.String()
}

// commas puts thousands separators into a formatted number.
func commas(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	if frac != "" {
		frac = "." + frac
	}
	for len(intPart) > 3 {
		frac = "," + intPart[len(intPart)-3:] + frac
		intPart = intPart[:len(intPart)-3]
	}
	return intPart + frac
}

// verify runs the decoded export on the first records and checks that
// each line carries value_decoded with the record's fields and its
// schema, so that the timed runs decode (and do not fail fast).
func verify(args []string, n int) {
	limit := min(n, 1000)
	out, err := exec.Command(args[0], append(slices.Clone(args[1:]), "--limit", fmt.Sprint(limit))...).Output()
	check(err)
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct {
			ValueDecoded map[string]any `json:"value_decoded"`
			ValueSchema  struct {
				ID     int    `json:"id"`
				Format string `json:"format"`
			} `json:"value_schema"`
		}
		check(json.Unmarshal(sc.Bytes(), &l))
		if l.ValueDecoded["amount"] == nil || l.ValueDecoded["created_at"] == nil || l.ValueSchema.ID == 0 {
			check(fmt.Errorf("decoded export: a line without the decoded record: %s", sc.Text()))
		}
		lines++
	}
	if lines != limit {
		check(fmt.Errorf("decoded export --limit %d: %d lines", limit, lines))
	}
	fmt.Printf("checked: the decoded export's first %d lines carry value_decoded and value_schema\n", limit)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		runner.Kill()
		os.Exit(1)
	}
}

// usage is what /usr/bin/time -v reports of a command: its peak RSS in
// MiB and its CPU time (user + system) in seconds.
type usage struct{ rss, cpu float64 }

// runner runs the commands compared, one at a time.
var runner timed.Runner

// run runs a command under /usr/bin/time -v (stdout to /dev/null) and
// returns its wall time and what it cost.
func run(args []string) (time.Duration, usage) {
	u, err := runner.Run(args)
	check(err)
	return u.Wall, usage{rss: u.RSS, cpu: u.CPU}
}
