package demo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	mqnats "github.com/mqscope/mqscope/sources/nats"
	"github.com/mqscope/mqscope/sources/redis"
)

// natsURL is the NATS server (JetStream on) the tests use.
func natsURL() string {
	if u := os.Getenv("MQSCOPE_TEST_NATS"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// streamsByName lists a connection's streams by name.
func streamsByName(t *testing.T, l sources.Lister) map[string]sources.StreamInfo {
	t.Helper()
	list, err := l.ListStreams(context.Background())
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	out := map[string]sources.StreamInfo{}
	for _, s := range list {
		out[s.Name] = s
	}
	return out
}

// TestSeedNATS seeds the NATS demo under names of its own on the real
// server: the orders stream holds the orders, and its dead-letter stream
// the advisories the server wrote for the orders the consumer failed,
// each read as its original order with its provenance.
func TestSeedNATS(t *testing.T) {
	ctx := context.Background()
	testbroker.NATSAdvisories(t)
	prefix := fmt.Sprintf("mqscope-test-demo-%d", rand.IntN(1e9))
	names, err := demo.SeedNATS(ctx, demo.NATSOptions{URL: natsURL(), Prefix: prefix, Seed: 1})
	c, dialErr := mqnats.Dial(ctx, mqnats.Options{URL: natsURL()})
	if dialErr != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s (scripts/test starts it): %v", natsURL(), dialErr)
	}
	t.Cleanup(func() {
		defer c.Close()
		for _, s := range []string{names.Orders, names.DeadLetters} {
			if err := c.JetStream().DeleteStream(context.Background(), s); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				t.Errorf("delete %s: %v", s, err)
			}
		}
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	streams := streamsByName(t, c)
	if o := streams[names.Orders]; o.Messages != 40 || o.DeadLetter || !o.Live {
		t.Fatalf("the orders stream: %+v", o)
	}
	d := streams[names.DeadLetters]
	if !d.DeadLetter || d.DeadLetterFor != names.Orders || d.Messages != 9 {
		t.Fatalf("the dead-letter stream: %+v", d)
	}
	got := testbroker.ReadAll(t, c, names.DeadLetters)
	reasons := map[string]int{}
	for _, m := range got {
		dl := m.DeadLetter
		if dl == nil || dl.OriginStream != names.Orders || dl.ConsumerGroup != names.Orders+"/"+demo.NATSConsumer || len(m.Value) == 0 {
			t.Fatalf("dead letter %+v (%+v)", m, dl)
		}
		reasons[dl.Reason]++
	}
	if reasons[mqnats.ReasonMaxDeliveries] != 5 || reasons[mqnats.ReasonTerminated] != 4 {
		t.Fatalf("reasons %v", reasons)
	}
	// Seeding again starts over.
	if _, err := demo.SeedNATS(ctx, demo.NATSOptions{URL: natsURL(), Prefix: prefix, Seed: 1}); err != nil {
		t.Fatalf("seed again: %v", err)
	}
	if again := streamsByName(t, c); again[names.Orders].Messages != 40 || again[names.DeadLetters].Messages != 9 {
		t.Fatalf("after a second seed: %+v / %+v", again[names.Orders], again[names.DeadLetters])
	}
}

// TestTrickleNATS: the trickle adds live orders until it is stopped.
func TestTrickleNATS(t *testing.T) {
	ctx := context.Background()
	testbroker.NATSAdvisories(t)
	prefix := fmt.Sprintf("mqscope-test-demo-%d", rand.IntN(1e9))
	names, err := demo.SeedNATS(ctx, demo.NATSOptions{URL: natsURL(), Prefix: prefix, Seed: 2})
	c, dialErr := mqnats.Dial(ctx, mqnats.Options{URL: natsURL()})
	if dialErr != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s: %v", natsURL(), dialErr)
	}
	t.Cleanup(func() {
		defer c.Close()
		_ = c.JetStream().DeleteStream(context.Background(), names.Orders)
		_ = c.JetStream().DeleteStream(context.Background(), names.DeadLetters)
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	tctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- demo.TrickleNATS(tctx, natsURL(), names, 10*time.Millisecond) }()
	for deadline := time.Now().Add(20 * time.Second); streamsByName(t, c)[names.Orders].Messages < 43; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the trickle added no orders")
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("trickle: %v", err)
	}
}

// TestSeedRedis seeds the Redis demo under keys of its own on the real
// server: the group's orders past the delivery limit are its dead
// letters, and the payments' dead-letter stream holds entries with their
// provenance.
func TestSeedRedis(t *testing.T) {
	ctx := context.Background()
	_, prefix := testbroker.RedisKeys(t)
	names, err := demo.SeedRedis(ctx, demo.RedisOptions{URL: testbroker.RedisURL(), Prefix: prefix + "demo", Seed: 1})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	c, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: names.Match})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	streams := streamsByName(t, c)
	pending := redis.PendingName(names.Orders, demo.RedisConsumerGroup)
	if o := streams[names.Orders]; o.Messages != 40 || o.DeadLetter || !o.Live {
		t.Fatalf("the orders stream: %+v", o)
	}
	if p := streams[pending]; !p.DeadLetter || p.DeadLetterFor != names.Orders || p.Messages != 6 {
		t.Fatalf("the group's dead letters: %+v", p)
	}
	if d := streams[names.PaymentsDLQ]; !d.DeadLetter || d.DeadLetterFor != names.Payments || d.Messages != 6 {
		t.Fatalf("the payments' dead-letter stream: %+v", d)
	}
	for _, m := range testbroker.ReadAll(t, c, pending) {
		if d := m.DeadLetter; d == nil || d.Scheme != "redis-pending" || d.Count != 4 || d.ConsumerGroup != demo.RedisConsumerGroup || d.OriginStream != names.Orders {
			t.Fatalf("pending dead letter %+v (%+v)", m, m.DeadLetter)
		}
	}
	for _, m := range testbroker.ReadAll(t, c, names.PaymentsDLQ) {
		if d := m.DeadLetter; d == nil || d.OriginStream != names.Payments || d.ExceptionClass == "" || d.ExceptionMessage == "" {
			t.Fatalf("payment dead letter %+v (%+v)", m, m.DeadLetter)
		}
	}
	if _, err := demo.SeedRedis(ctx, demo.RedisOptions{URL: testbroker.RedisURL(), Prefix: prefix + "demo", Seed: 1}); err != nil {
		t.Fatalf("seed again: %v", err)
	}
	if again := streamsByName(t, c); again[names.Orders].Messages != 40 || again[pending].Messages != 6 || again[names.PaymentsDLQ].Messages != 6 {
		t.Fatalf("after a second seed: %+v", again)
	}
}
