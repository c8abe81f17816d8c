package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// DemoPrefix begins the name of everything a broker demo creates.
const DemoPrefix = "mqscope-demo"

// NATSConsumer is the NATS demo's durable consumer that fails some orders.
const NATSConsumer = "fulfilment"

// NATSNames are the NATS demo's streams and subjects.
type NATSNames struct {
	// Orders is the orders stream ("mqscope-demo-orders").
	Orders string
	// DeadLetters is the stream capturing the dead-letter advisories of
	// Orders' consumers: its dead-letter stream ("mqscope-demo-dead-letters").
	DeadLetters string
	// Subjects prefixes the orders' subjects ("mqscope-demo.orders").
	Subjects string
}

// NATSNamesOf are the NATS demo's names under prefix (DemoPrefix when
// empty).
func NATSNamesOf(prefix string) NATSNames {
	if prefix == "" {
		prefix = DemoPrefix
	}
	return NATSNames{Orders: prefix + "-orders", DeadLetters: prefix + "-dead-letters", Subjects: prefix + ".orders"}
}

// The NATS demo's counts: orders published, and of them those the
// consumer fails until MaxDeliver and those it terminates.
const (
	natsOrderCount   = 40
	natsMaxDelivered = 5
	natsTerminated   = 4
	natsMaxDeliver   = 2
)

// NATSOptions say where to seed the NATS demo.
type NATSOptions struct {
	// URL is the server (JetStream enabled): nats://127.0.0.1:4222.
	URL string
	// Prefix begins the demo's names (NATSNamesOf); empty means DemoPrefix.
	Prefix string
	// Seed makes the generated messages reproducible.
	Seed uint64
	// Orders, when given (the Kafka demo's Cluster.Orders), are the orders
	// the NATS side publishes, with their correlation ids.
	Orders []OrderRef
}

// SeedNATS builds the NATS demo on a real JetStream server: the stream
// Orders with orders on <Subjects>.created, the stream DeadLetters
// capturing its consumers' MAX_DELIVERIES and MSG_TERMINATED advisories,
// and the durable NATSConsumer that naks every order with a bad total
// until MaxDeliver and terminates the ones for an unknown customer, so
// the server itself writes every dead letter's advisory. Both streams
// are deleted and created anew. Where the server has a stream capturing
// every advisory already (EnsureAdvisoryStream's), no stream may capture
// some of them beside it: that stream is the demo's dead-letter stream
// (names.DeadLetters names it), and it is left as it is.
func SeedNATS(ctx context.Context, o NATSOptions) (NATSNames, error) {
	names := NATSNamesOf(o.Prefix)
	c, err := mqnats.Dial(ctx, mqnats.Options{Name: "mqscope-demo-seed", URL: o.URL})
	if err != nil {
		return names, fmt.Errorf("nats demo: %w", err)
	}
	defer c.Close()
	js := c.JetStream()
	for _, name := range []string{names.Orders, names.DeadLetters} {
		if err := js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return names, fmt.Errorf("nats demo: delete stream %s: %w", name, err)
		}
	}
	captures, err := c.AdvisoryStreams(ctx)
	if err != nil {
		return names, fmt.Errorf("nats demo: %w", err)
	}
	own := true
	for _, capt := range captures {
		if capt.All {
			names.DeadLetters, own = capt.Stream, false
		}
	}
	if own {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: names.DeadLetters, Subjects: []string{
			mqnats.AdvisoryMaxDeliveries + "." + names.Orders + ".*",
			mqnats.AdvisoryTerminated + "." + names.Orders + ".*",
		}}); err != nil {
			return names, fmt.Errorf("nats demo: create stream %s: %w", names.DeadLetters, err)
		}
	}
	return names, seedNATS(ctx, js, names, o)
}

// seedNATS writes the orders and fails some of them.
func seedNATS(ctx context.Context, js jetstream.JetStream, names NATSNames, o NATSOptions) error {
	orders, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: names.Orders, Subjects: []string{names.Subjects + ".>"}, Duplicates: 2 * time.Minute})
	if err != nil {
		return fmt.Errorf("nats demo: create stream %s: %w", names.Orders, err)
	}
	g := &natsOrders{js: js, names: names, rng: rand.New(rand.NewPCG(o.Seed, 0x4e415453)), orders: o.Orders}
	for i := range natsOrderCount {
		if err := g.publish(ctx, i); err != nil {
			return err
		}
	}
	return g.fail(ctx, orders)
}

// natsOrders publishes the demo's orders.
type natsOrders struct {
	js     jetstream.JetStream
	names  NATSNames
	rng    *rand.Rand
	orders []OrderRef
}

// natsPoison says the i-th order has a total the consumer cannot parse
// (it is naked until MaxDeliver): every eighth.
func natsPoison(i int) bool { return i%8 == 3 }

// natsTerminate says the i-th order is for an unknown customer (the
// consumer terminates it): every tenth.
func natsTerminate(i int) bool { return i%10 == 6 }

