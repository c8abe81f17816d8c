package redis_test

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// BenchmarkRedrive100k moves 100,000 dead letters (pending entries of a
// group) to another stream: mqscope's redrive, each entry checked,
// copied, acknowledged in one script, against a plain go-redis pipeline
// loop doing XADD and XACK with none of those guarantees. The reads of
// the dead letters are not timed.
func BenchmarkRedrive100k(b *testing.B) {
	const n = 100000
	setup := func(e *env, it int) (string, []sources.Message) {
		b.StopTimer()
		defer b.StartTimer()
		s := e.key("orders")
		e.raw.Del(e.ctx, s, e.key("retry"))
		return s, e.deadLetters(s, n)
	}
	b.Run("mqscope", func(b *testing.B) {
		e := newEnv(b, redis.Options{})
		var took time.Duration
		for it := 0; it < b.N; it++ {
			s, ms := setup(e, it)
			req := sources.RedriveRequest{ID: e.prefix + "bench", Source: redis.PendingName(s, "g"), Items: items(ms, e.key("retry"), e.prefix+"bench", false)}
			tl := newTally()
			start := time.Now()
			if err := e.conn.Redrive(e.ctx, req, tl.report); err != nil || tl.written != n {
				b.Fatalf("%v %+v", err, tl)
			}
			took += time.Since(start)
		}
		b.ReportMetric(float64(n*b.N)/took.Seconds(), "entries/s")
	})
	b.Run("go-redis-pipeline", func(b *testing.B) {
		e := newEnv(b, redis.Options{})
		var took time.Duration
		for it := 0; it < b.N; it++ {
			s, ms := setup(e, it)
			its := items(ms, e.key("retry"), e.prefix+"bench", false)
			start := time.Now()
			for done := 0; done < len(its); done += 1000 {
				pipe := e.raw.Pipeline()
				for _, item := range its[done:min(len(its), done+1000)] {
					vals := make([]any, 0, 2*(len(item.Message.Headers)+len(item.Headers))+2)
					vals = append(vals, "value", item.Message.Value)
					for _, h := range item.Message.Headers {
						vals = append(vals, h.Key, h.Value)
					}
					for _, h := range item.Headers {
						vals = append(vals, h.Key, h.Value)
					}
					pipe.XAdd(e.ctx, &goredis.XAddArgs{Stream: e.key("retry"), Values: vals})
					pipe.XAck(e.ctx, s, "g", item.Message.ID)
				}
				if _, err := pipe.Exec(e.ctx); err != nil {
					b.Fatal(err)
				}
			}
			took += time.Since(start)
			if e.length(e.key("retry")) != n {
				b.Fatal("the loop lost entries")
			}
		}
		b.ReportMetric(float64(n*b.N)/took.Seconds(), "entries/s")
	})
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
					if line%5 == 0 {
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
