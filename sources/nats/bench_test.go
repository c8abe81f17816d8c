package nats_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// benchCount is a benchmark's message count: the named variable, else def.
func benchCount(b *testing.B, env string, def int) int {
	if v := os.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive count", env, v)
		}
		return n
	}
	return def
}

// BenchmarkRedrive redrives MQSCOPE_BENCH_REDRIVE_N dead letters (100,000
// by default; 256-byte values, the original's two headers and four
// provenance headers) to one subject, against plain nats.go loops of the
// same messages: published asynchronously without a Nats-Msg-Id (plain)
// and with one (plain-ids), waiting for the PubAcks at the end, and
// published one at a time with a Nats-Msg-Id, each waiting for its PubAck
// (sync-ids). Each op is one whole run; msgs/s is the rate.
func BenchmarkRedrive(b *testing.B) {
	n := benchCount(b, "MQSCOPE_BENCH_REDRIVE_N", 100_000)
	c := open(b)
	js := c.JetStream()
	name := uniq("BENCHRD")
	value := make([]byte, 256)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	dead := make([]sources.Message, n)
	for i := range dead {
		dead[i] = sources.Message{
			Stream: "DLQ", Partition: sources.NoPartition, Offset: int64(i + 1), Key: []byte(name + ".orders"), Value: value,
			Headers: []sources.Header{{Key: "x-tag", Value: []byte("bench")}, {Key: "x-n", Value: []byte(strconv.Itoa(i))}},
		}
	}
	// fresh is a new target stream for one run (so no run pays for the
	// duplicate-detection entries of another) and its subject; done
	// checks it holds every message and deletes it.
	fresh := func() (subject string, done func()) {
		tname := uniq("BENCHRDT")
		target, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: tname, Subjects: []string{tname + ".>"}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = js.DeleteStream(context.Background(), tname) }) // a run that failed midway
		return tname + ".retry", func() {
			got := streamMsgs(b, target)
			if err := js.DeleteStream(context.Background(), tname); err != nil {
				b.Fatal(err)
			}
			if got != uint64(n) {
				b.Fatalf("the target holds %d of %d", got, n)
			}
		}
	}

	nc, err := natsgo.Connect(serverURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	pjs, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ours := func() time.Duration {
		subject, done := fresh()
		id := uniq("bench")
		stored := time.Now() // each round's dead letters are new ones: their Nats-Msg-Ids are not the last round's
		for i := range dead {
			dead[i].Timestamp = stored
		}
		req := sources.RedriveRequest{ID: id, Source: "DLQ", Items: items(id, "DLQ", dead, subject, false)}
		written := 0
		start := time.Now()
		if err := c.Redrive(context.Background(), req, func(o sources.RedriveOutcome) {
			if o.Result == sources.RedriveWritten {
				written++
			}
		}); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		if written != n {
			b.Fatalf("%d of %d written", written, n)
		}
		done()
		return d
	}
	// plain publishes the same messages; withIDs gives each a Nats-Msg-Id
	// as the redrive does (the server's deduplication is then paid too).
	plain := func(withIDs bool) func() time.Duration {
		return func() time.Duration {
			subject, done := fresh()
			id := uniq("plain")
			its := items(id, "DLQ", dead, subject, false)
			start := time.Now()
			for k := range its {
				m := natsgo.NewMsg(subject)
				m.Data = its[k].Message.Value
				for _, h := range its[k].Headers {
					m.Header.Add(h.Key, string(h.Value))
				}
				var opts []jetstream.PublishOpt
				if withIDs {
					opts = append(opts, jetstream.WithMsgID(id+":"+strconv.Itoa(k)))
				}
				for {
					_, err := pjs.PublishMsgAsync(m, opts...)
					if err == nil {
						break
					}
					if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
						b.Fatal(err)
					}
					<-pjs.PublishAsyncComplete() // a loaded server: let the PubAcks catch up
				}
			}
			select {
			case <-pjs.PublishAsyncComplete():
			case <-time.After(time.Minute):
				b.Fatal("the plain loop's PubAcks did not come")
			}
			d := time.Since(start)
			done()
			return d
		}
	}
	// syncIDs publishes the same messages one at a time, each with a
	// Nats-Msg-Id, waiting for each PubAck before the next.
	syncIDs := func() time.Duration {
		subject, done := fresh()
		id := uniq("sync")
		its := items(id, "DLQ", dead, subject, false)
		start := time.Now()
		for k := range its {
			m := natsgo.NewMsg(subject)
			m.Data = its[k].Message.Value
			for _, h := range its[k].Headers {
				m.Header.Add(h.Key, string(h.Value))
			}
			if _, err := pjs.PublishMsg(context.Background(), m, jetstream.WithMsgID(id+":"+strconv.Itoa(k))); err != nil {
				b.Fatal(err)
			}
		}
		d := time.Since(start)
		done()
		return d
	}
	compare(b, n, ours, baseline{"plain", plain(false)}, baseline{"plain-ids", plain(true)}, baseline{"sync-ids", syncIDs})
}

// baseline is a run to compare with, by name.
type baseline struct {
	name string
	run  func() time.Duration
}

