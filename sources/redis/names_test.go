package redis_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestKeyNamedLikeAView: a stream key named "S#pending:G" while stream S
// has group G: the plain name is refused naming both and how to address
// each; each is listed, read, located and redriven by its own name.
func TestKeyNamedLikeAView(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("orders")
	plain := redis.PendingName(s, "g")
	e.deadLetters(s, 2)
	e.add(plain, "*", "value", "a key of its own")
	keyName, viewName := redis.KeyName(plain), redis.ViewName(s, "g")

	_, err := e.conn.Read(e.ctx, plain, sources.ReadOptions{})
	var amb *redis.AmbiguousNameError
	if !errors.As(err, &amb) || len(amb.Meanings) != 2 || !strings.Contains(err.Error(), keyName) || !strings.Contains(err.Error(), viewName) {
		t.Fatalf("the plain name: %v", err)
	}
	if !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("not an unknown stream: %v", err)
	}
	if ms := e.read(keyName, sources.ReadOptions{}); len(ms) != 1 || string(ms[0].Value) != "a key of its own" {
		t.Fatalf("the key: %+v", ms)
	}
	ms := e.read(viewName, sources.ReadOptions{})
	if len(ms) != 2 || ms[0].DeadLetter == nil || ms[0].DeadLetter.ConsumerGroup != "g" || ms[0].Stream != viewName {
		t.Fatalf("the view: %+v", ms)
	}

	list, err := e.conn.ListStreams(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, si := range list {
		if _, dup := kinds[si.Name]; dup {
			t.Fatalf("two rows named %q", si.Name)
		}
		kinds[si.Name] = si.Kind
	}
	if kinds[keyName] != redis.KindStream || kinds[viewName] != redis.KindPending || kinds[plain] != "" {
		t.Fatalf("listed %v", kinds)
	}
	for _, n := range []string{keyName, viewName} {
		if si, err := e.conn.Locate(e.ctx, n); err != nil || si.Name != n {
			t.Fatalf("locate %q: %+v %v", n, si, err)
		}
	}
	if _, err := e.conn.Target(e.ctx, sources.Target{Stream: viewName}); !errors.Is(err, sources.ErrBadTarget) {
		t.Fatalf("a view's form as target: %v", err)
	}

	back := e.key("back")
	req := sources.RedriveRequest{ID: e.prefix + "r", Source: viewName, Items: items(ms, back, e.prefix+"r", false)}
	tl := newTally()
	if err := e.conn.Redrive(e.ctx, req, tl.report); err != nil || tl.written != 2 {
		t.Fatalf("redrive the view: %v %+v %v", err, tl, tl.errs)
	}
	if e.pendingCount(s, "g") != 0 || e.length(back) != 2 || e.length(plain) != 1 {
		t.Fatalf("pending %d, back %d, the key %d", e.pendingCount(s, "g"), e.length(back), e.length(plain))
	}
}
