package redis_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestReadSkipsIdsNoOffsetHolds: entries whose ids do not pack into an
// Offset exactly (a sequence of 2^20 or more, a millisecond of 2^43 or
// more) are not shown at a clamped position another entry could have: the
// read skips them and says which and how many; the others read as they
// are, and such an id is refused as a position.
func TestReadSkipsIdsNoOffsetHolds(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("ids")
	for _, id := range []string{"1000-0", "1000-1048576", "1001-5000000", "1002-0", "10000000000000-1", "10000000000000-2"} {
		e.add(s, id, "value", id)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []string
	var offsets []int64
	var skipped []*redis.UnpackableIDsError
	for {
		b, err := sub.Next(ctx, 100)
		for _, m := range b {
			got = append(got, m.ID)
			offsets = append(offsets, m.Offset)
		}
		var u *redis.UnpackableIDsError
		switch {
		case errors.Is(err, sources.ErrEndOfStream):
		case errors.As(err, &u):
			skipped = append(skipped, u)
			continue
		case err != nil:
			t.Fatal(err)
		default:
			continue
		}
		break
	}
	if !slices.Equal(got, []string{"1000-0", "1002-0"}) || offsets[0] == offsets[1] {
		t.Fatalf("read %v at %v", got, offsets)
	}
	if len(skipped) != 1 || skipped[0].First != "1000-1048576" || skipped[0].Skipped != 4 || skipped[0].Stream != s {
		t.Fatalf("skipped %+v", skipped)
	}
	for _, id := range []string{"1000-1048576", "1001-5000000", "10000000000000-1"} {
		if off, ok := (redis.EntryIDs{}).Parse(id); ok {
			t.Errorf("position %s read as offset %d", id, off)
		}
	}
	if off, ok := (redis.EntryIDs{}).Parse("1002-0"); !ok || off != offsets[1] {
		t.Errorf("position 1002-0: %d %v, want %d", off, ok, offsets[1])
	}
}

// TestDeadLettersSkipIdsNoOffsetHolds: a group's dead letters whose ids
// do not pack into an Offset are skipped and named, as a read of the
// stream does.
func TestDeadLettersSkipIdsNoOffsetHolds(t *testing.T) {
	e := newEnv(t, redis.Options{MaxDeliveries: 1, MaxIdle: -1})
	s := e.key("ids")
	for _, id := range []string{"1000-0", "1001-5000000", "10000000000000-1"} {
		e.add(s, id, "value", id)
	}
	e.deliver(s, "g", "c1")
	for _, id := range []string{"1000-0", "1001-5000000", "10000000000000-1"} {
		e.claim(s, "g", "c2", id, 4, time.Minute)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, redis.PendingName(s, "g"), sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []string
	var skipped []*redis.UnpackableIDsError
	for {
		b, err := sub.Next(ctx, 100)
		for _, m := range b {
			got = append(got, m.ID)
		}
		var u *redis.UnpackableIDsError
		if errors.As(err, &u) {
			skipped = append(skipped, u)
			continue
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, []string{"1000-0"}) || len(skipped) != 1 || skipped[0].First != "1001-5000000" || skipped[0].Skipped != 2 {
		t.Fatalf("read %v, skipped %+v", got, skipped)
	}
}