// compare runs ours and each baseline in turn, b.N rounds (the order
// rotated every round, so a machine shared with others loads all alike),
// and reports each one's rate and ours against each.
func compare(b *testing.B, n int, ours func() time.Duration, baselines ...baseline) {
	runs := append([]baseline{{"mqscope", ours}}, baselines...)
	took := make([]time.Duration, len(runs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range runs {
			j := (i + k) % len(runs)
			took[j] += runs[j].run()
		}
	}
	b.StopTimer()
	rate := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	for k, r := range runs {
		b.ReportMetric(rate(took[k]), r.name+"-msgs/s")
		if k > 0 {
			b.ReportMetric(rate(took[0])/rate(took[k]), "x-"+r.name)
		}
	}
}

// BenchmarkRead reads a stream of MQSCOPE_BENCH_READ_N messages (1,000,000
// by default, 128-byte values, two headers) to its end with Conn.Read,
// against `nats stream view` when the nats CLI is installed, else against
// a plain nats.go ordered-consumer loop that only counts what it is given.
func BenchmarkRead(b *testing.B) {
	n := benchCount(b, "MQSCOPE_BENCH_READ_N", 1_000_000)
	c := open(b)
	js := c.JetStream()
	_, name := plainStream(b, js, "BENCHREAD")
	value := make([]byte, 128)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	for i := 0; i < n; i++ {
		m := natsgo.NewMsg(name + ".events")
		m.Data = value
		m.Header.Set("x-tag", "bench")
		m.Header.Set("x-n", strconv.Itoa(i))
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
		if i%2000 == 1999 || i == n-1 { // the client holds at most 4000 unacknowledged
			select {
			case <-js.PublishAsyncComplete():
			case <-time.After(time.Minute):
				b.Fatal("the fill's PubAcks did not come")
			}
		}
	}

	ours := func() time.Duration {
		start := time.Now()
		sub, err := c.Read(context.Background(), name, sources.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			ms, err := sub.Next(context.Background(), 5000)
			got += len(ms)
			if err != nil {
				break
			}
		}
		_ = sub.Close()
		d := time.Since(start)
		if got != n {
			b.Fatalf("read %d of %d", got, n)
		}
		return d
	}
	if cli, err := exec.LookPath("nats"); err == nil {
		b.Log("baseline: nats stream view")
		compare(b, n, ours, baseline{"nats-stream-view", func() time.Duration {
			start := time.Now()
			cmd := exec.Command(cli, "--server", serverURL, "stream", "view", name, "--raw")
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			return time.Since(start)
		}})
		return
	}
	b.Log("baseline: a plain nats.go ordered-consumer loop (no nats CLI here)")
	compare(b, n, ours, baseline{"plain-ordered", func() time.Duration {
		start := time.Now()
		cons, err := js.OrderedConsumer(context.Background(), name, jetstream.OrderedConsumerConfig{})
		if err != nil {
			b.Fatal(err)
		}
		it, err := cons.Messages()
		if err != nil {
			b.Fatal(err)
		}
		for got := 0; got < n; got++ {
			m, err := it.Next()
			if err != nil {
				b.Fatal(err)
			}
			if md, err := m.Metadata(); err != nil || md.Sequence.Stream == 0 {
				b.Fatal(fmt.Errorf("metadata: %w", err))
			}
		}
		it.Stop()
		return time.Since(start)
	}})
}

// BenchmarkRedriveRemove redrives MQSCOPE_BENCH_REMOVE_N dead letters
// (20,000 by default) with Remove: each record is deleted from the source
// stream once its copy is acknowledged. It has no baseline; msgs/s is the
// rate of a redrive that empties a dead-letter stream.
func BenchmarkRedriveRemove(b *testing.B) {
	n := benchCount(b, "MQSCOPE_BENCH_REMOVE_N", 20_000)
	c := open(b)
	js := c.JetStream()
	target, name := plainStream(b, js, "BENCHRMT")
	source, sourceName := captureFor(b, js, name) // a dead-letter stream: a redrive removes only from one
	value := make([]byte, 256)
	var took time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := target.Purge(context.Background()); err != nil {
			b.Fatal(err)
		}
		seqs := make([]sources.Message, n)
		for k := range seqs {
			m := natsgo.NewMsg(mqnats.AdvisoryMaxDeliveries + "." + name + ".worker")
			m.Data = value
			f, err := js.PublishMsgAsync(m)
			if err != nil {
				b.Fatal(err)
			}
			if k%2000 == 1999 || k == n-1 {
				<-js.PublishAsyncComplete()
			}
			ack := <-f.Ok()
			seqs[k] = sources.Message{Stream: sourceName, Partition: sources.NoPartition, Offset: int64(ack.Sequence), Key: []byte(name + ".x"), Value: value}
		}
		id := uniq("rm")
		req := sources.RedriveRequest{ID: id, Source: sourceName, Items: items(id, sourceName, seqs, name+".x", true)}
		b.StartTimer()
		start := time.Now()
		written := 0
		if err := c.Redrive(context.Background(), req, func(o sources.RedriveOutcome) {
			if o.Result == sources.RedriveWritten {
				written++
			}
		}); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		b.StopTimer()
		if written != n {
			b.Fatalf("%d of %d written", written, n)
		}
		if streamMsgs(b, source) != 0 || streamMsgs(b, target) != uint64(n) {
			b.Fatal("the source is not empty or the target does not hold every copy")
		}
	}
	b.ReportMetric(float64(n*b.N)/took.Seconds(), "msgs/s")
}
