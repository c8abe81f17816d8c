package redis_test

import (
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveEntriesOfManyFields: entries of more pairs than one Lua
// unpack takes, next to small ones in the same script call, are moved
// whole from a dead-letter stream (XADD and XDEL), once.
func TestRedriveEntriesOfManyFields(t *testing.T) {
	e := newEnv(t, redis.Options{})
	src, target := e.key("orders.dlq"), e.key("orders")
	sizes := []int{1, 12000, 3999, 2}
	for _, n := range sizes {
		pairs := make([]string, 0, 2*n)
		for i := 0; i < n; i++ {
			pairs = append(pairs, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
		}
		e.add(src, "*", pairs...)
	}
	ms := e.read(src, sources.ReadOptions{})
	req := sources.RedriveRequest{ID: e.prefix + "big", Source: src, Items: items(ms, target, e.prefix+"big", true)}
	for run := 0; run < 2; run++ {
		tl := newTally()
		if err := e.conn.Redrive(e.ctx, req, tl.report); err != nil {
			t.Fatal(err)
		}
		if run == 0 && tl.written != len(sizes) || run == 1 && tl.done != len(sizes) {
			t.Fatalf("run %d: %+v %v", run, tl, tl.errs)
		}
	}
	if e.length(src) != 0 || e.length(target) != int64(len(sizes)) {
		t.Fatalf("dlq %d target %d", e.length(src), e.length(target))
	}
	copies, err := e.raw.XRange(e.ctx, target, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range sizes {
		if got := len(copies[k].Values); got != n+4 {
			t.Fatalf("copy %d: %d fields, want %d and the provenance", k, got, n)
		}
		for i := 0; i < n; i++ {
			if v := copies[k].Values[fmt.Sprintf("f%d", i)]; v != fmt.Sprintf("v%d", i) {
				t.Fatalf("copy %d field f%d: %v", k, i, v)
			}
		}
	}
}
