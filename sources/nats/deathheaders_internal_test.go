package nats

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// The death headers follow the message's own, replace those of an earlier
// death the stored message carries, and hold the reason a consumer gave
// its AckTerm when the advisory has one (servers from 2.10 on).
func TestWithDeathHeaders(t *testing.T) {
	at := time.Date(2026, 12, 2, 5, 0, 0, 123456789, time.FixedZone("x", 3600))
	a := advisory{Consumer: "payer", Deliveries: 1, Time: at, Reason: "unknown customer 42"}
	stored := []sources.Header{{Key: "x-tag", Value: []byte("a")}, {Key: HeaderDeathReason, Value: []byte("old")}, {Key: "x-n", Value: []byte("1")}}
	got := withDeath(stored, &a, ReasonTerminated)
	want := []string{"x-tag=a", "x-n=1", HeaderDeathReason + "=terminated", HeaderDeathConsumer + "=payer", HeaderDeathDeliveries + "=1",
		HeaderDeathTime + "=2026-12-02T04:00:00.123456789Z", HeaderDeathMessage + "=unknown customer 42"}
	if len(got) != len(want) {
		t.Fatalf("%d headers, want %d: %+v", len(got), len(want), got)
	}
	for i, h := range got {
		if h.Key+"="+string(h.Value) != want[i] {
			t.Fatalf("header %d: %s=%s, want %s", i, h.Key, h.Value, want[i])
		}
	}
	if string(stored[1].Value) != "old" || len(stored) != 3 {
		t.Fatal("withDeath changed the stored headers")
	}
}
