package redis_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestReadSaysEntriesWereTrimmedAway: a stream trimmed (XTRIM MAXLEN)
// past a bounded read's position while the read waits for its reader
// ends the read with an IncompleteError whose range runs from after the
// last entry read before the trim to the last entry trimmed, counting
// them; the entries the trim kept are read. Entries deleted before the
// read began, and a trim of entries already read, are no such range.
func TestReadSaysEntriesWereTrimmedAway(t *testing.T) {
	const total, kept = 20000, 1000
	t.Run("trimmed past the read", func(t *testing.T) {
		e := newEnv(t, redis.Options{})
		s := e.key("trimmed")
		ids := e.fill(s, total)
		got, err := e.readAcross(s, func() {
			if err := e.raw.XTrimMaxLen(e.ctx, s, kept).Err(); err != nil {
				e.t.Fatal(err)
			}
		})
		before := got - kept // read before the trim
		if before <= 0 || before >= total-kept {
			t.Fatalf("read %d entries: %d before the trim", got, before)
		}
		inc, ok := sources.AsIncomplete(err)
		if !ok || len(inc.Unread) != 1 {
			t.Fatalf("the read ended with %v, want an IncompleteError of one range", err)
		}
		u := inc.Unread[0]
		var trim *sources.StreamTrimmedError
		if !errors.As(u.Why, &trim) || trim.Stream != s || trim.Unit != "entries" || trim.Removed != int64(total-got) {
			t.Fatalf("range %+v: why %#v, want %d entries trimmed", u, u.Why, total-got)
		}
		if u.Stream != s || u.Partition != sources.NoPartition || u.From <= mustOffset(t, ids[before-1]) || u.From > mustOffset(t, ids[before]) || u.To < mustOffset(t, ids[total-kept-1]) || u.To >= mustOffset(t, ids[total-kept]) {
			t.Fatalf("range %+v, want %s from after %s to %s", u, s, ids[before-1], ids[total-kept-1])
		}
		want := fmt.Sprintf("%s: entry ids %s to %s not read: %d entries removed from the stream (trimmed/purged, or by its limits) while it was read",
			s, redis.EntryIDs{}.Format(u.From), redis.EntryIDs{}.Format(u.To), total-got)
		if !strings.Contains(inc.Error(), want) {
			t.Fatalf("%q does not say %q", inc.Error(), want)
		}
	})
	t.Run("deleted before the read", func(t *testing.T) {
		e := newEnv(t, redis.Options{})
		s := e.key("holes")
		ids := e.fill(s, total)
		if err := e.raw.XDel(e.ctx, s, ids[5000:9000]...).Err(); err != nil {
			t.Fatal(err)
		}
		if err := e.raw.XTrimMaxLen(e.ctx, s, total-4000-100).Err(); err != nil { // the first entry rose before the read
			t.Fatal(err)
		}
		got, err := e.readAcross(s, func() {})
		if err != nil || got != total-4000-100 {
			t.Fatalf("read %d entries (want %d), ending with %v", got, total-4000-100, err)
		}
	})
	t.Run("read entries trimmed", func(t *testing.T) {
		e := newEnv(t, redis.Options{})
		s := e.key("behind")
		ids := e.fill(s, total)
		got, err := e.readAcross(s, func() {
			if err := e.raw.XTrimMinID(e.ctx, s, ids[5]).Err(); err != nil {
				e.t.Fatal(err)
			}
		})
		if err != nil || got != total {
			t.Fatalf("read %d entries (want %d), ending with %v", got, total, err)
		}
	})
}
