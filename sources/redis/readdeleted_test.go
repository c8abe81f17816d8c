package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// readAcross reads one batch of a bounded read of stream, lets change
// happen while the read waits for its reader, then reads on to the end:
// it returns how many entries came and the error the read ended with (nil
// at its end). A read that does not end fails the test when its context
// runs out, instead of hanging.
func (e *env) readAcross(stream string, change func()) (int, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	sub, err := e.conn.Read(ctx, stream, sources.ReadOptions{InFlight: 64 << 10})
	if err != nil {
		e.t.Fatal(err)
	}
	defer sub.Close()
	first, err := sub.Next(ctx, 10)
	if err != nil || len(first) == 0 {
		e.t.Fatalf("first batch: %d entries, %v", len(first), err)
	}
	change()
	got := len(first)
	for {
		b, err := sub.Next(ctx, 1000)
		got += len(b)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			e.t.Fatalf("the read did not end (%d entries read)", got)
		case errors.Is(err, sources.ErrEndOfStream):
			return got, nil
		case err != nil:
			return got, err
		}
	}
}

// TestReadSaysItsStreamWasDeleted: a bounded read (XRANGE pages) of a
// stream deleted while it waits for its reader, or deleted and created
// again with fewer entries, ends with an IncompleteError whose range runs
// from after the last entry read to the read's end, saying the stream was
// deleted and how many entries were read; entries deleted from its end
// (XDEL) only end it sooner.
func TestReadSaysItsStreamWasDeleted(t *testing.T) {
	const total = 20000
	for _, tc := range []struct {
		name     string
		change   func(e *env, s string)
		replaced bool
	}{
		{"deleted", func(e *env, s string) {
			if err := e.raw.Del(e.ctx, s).Err(); err != nil {
				e.t.Fatal(err)
			}
		}, false},
		{"replaced", func(e *env, s string) {
			// At once (MULTI): the read never sees the stream missing.
			if _, err := e.raw.TxPipelined(e.ctx, func(p goredis.Pipeliner) error {
				p.Del(e.ctx, s)
				for i := range 3 {
					p.XAdd(e.ctx, &goredis.XAddArgs{Stream: s, Values: []any{"value", fmt.Sprint(i)}})
				}
				return nil
			}); err != nil {
				e.t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, redis.Options{})
			s := e.key("many")
			ids := e.fill(s, total)
			got, err := e.readAcross(s, func() { tc.change(e, s) })
			if got >= total {
				t.Fatalf("read all %d entries of a stream deleted after the first batch", got)
			}
			inc, ok := sources.AsIncomplete(err)
			if !ok || len(inc.Unread) != 1 {
				t.Fatalf("the read ended with %v, want an IncompleteError of one range", err)
			}
			u := inc.Unread[0]
			var del *sources.StreamDeletedError
			if !errors.As(u.Why, &del) || !errors.Is(u.Why, sources.ErrUnknownStream) {
				t.Fatalf("range %+v: why %v, want a StreamDeletedError", u, u.Why)
			}
			next, _ := redis.ParseID(ids[got])
			last, _ := redis.ParseID(ids[total-1])
			if u.Stream != s || u.Partition != sources.NoPartition || u.From > next.Offset() || u.From <= mustOffset(t, ids[got-1]) || u.To != last.Offset() {
				t.Fatalf("range %+v, want %s from after %s to %s", u, s, ids[got-1], ids[total-1])
			}
			if del.Stream != s || del.Read != int64(got) || del.Of != total || del.Replaced != tc.replaced || del.Unit != "entries" {
				t.Fatalf("why %+v, want %d of %d entries read (replaced %v)", del, got, total, tc.replaced)
			}
			what := "was deleted during the read"
			if tc.replaced {
				what = "was deleted and created again during the read"
			}
			if want := fmt.Sprintf("stream %s %s: %d of %d entries read", s, what, got, total); !strings.Contains(inc.Error(), want) {
				t.Fatalf("%q does not say %q", inc.Error(), want)
			}
			if want := fmt.Sprintf("%s: entry ids %s to %s not read", s, redis.EntryIDs{}.Format(u.From), ids[total-1]); !strings.Contains(inc.Error(), want) {
				t.Fatalf("%q does not say %q", inc.Error(), want)
			}
		})
	}
	t.Run("entries deleted", func(t *testing.T) {
		e := newEnv(t, redis.Options{})
		s := e.key("trimmed")
		ids := e.fill(s, total)
		got, err := e.readAcross(s, func() {
			if err := e.raw.XDel(e.ctx, s, ids[total-5:]...).Err(); err != nil {
				e.t.Fatal(err)
			}
		})
		if err != nil || got != total-5 {
			t.Fatalf("read %d entries (want %d), ending with %v", got, total-5, err)
		}
	})
}

// mustOffset is the Offset of an entry id.
func mustOffset(t *testing.T, id string) int64 {
	t.Helper()
	v, err := redis.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	return v.Offset()
}
