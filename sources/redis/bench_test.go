package redis_test

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// BenchmarkRedrive100k moves 100,000 dead letters (pending entries of a
// group, delivered 4 times) to another stream, two ways taking turns on
// fresh data each iteration, so both see the same machine: mqscope's
// redrive (each entry checked, copied and acknowledged in one script)
// and a plain go-redis pipeline loop doing XADD and XACK, 1,000 entries a
// round trip, with none of those guarantees. The reads of the dead
// letters are not timed. It reports both rates, their ratio and the
// server's time an entry (INFO commandstats).
func BenchmarkRedrive100k(b *testing.B) {
	const n = 100000
	e := newEnv(b, redis.Options{})
	s, target := e.key("orders"), e.key("retry")
	setup := func() []sources.Message {
		b.StopTimer()
		defer b.StartTimer()
		e.raw.Del(e.ctx, s, target)
		return e.deadLetters(s, n)
	}
	var ours, plain time.Duration
	var oursServer, plainServer float64
	for it := 0; it < b.N; it++ {
		ms := setup()
		req := sources.RedriveRequest{ID: e.prefix + "bench", Source: redis.PendingName(s, "g"), Items: items(ms, target, e.prefix+"bench", false)}
		tl := newTally()
		before := e.serverMicros("evalsha")
		start := time.Now()
		if err := e.conn.Redrive(e.ctx, req, tl.report); err != nil || tl.written != n {
			b.Fatalf("%v %+v", err, tl)
		}
		ours += time.Since(start)
		oursServer += e.serverMicros("evalsha") - before

		ms = setup()
		its := items(ms, target, e.prefix+"bench", false)
		before = e.serverMicros("xadd", "xack")
		start = time.Now()
		for done := 0; done < len(its); done += 1000 {
			pipe := e.raw.Pipeline()
			for _, item := range its[done:min(len(its), done+1000)] {
				vals := make([]any, 0, 2*len(item.Headers)+2)
				vals = append(vals, "value", item.Message.Value)
				for _, h := range item.Headers {
					vals = append(vals, h.Key, h.Value)
				}
				pipe.XAdd(e.ctx, &goredis.XAddArgs{Stream: target, Values: vals})
				pipe.XAck(e.ctx, s, "g", item.Message.ID)
			}
			if _, err := pipe.Exec(e.ctx); err != nil {
				b.Fatal(err)
			}
		}
		plain += time.Since(start)
		plainServer += e.serverMicros("xadd", "xack") - before
		if e.length(target) != n {
			b.Fatal("the loop lost entries")
		}
	}
	total := float64(n * b.N)
	b.ReportMetric(total/ours.Seconds(), "mqscope-entries/s")
	b.ReportMetric(total/plain.Seconds(), "pipeline-entries/s")
	b.ReportMetric(plain.Seconds()/ours.Seconds(), "ratio")
	b.ReportMetric(oursServer/total, "mqscope-server-µs/entry")
	b.ReportMetric(plainServer/total, "pipeline-server-µs/entry")
}

// serverMicros is the server's time (usec) in the named commands so far
// (INFO commandstats; the server's other users add to it).
func (e *env) serverMicros(cmds ...string) float64 {
	e.t.Helper()
	info, err := e.raw.Info(e.ctx, "commandstats").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	total := 0.0
	for _, line := range strings.Split(info, "\n") {
		for _, c := range cmds {
			rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+c+":")
			if !ok {
				continue
			}
			for _, f := range strings.Split(rest, ",") {
				if v, ok := strings.CutPrefix(f, "usec="); ok {
					x, _ := strconv.ParseFloat(v, 64)
					total += x
				}
			}
		}
	}
	return total
}

// BenchmarkRead1M reads a stream of 1,000,000 entries from the start to
// its end: mqscope's bounded read (XRANGE pages, each entry a Message)
// against redis-cli paging the same stream with XRANGE, 10,000 entries a
// call, its output read as it comes.
func BenchmarkRead1M(b *testing.B) {
	const n = 1000000
	e := newEnv(b, redis.Options{})
	s := e.key("big")
	b.StopTimer()
	e.fill(s, n)
	b.StartTimer()
	b.Run("mqscope", func(b *testing.B) {
		for it := 0; it < b.N; it++ {
			start := time.Now()
			ctx, cancel := context.WithTimeout(e.ctx, 5*time.Minute)
			sub, err := e.conn.Read(ctx, s, sources.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for {
				batch, err := sub.Next(ctx, 5000)
				got += len(batch)
				if err != nil {
					break
				}
			}
			sub.Close()
			cancel()
			if got != n {
				b.Fatalf("read %d of %d", got, n)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "entries/s")
		}
	})
	b.Run("redis-cli", func(b *testing.B) {
		if _, err := exec.LookPath("redis-cli"); err != nil {
			b.Fatalf("redis-cli is not installed (it comes with redis-server): %v", err)
		}
		for it := 0; it < b.N; it++ {
			start := time.Now()
			got, from := 0, "-"
			for {
				out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", "6379", "XRANGE", s, from, "+", "COUNT", "10000").Output()
				if err != nil {
					b.Fatal(err)
				}
				// The raw output is one line an element: id, then 4 lines of pairs.
				page, last := 0, ""
				sc := bufio.NewScanner(bytes.NewReader(out))
				for line := 0; sc.Scan(); line++ {
					if line%5 == 0 && sc.Text() != "" { // an empty page is one empty line
						last = sc.Text()
						page++
					}
				}
				got += page
				if page < 10000 || strings.TrimSpace(last) == "" {
					break
				}
				from = "(" + last
			}
			if got != n {
				b.Fatalf("redis-cli read %d of %d", got, n)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "entries/s")
		}
	})
}
