package nats_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// TestBoundedReadOfPurgedStreamEnds: a bounded read ends, never waits,
// when the stream is purged whole: before the read (its first sequence
// past its last, nothing new written: nothing read), and while the read
// waits for its reader, some messages read (it ends there, the rest
// recorded as purged away). A followed read to an end offset the stream
// has reached (tail --until) ends there too, purged or not, on a plain
// stream and a work queue.
func TestBoundedReadOfPurgedStreamEnds(t *testing.T) {
	const total = 20000
	c := open(t)
	js := c.JetStream()
	t.Run("purged before the read", func(t *testing.T) {
		s, name := plainStream(t, js, "le_purgedall")
		fill(t, js, name+".in", 5)
		if err := s.Purge(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, opts := range []sources.ReadOptions{
			{},
			{Start: sources.Start{Kind: sources.StartOffset, Offset: 2}},
			{Start: sources.Start{Kind: sources.StartLastN, N: 3}},
			{End: &sources.Start{Kind: sources.StartOffset, Offset: 4}},
		} {
			sub, err := c.Read(ctx, name, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sources.Drain(ctx, sub, 0)
			_ = sub.Close()
			if err != nil || len(got) != 0 {
				t.Fatalf("read %+v of the purged stream: %d messages, %v", opts, len(got), err)
			}
		}
	})
	t.Run("followed to an end the stream has reached", func(t *testing.T) {
		for _, retention := range []jetstream.RetentionPolicy{jetstream.LimitsPolicy, jetstream.WorkQueuePolicy} {
			name := uniq("le_until")
			s := newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".in"}, Retention: retention})
			fill(t, js, name+".in", 3)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			until := func(want int) {
				t.Helper()
				sub, err := c.Read(ctx, name, sources.ReadOptions{Follow: true, Start: sources.Start{Kind: sources.StartOldest},
					End: &sources.Start{Kind: sources.StartOffset, Offset: 3}})
				if err != nil {
					t.Fatal(err)
				}
				defer sub.Close()
				got, err := sources.Drain(ctx, sub, 0)
				if err != nil || len(got) != want {
					t.Fatalf("%v stream: tail --until offset:3 read %d messages (want %d), %v", retention, len(got), want, err)
				}
			}
			until(3)
			if err := s.Purge(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			until(0)
		}
	})
	t.Run("purged whole while read", func(t *testing.T) {
		s, name := plainStream(t, js, "le_purgedread")
		fill(t, js, name+".in", total)
		got, err := readAcrossDelete(t, c, name, func(ctx context.Context) {
			if err := s.Purge(ctx); err != nil {
				t.Fatal(err)
			}
		})
		if got <= 0 || got >= total {
			t.Fatalf("read %d of %d messages", got, total)
		}
		inc, ok := sources.AsIncomplete(err)
		if !ok || len(inc.Unread) != 1 {
			t.Fatalf("the read ended with %v, want an IncompleteError of one range", err)
		}
		u := inc.Unread[0]
		var trim *sources.StreamTrimmedError
		if !errors.As(u.Why, &trim) || trim.Stream != name || trim.Removed != int64(total-got) || u.From != int64(got)+1 || u.To != total {
			t.Fatalf("range %+v: why %#v, want sequences %d-%d, %d messages purged", u, u.Why, got+1, total, total-got)
		}
	})
}
