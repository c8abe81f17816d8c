package nats_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// fill publishes n small messages to subject without waiting for each ack.
func fill(t *testing.T, js jetstream.JetStream, subject string, n int) {
	t.Helper()
	ctx := ctxT(t)
	for i := range n {
		if _, err := js.PublishAsync(subject, fmt.Appendf(nil, "msg %d", i)); err != nil {
			t.Fatalf("publish %s #%d: %v", subject, i, err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("the publishes were not acknowledged")
	}
}

// readAcrossDelete reads one batch of a bounded read of stream, lets
// change (a delete) happen while the read waits for its reader, then
// reads on to the end: it returns how many messages came and the error
// the read ended with. A read that does not end fails the test when its
// context runs out, instead of hanging.
func readAcrossDelete(t *testing.T, c *mqnats.Conn, stream string, change func(ctx context.Context)) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sub, err := c.Read(ctx, stream, sources.ReadOptions{InFlight: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	first, err := sub.Next(ctx, 10)
	if err != nil || len(first) == 0 {
		t.Fatalf("first batch: %d messages, %v", len(first), err)
	}
	change(ctx)
	got := len(first)
	for {
		b, err := sub.Next(ctx, 1000)
		got += len(b)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the read did not end after its stream was deleted (%d messages read)", got)
		}
		if err != nil {
			return got, err
		}
	}
}

// deletedOf checks that err is an IncompleteError whose one range runs
// from after the last message read to the end, because stream was
// deleted (replaced: and created again) after read of total messages.
func deletedOf(t *testing.T, err error, stream string, read, total int, replaced bool) {
	t.Helper()
	inc, ok := sources.AsIncomplete(err)
	if !ok || len(inc.Unread) != 1 {
		t.Fatalf("the read ended with %v, want an IncompleteError of one range", err)
	}
	u := inc.Unread[0]
	var del *sources.StreamDeletedError
	if !errors.As(u.Why, &del) || !errors.Is(u.Why, sources.ErrUnknownStream) {
		t.Fatalf("range %+v: why %v, want a StreamDeletedError", u, u.Why)
	}
	if u.Stream != stream || u.Partition != sources.NoPartition || u.From != int64(read)+1 || u.To != int64(total) {
		t.Fatalf("range %+v, want %s sequences %d-%d", u, stream, read+1, total)
	}
	if del.Stream != stream || del.Read != int64(read) || del.Of != int64(total) || del.Replaced != replaced {
		t.Fatalf("why %+v, want %d of %d read (replaced %v)", del, read, total, replaced)
	}
	what := "was deleted during the read"
	if replaced {
		what = "was deleted and created again during the read"
	}
	if want := fmt.Sprintf("stream %s %s: %d of %d messages read", stream, what, read, total); !strings.Contains(inc.Error(), want) {
		t.Fatalf("%q does not say %q", inc.Error(), want)
	}
}

// TestReadEndsWhenItsStreamIsDeleted: a bounded read (an ordered
// consumer) whose stream is deleted while it waits for its reader ends,
// saying the stream was deleted and what it read, instead of waiting on.
func TestReadEndsWhenItsStreamIsDeleted(t *testing.T) {
	const total = 5000
	c := open(t)
	js := c.JetStream()
	_, name := plainStream(t, js, "RDEL")
	fill(t, js, name+".x", total)
	got, err := readAcrossDelete(t, c, name, func(ctx context.Context) {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Fatal(err)
		}
	})
	if got >= total {
		t.Fatalf("read all %d messages of a stream deleted after the first batch", got)
	}
	deletedOf(t, err, name, got, total, false)
}

// TestReadEndsWhenItsStreamIsReplaced: a bounded read whose stream is
// deleted and created again, with fewer messages than the read was to
// read, ends saying so.
func TestReadEndsWhenItsStreamIsReplaced(t *testing.T) {
	const total = 5000
	c := open(t)
	js := c.JetStream()
	_, name := plainStream(t, js, "RREP")
	fill(t, js, name+".x", total)
	got, err := readAcrossDelete(t, c, name, func(ctx context.Context) {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Fatal(err)
		}
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
			t.Fatal(err)
		}
		fill(t, js, name+".x", 3)
	})
	if got >= total {
		t.Fatalf("read %d messages of a stream of %d replaced after the first batch", got, total)
	}
	deletedOf(t, err, name, got, total, true)
}

// TestReadByGetEndsWhenItsStreamIsDeleted: a bounded read of a
// work-queue stream (by get) whose stream is deleted while it waits for
// its reader ends saying so.
func TestReadByGetEndsWhenItsStreamIsDeleted(t *testing.T) {
	const total = 3000
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			c := open(t)
			js := c.JetStream()
			name := uniq("WQDEL")
			newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Retention: jetstream.WorkQueuePolicy, AllowDirect: direct})
			fill(t, js, name+".job", total)
			got, err := readAcrossDelete(t, c, name, func(ctx context.Context) {
				if err := js.DeleteStream(ctx, name); err != nil {
					t.Fatal(err)
				}
			})
			if got >= total {
				t.Fatalf("read all %d messages of a stream deleted after the first batch", got)
			}
			deletedOf(t, err, name, got, total, false)
		})
	}
}
