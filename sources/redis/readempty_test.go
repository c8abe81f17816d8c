package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestBoundedReadOfAnEmptyStream: a bounded read of a stream that holds
// no entries when the read begins ends with no message and no error,
// from every start: a stream made by MKSTREAM and never written, and
// streams whose entries were all deleted (XDEL) or trimmed (XTRIM) before
// the read, which keep their last id and the count of entries they had
// ever had.
func TestBoundedReadOfAnEmptyStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(e *env, s string)
	}{
		{"made by MKSTREAM", func(e *env, s string) {
			if err := e.raw.XGroupCreateMkStream(e.ctx, s, "g", "$").Err(); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"all entries deleted", func(e *env, s string) {
			ids := e.fill(s, 3)
			if err := e.raw.XDel(e.ctx, s, ids...).Err(); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"all entries trimmed", func(e *env, s string) {
			e.fill(s, 3)
			if err := e.raw.XTrimMaxLen(e.ctx, s, 0).Err(); err != nil {
				e.t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, redis.Options{})
			s := e.key("empty")
			tc.make(e, s)
			if n := e.length(s); n != 0 {
				t.Fatalf("the stream holds %d entries, want none", n)
			}
			for _, st := range []sources.Start{
				{Kind: sources.StartOldest},
				{Kind: sources.StartLastN, N: 5},
				{Kind: sources.StartOffset, Offset: 0},
				{Kind: sources.StartTime, Time: time.Unix(0, 0)},
			} {
				ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
				sub, err := e.conn.Read(ctx, s, sources.ReadOptions{Start: st})
				if err != nil {
					cancel()
					t.Fatalf("start %+v: %v", st, err)
				}
				ms, err := sources.Drain(ctx, sub, 0)
				cancel()
				if err != nil || len(ms) != 0 {
					t.Fatalf("start %+v: read %d messages, ending with %v; want none and no error", st, len(ms), err)
				}
			}
		})
	}
}