// natsTenant is the i-th order's customer.
func natsTenant(i int) string { return customers[i%len(customers)] }

// order is the i-th order: one of the Kafka demo's latest when it has
// them, else one of its own.
func (g *natsOrders) order(i int) OrderRef {
	if n := len(g.orders); n > 0 {
		return g.orders[max(n-1-i, 0)]
	}
	return OrderRef{ID: fmt.Sprintf("ord-%06d", 40000+i), Correlation: fmt.Sprintf("%08x-%04x", g.rng.Uint32(), g.rng.Uint32()&0xffff)}
}

// publish writes the i-th order (synchronously, deduplicated by its
// Nats-Msg-Id).
func (g *natsOrders) publish(ctx context.Context, i int) error {
	o := g.order(i)
	total := fmt.Sprintf("%.2f", float64(1000+g.rng.IntN(90000))/100)
	if natsPoison(i) {
		total = `"12,50"` // a total the consumer cannot parse
	}
	customer := natsTenant(i)
	if natsTerminate(i) {
		customer = "cust-unknown"
	}
	m := natsgo.NewMsg(g.names.Subjects + ".created")
	m.Data = fmt.Appendf(nil, `{"type":"OrderCreated","orderId":%q,"customerId":%q,"total":%s,"currency":%q}`, o.ID, customer, total, currency[i%len(currency)])
	m.Header.Set("correlation-id", o.Correlation)
	m.Header.Set("tenant", natsTenant(i))
	m.Header.Set("content-type", "application/json")
	if _, err := g.js.PublishMsg(ctx, m, jetstream.WithMsgID(fmt.Sprintf("order-%04d", i))); err != nil {
		return fmt.Errorf("nats demo: publish order %d: %w", i, err)
	}
	return nil
}

// fail runs the failing consumer until the dead-letter stream holds an
// advisory for every order it failed.
func (g *natsOrders) fail(ctx context.Context, orders jetstream.Stream) error {
	cons, err := orders.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: NATSConsumer, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: time.Minute, MaxDeliver: natsMaxDeliver, Description: "fulfilment-service"})
	if err != nil {
		return fmt.Errorf("nats demo: create consumer %s: %w", NATSConsumer, err)
	}
	dead, err := g.js.Stream(ctx, g.names.DeadLetters)
	if err != nil {
		return fmt.Errorf("nats demo: %w", err)
	}
	before, err := dead.Info(ctx)
	if err != nil {
		return fmt.Errorf("nats demo: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			return fmt.Errorf("nats demo: fetch: %w", err)
		}
		for m := range batch.Messages() {
			if err := settle(m); err != nil {
				return fmt.Errorf("nats demo: settle: %w", err)
			}
		}
		si, err := dead.Info(ctx)
		if err != nil {
			return fmt.Errorf("nats demo: %w", err)
		}
		if si.State.Msgs >= before.State.Msgs+natsMaxDelivered+natsTerminated {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return fmt.Errorf("nats demo: the failed orders' advisories did not reach %s", g.names.DeadLetters)
}

// settle is what the failing consumer does with a message: nak a bad
// total (redelivered until MaxDeliver), terminate an unknown customer,
// ack the rest.
func settle(m jetstream.Msg) error {
	switch body := string(m.Data()); {
	case strings.Contains(body, `"total":"`):
		return m.Nak()
	case strings.Contains(body, `"cust-unknown"`):
		return m.Term()
	}
	return m.Ack()
}

// TrickleNATS publishes an order on the demo's orders stream every
// interval until ctx is done: the stream's live messages.
func TrickleNATS(ctx context.Context, url string, names NATSNames, every time.Duration) error {
	c, err := mqnats.Dial(ctx, mqnats.Options{Name: "mqscope-demo-trickle", URL: url})
	if err != nil {
		return fmt.Errorf("nats demo: %w", err)
	}
	defer c.Close()
	g := &natsOrders{js: c.JetStream(), names: names, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		m := natsgo.NewMsg(names.Subjects + ".created")
		m.Data = fmt.Appendf(nil, `{"type":"OrderCreated","orderId":%q,"customerId":%q,"total":%.2f,"currency":%q}`,
			fmt.Sprintf("ord-%06d", 50000+n), natsTenant(n), float64(1000+g.rng.IntN(90000))/100, currency[n%len(currency)])
		m.Header.Set("correlation-id", fmt.Sprintf("%08x-%04x", g.rng.Uint32(), g.rng.Uint32()&0xffff))
		m.Header.Set("tenant", natsTenant(n))
		m.Header.Set("content-type", "application/json")
		if _, err := g.js.PublishMsg(ctx, m, jetstream.WithMsgID(fmt.Sprintf("order-live-%06d", n))); err != nil && ctx.Err() == nil {
			return fmt.Errorf("nats demo: trickle: %w", err)
		}
	}
}
