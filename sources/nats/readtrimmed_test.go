package nats_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// TestReadSaysMessagesWerePurgedAway: a stream purged past a bounded
// read's position while the read waits for its reader ends the read
// with an IncompleteError whose range runs from after the last message
// read before the purge to the last one purged, counting them; the
// messages the purge kept are read. Sequences deleted before the read
// began, and a purge of messages already read, are no such range.
func TestReadSaysMessagesWerePurgedAway(t *testing.T) {
	const total, kept = 20000, 1000
	c := open(t)
	js := c.JetStream()
	t.Run("purged past the read", func(t *testing.T) {
		s, name := plainStream(t, js, "le_purged")
		fill(t, js, name+".in", total)
		got, err := readAcrossDelete(t, c, name, func(ctx context.Context) {
			if err := s.Purge(ctx, jetstream.WithPurgeKeep(kept)); err != nil {
				t.Fatal(err)
			}
		})
		before := got - kept
		if before <= 0 || before >= total-kept {
			t.Fatalf("read %d messages: %d before the purge", got, before)
		}
		inc, ok := sources.AsIncomplete(err)
		if !ok || len(inc.Unread) != 1 {
			t.Fatalf("the read ended with %v, want an IncompleteError of one range", err)
		}
		u := inc.Unread[0]
		var trim *sources.StreamTrimmedError
		if !errors.As(u.Why, &trim) || trim.Stream != name || trim.Removed != int64(total-got) {
			t.Fatalf("range %+v: why %#v, want %d messages purged", u, u.Why, total-got)
		}
		if u.Stream != name || u.Partition != sources.NoPartition || u.From != int64(before)+1 || u.To != total-kept {
			t.Fatalf("range %+v, want %s sequences %d-%d", u, name, before+1, total-kept)
		}
		want := fmt.Sprintf("%s: offsets %d-%d not read: %d messages removed from the stream (trimmed/purged, or by its limits) while it was read", name, before+1, total-kept, total-got)
		if !strings.Contains(inc.Error(), want) {
			t.Fatalf("%q does not say %q", inc.Error(), want)
		}
	})
	t.Run("deleted before the read, read ones purged", func(t *testing.T) {
		s, name := plainStream(t, js, "le_holes")
		fill(t, js, name+".in", total)
		ctx := ctxT(t)
		for seq := uint64(5000); seq < 5200; seq++ {
			if err := s.DeleteMsg(ctx, seq); err != nil {
				t.Fatal(err)
			}
		}
		got, err := readAcrossDelete(t, c, name, func(ctx context.Context) {
			if err := s.Purge(ctx, jetstream.WithPurgeSequence(5)); err != nil { // #1-#4, read already
				t.Fatal(err)
			}
		})
		if !errors.Is(err, sources.ErrEndOfStream) || got != total-200 {
			t.Fatalf("read %d messages (want %d), ending with %v", got, total-200, err)
		}
	})
}
