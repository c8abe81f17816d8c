package demo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestSeedRabbit seeds the RabbitMQ demo into a vhost of its own on the real
// server and checks that the broker itself dead-lettered the messages.
func TestSeedRabbit(t *testing.T) {
	base, api := testbroker.RabbitURLs()
	vhost := fmt.Sprintf("mqscope-test-demo-%d", rand.IntN(1e6))
	ctx := context.Background()
	url, err := demo.SeedRabbit(ctx, demo.RabbitOptions{URL: base, Vhost: vhost, Seed: 1})
	if err != nil {
		t.Fatalf("seed (scripts/test starts RabbitMQ with its management API): %v", err)
	}
	m, _ := rabbitmq.NewManagement(api, "", "")
	t.Cleanup(func() {
		_ = m.DeleteVhost(context.Background(), vhost)
		m.Close()
	})
	c, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var streams map[string]sources.StreamInfo
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		list, err := c.ListStreams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		streams = map[string]sources.StreamInfo{}
		for _, s := range list {
			streams[s.Name] = s
		}
		if streams["notifications.dlq"].Messages == 8 && streams["orders.parking"].Messages == 8 {
			break
		}
	}
	for name, serves := range map[string]string{"orders.parking": "orders.work", "payments.dlq": "payments.work", "notifications.dlq": "notifications.retry"} {
		if s := streams[name]; !s.DeadLetter || s.DeadLetterFor != serves {
			t.Errorf("%s: %+v, want a DLQ of %s", name, s, serves)
		}
	}
	for _, tc := range []struct {
		dlq, origin, reason string
		n                   int
	}{{"orders.parking", "orders.work", "rejected", 8}, {"payments.dlq", "payments.work", "delivery_limit", 3}, {"notifications.dlq", "notifications.retry", "expired", 8}} {
		sub, err := c.Read(ctx, tc.dlq, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
		if err != nil {
			t.Fatal(err)
		}
		var got []sources.Message
		for {
			b, err := sub.Next(ctx, 100)
			got = append(got, b...)
			if err != nil {
				break
			}
		}
		sub.Close()
		if len(got) != tc.n {
			t.Fatalf("%s: %d messages, want %d", tc.dlq, len(got), tc.n)
		}
		for _, m := range got {
			if d := m.DeadLetter; d == nil || d.OriginStream != tc.origin || d.Reason != tc.reason {
				t.Fatalf("%s: %+v", tc.dlq, m.DeadLetter)
			}
		}
	}
}
