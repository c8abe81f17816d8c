package cmd

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
	mqnats "github.com/mqscope/mqscope/sources/nats"
	"github.com/mqscope/mqscope/sources/redis"
)

// testNATSURL is the NATS server (JetStream on) the tests use.
func testNATSURL() string {
	if u := os.Getenv("MQSCOPE_TEST_NATS"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// natsDemo seeds the NATS demo under names of the test's own (deleted
// when it ends) and returns them and a connection.
func natsDemo(t *testing.T) (demo.NATSNames, *mqnats.Conn) {
	t.Helper()
	testbroker.NATSAdvisories(t)
	ctx := context.Background()
	c, err := mqnats.Dial(ctx, mqnats.Options{URL: testNATSURL()})
	if err != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s (scripts/test starts it): %v", testNATSURL(), err)
	}
	names, err := demo.SeedNATS(ctx, demo.NATSOptions{URL: testNATSURL(), Prefix: fmt.Sprintf("mqscope-test-demo-%d", rand.IntN(1e9)), Seed: 4})
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
	return names, c
}

// TestRedriveTheNATSDemo: the NATS demo's dead letters redrive back to
// their original subject, once: a second run with the same id writes
// nothing again.
func TestRedriveTheNATSDemo(t *testing.T) {
	names, c := natsDemo(t)
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	code, out, errOut := run(t, "--nats", testNATSURL(), "redrive", names.DeadLetters, "--yes", "--id", "rd-nats-demo")
	if code != 0 {
		t.Fatalf("redrive: exit %d: %s\n%s", code, errOut, out)
	}
	if !strings.Contains(out+errOut, names.Subjects+".created") {
		t.Fatalf("the plan does not name the original subject:\n%s\n%s", out, errOut)
	}
	orders := testbroker.ReadAll(t, c, names.Orders)
	copies := 0
	for _, m := range orders {
		if m.Redriven != nil {
			copies++
			if m.Redriven.Source != names.DeadLetters || string(m.Key) != names.Subjects+".created" {
				t.Fatalf("copy %+v (%+v)", m, m.Redriven)
			}
		}
	}
	if len(orders) != 49 || copies != 9 {
		t.Fatalf("the orders stream holds %d messages, %d of them copies", len(orders), copies)
	}
	if code, out, errOut := run(t, "--nats", testNATSURL(), "redrive", names.DeadLetters, "--yes", "--id", "rd-nats-demo"); code != 0 {
		t.Fatalf("redrive again: exit %d: %s\n%s", code, errOut, out)
	}
	if again := testbroker.ReadAll(t, c, names.Orders); len(again) != 49 {
		t.Fatalf("a second run wrote again: %d messages", len(again))
	}
}

// TestRedriveTheRedisDemo: the Redis demo's pending dead letters go back
// to the orders stream (and leave the pending list), the payments' dead
// letters to the payments stream.
func TestRedriveTheRedisDemo(t *testing.T) {
	_, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	names, err := demo.SeedRedis(ctx, demo.RedisOptions{URL: testbroker.RedisURL(), Prefix: prefix + "demo", Seed: 4})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	pending := redis.PendingName(names.Orders, demo.RedisConsumerGroup)
	for _, dlq := range []string{pending, names.PaymentsDLQ} {
		if code, out, errOut := run(t, "--redis", testbroker.RedisURL(), "redrive", dlq, "--yes"); code != 0 {
			t.Fatalf("redrive %s: exit %d: %s\n%s", dlq, code, errOut, out)
		}
	}
	c, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: names.Match})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	count := func(stream string) (all, copies int) {
		for _, m := range testbroker.ReadAll(t, c, stream) {
			all++
			if m.Redriven != nil {
				copies++
			}
		}
		return all, copies
	}
	if all, copies := count(names.Orders); all != 46 || copies != 6 { // each dead letter stays in the stream (acknowledged in its group) beside its copy
		t.Fatalf("orders: %d entries, %d copies", all, copies)
	}
	if all, copies := count(names.Payments); all != 22 || copies != 6 {
		t.Fatalf("payments: %d entries, %d copies", all, copies)
	}
	if left := testbroker.ReadAll(t, c, pending); len(left) != 0 {
		t.Fatalf("%d dead letters still pending", len(left))
	}
}
