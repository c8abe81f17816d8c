package rabbitmq

import (
	"context"
	"testing"
)

// TestQueueCost: what a read of a queue costs, from its arguments, its
// effective policy and the broker's default limit (RabbitMQ 4: 20).
func TestQueueCost(t *testing.T) {
	none := func(context.Context) (int64, error) { return 0, nil }
	twenty := func(context.Context) (int64, error) { return defaultDeliveryLimit4, nil }
	c := &Conn{}
	for _, tc := range []struct {
		name string
		q    Queue
		def  func(context.Context) (int64, error)
		want string // "" for no cost
	}{
		{"classic", Queue{Name: "c", Type: KindClassic, Arguments: map[string]any{"x-delivery-limit": 2.0}}, twenty, ""},
		{"stream", Queue{Name: "s", Type: KindStream}, twenty, ""},
		{"quorum without a limit on 3.x", Queue{Name: "q", Type: KindQuorum}, none, ""},
		{"quorum without a limit on 4.x", Queue{Name: "q", Type: KindQuorum}, twenty,
			"q is a quorum queue with RabbitMQ's default delivery limit 20: each read raises every message's delivery count by 1; a message past the limit is dropped (the queue has no dead-letter exchange)"},
		{"no limit on 4.x", Queue{Name: "q", Type: KindQuorum, Arguments: map[string]any{"x-delivery-limit": -1.0}}, twenty, ""},
		{"argument, dead-letter exchange", Queue{Name: "q", Type: KindQuorum, Arguments: map[string]any{"x-delivery-limit": 3.0, "x-dead-letter-exchange": "dlx"}}, none,
			`q is a quorum queue with x-delivery-limit 3: each read raises every message's delivery count by 1; a message past the limit is dead-lettered (through exchange "dlx")`},
		{"the policy's is lower", Queue{Name: "q", Type: KindQuorum, Arguments: map[string]any{"x-delivery-limit": 3.0}, Policy: "p", OperatorPolicy: "op",
			EffectivePolicy: map[string]any{"delivery-limit": 1.0, "dead-letter-exchange": ""}}, none,
			`q is a quorum queue with delivery-limit 1 (policy "p", "op"): each read raises every message's delivery count by 1; a message past the limit is dead-lettered (through the default exchange)`},
		{"the argument's is lower", Queue{Name: "q", Type: KindQuorum, Arguments: map[string]any{"x-delivery-limit": 3.0}, Policy: "p", EffectivePolicy: map[string]any{"delivery-limit": 5.0}}, none,
			"q is a quorum queue with x-delivery-limit 3: each read raises every message's delivery count by 1; a message past the limit is dropped (the queue has no dead-letter exchange)"},
	} {
		cost, err := c.queueCost(context.Background(), tc.q, tc.def)
		got := ""
		if cost != nil {
			got = cost.String()
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
}
