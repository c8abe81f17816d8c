package redis_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestReadKeepsExactIdsNoOffsetHolds: entries whose ids do not pack into
// an Offset exactly (a sequence of 2^20 or more, a millisecond of 2^43 or
// more) are read with their exact ids beside a clamped position, in the
// stream's order, and the read says which and how many; the export line
// writes the exact id as the position; such an id is refused as a
// position to start at.
func TestReadKeepsExactIdsNoOffsetHolds(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("ids")
	ids := []string{"1000-0", "1000-12", "1000-1048575", "1000-1048576", "1001-5000000", "1001-18446744073709551615", "1002-0", "10000000000000-1", "10000000000000-2"}
	for _, id := range ids {
		e.add(s, id, "value", id)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []sources.Message
	var notices []*redis.InexactIDsNotice
	for {
		b, err := sub.Next(ctx, 100)
		got = append(got, b...)
		var u *redis.InexactIDsNotice
		switch {
		case errors.Is(err, sources.ErrEndOfStream):
		case errors.As(err, &u):
			if !errors.Is(err, sources.ErrNotice) {
				t.Fatalf("%v is no notice", err)
			}
			notices = append(notices, u)
			continue
		case err != nil:
			t.Fatal(err)
		default:
			continue
		}
		break
	}
	if len(got) != len(ids) {
		t.Fatalf("read %d of %d entries", len(got), len(ids))
	}
	for i, m := range got {
		if m.ID != ids[i] || !m.IDPosition || m.Position() != ids[i] || string(m.Value) != ids[i] || i > 0 && m.Offset < got[i-1].Offset {
			t.Fatalf("entry %d: id %q position %q offset %d value %q", i, m.ID, m.Position(), m.Offset, m.Value)
		}
		line := string(capture.AppendRecord(nil, &m))
		if !strings.Contains(line, `"position":"`+ids[i]+`"`) {
			t.Fatalf("the export line of %s: %s", ids[i], line)
		}
	}
	if got[1].Offset == got[0].Offset || got[2].Offset == got[1].Offset || got[6].Offset <= got[5].Offset {
		t.Fatalf("exact ids share a position: %d %d %d", got[0].Offset, got[1].Offset, got[2].Offset)
	}
	if len(notices) != 1 || notices[0].First != "1000-1048576" || notices[0].Count != 5 || notices[0].Stream != s {
		t.Fatalf("notices %+v", notices)
	}
	for _, id := range []string{"1000-1048576", "1001-5000000", "10000000000000-1"} {
		if off, ok := (redis.EntryIDs{}).Parse(id); ok {
			t.Errorf("position %s read as offset %d", id, off)
		}
	}
	for _, i := range []int{1, 2, 6} {
		if off, ok := (redis.EntryIDs{}).Parse(ids[i]); !ok || off != got[i].Offset || (redis.EntryIDs{}).Format(off) != ids[i] {
			t.Errorf("position %s: %d %v, want %d", ids[i], off, ok, got[i].Offset)
		}
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
