package redis_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestLocateFindsAnEmptyPendingView: a group's dead-letter view is found
// by name even with nothing pending (the listing leaves it out), a stream
// key as the listing shows it, and a view of a group the stream has not
// names the groups it has.
func TestLocateFindsAnEmptyPendingView(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("orders")
	e.fill(s, 2)
	if err := e.raw.XGroupCreate(e.ctx, s, "billing", "$").Err(); err != nil {
		t.Fatal(err)
	}
	view := redis.PendingName(s, "billing")
	st, err := e.conn.Locate(e.ctx, view)
	if err != nil || st.Name != view || st.Kind != redis.KindPending || !st.DeadLetter || st.DeadLetterFor != s || st.Messages != 0 {
		t.Fatalf("locate the empty view %s: %+v, %v", view, st, err)
	}
	if st, err := e.conn.Locate(e.ctx, s); err != nil || st.Name != s || st.Kind != redis.KindStream || st.Messages != 2 {
		t.Fatalf("locate the stream %s: %+v, %v", s, st, err)
	}
	_, err = e.conn.Locate(e.ctx, redis.PendingName(s, "shipping"))
	if !errors.Is(err, sources.ErrUnknownStream) || !strings.Contains(err.Error(), `has no such group (its groups: billing)`) {
		t.Fatalf("locate a view of a group not there: %v", err)
	}
	if _, err := e.conn.Locate(e.ctx, e.key("nothing")); !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("locate a key not there: %v", err)
	}
}
