package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisConsumerGroup is the Redis demo's consumer group that leaves some
// orders pending, and RedisConsumer its consumer.
const (
	RedisConsumerGroup = "fulfilment"
	RedisConsumer      = "fulfilment-1"
)

// RedisNames are the Redis demo's keys.
type RedisNames struct {
	// Orders is the orders stream ("mqscope-demo:orders"); the pending
	// entries of RedisConsumerGroup past the delivery limit are its dead
	// letters.
	Orders string
	// Payments is the payments stream ("mqscope-demo:payments").
	Payments string
	// PaymentsDLQ is the dead-letter stream of Payments
	// ("mqscope-demo:payments:dlq"): entries with provenance headers.
	PaymentsDLQ string
	// Match is the SCAN pattern of every demo key ("mqscope-demo:*").
	Match string
}

// RedisNamesOf are the Redis demo's keys under prefix (DemoPrefix when
// empty).
func RedisNamesOf(prefix string) RedisNames {
	if prefix == "" {
		prefix = DemoPrefix
	}
	return RedisNames{Orders: prefix + ":orders", Payments: prefix + ":payments", PaymentsDLQ: prefix + ":payments:dlq", Match: prefix + ":*"}
}

// The Redis demo's counts.
const (
	redisOrderCount = 40
	// redisRetries is the delivery count of the orders the consumer
	// keeps failing: past the connector's default limit of 3.
	redisRetries    = 4
	redisPayments   = 16
	redisPaymentDLQ = 6
)

// RedisOptions say where to seed the Redis demo.
type RedisOptions struct {
	// URL is the server: redis://127.0.0.1:6379[/db].
	URL string
	// Prefix begins the demo's keys (RedisNamesOf); empty means DemoPrefix.
	Prefix string
	// Seed makes the generated messages reproducible.
	Seed uint64
	// Orders, when given (the Kafka demo's Cluster.Orders), are the orders
	// the Redis side writes, with their correlation ids.
	Orders []OrderRef
}

// SeedRedis builds the Redis demo on a real server: the stream Orders,
// read by the group RedisConsumerGroup, which acknowledges most orders
// and keeps failing those with a bad total (each delivered redisRetries
// times, so they are its dead letters, Orders#pending:fulfilment); and
// the stream Payments with its dead-letter stream PaymentsDLQ, whose
// entries carry the failure's provenance (x-original-topic,
// x-exception-class, x-exception-message). Every demo key is deleted and
// written anew.
func SeedRedis(ctx context.Context, o RedisOptions) (RedisNames, error) {
	names := RedisNamesOf(o.Prefix)
	rc, err := redisClient(o.URL, "mqscope-demo-seed")
	if err != nil {
		return names, err
	}
	defer rc.Close()
	if err := rc.Del(ctx, names.Orders, names.Payments, names.PaymentsDLQ).Err(); err != nil {
		return names, fmt.Errorf("redis demo: delete the demo keys: %w", err)
	}
	s := &redisSeeder{rc: rc, names: names, rng: rand.New(rand.NewPCG(o.Seed, 0x52454453)), orders: o.Orders}
	if err := s.orderFlow(ctx); err != nil {
		return names, fmt.Errorf("redis demo: %w", err)
	}
	if err := s.paymentFlow(ctx); err != nil {
		return names, fmt.Errorf("redis demo: %w", err)
	}
	return names, nil
}

// redisClient connects to url.
func redisClient(url, name string) (*goredis.Client, error) {
	ro, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis demo: url: want redis://host:6379: %w", err)
	}
	ro.ClientName = name
	ro.DialTimeout = 5 * time.Second
	return goredis.NewClient(ro), nil
}

// redisSeeder writes the Redis demo.
type redisSeeder struct {
	rc     *goredis.Client
	names  RedisNames
	rng    *rand.Rand
	orders []OrderRef
}

// order is the i-th order: one of the Kafka demo's latest when it has
// them, else one of its own.
func (s *redisSeeder) order(i int) OrderRef {
	if n := len(s.orders); n > 0 {
		return s.orders[max(n-1-i, 0)]
	}
	return OrderRef{ID: fmt.Sprintf("ord-%06d", 60000+i), Correlation: fmt.Sprintf("%08x-%04x", s.rng.Uint32(), s.rng.Uint32()&0xffff)}
}

// redisPoison says the i-th order has a total the consumer cannot parse.
func redisPoison(i int) bool { return i%7 == 2 }

// orderFlow writes the orders, then plays the group's consumer: every
// order is delivered, the healthy ones acknowledged, the poison ones
// claimed again until their delivery count is past the limit.
func (s *redisSeeder) orderFlow(ctx context.Context) error {
	for i := range redisOrderCount {
		o := s.order(i)
		total := fmt.Sprintf("%.2f", float64(1000+s.rng.IntN(90000))/100)
		if redisPoison(i) {
			total = `"12,50"`
		}
		value := fmt.Sprintf(`{"type":"OrderCreated","orderId":%q,"customerId":%q,"total":%s,"currency":%q}`, o.ID, customers[i%len(customers)], total, currency[i%len(currency)])
		if err := s.rc.XAdd(ctx, &goredis.XAddArgs{Stream: s.names.Orders, Values: []any{"value", value, "correlation-id", o.Correlation, "tenant", customers[i%len(customers)]}}).Err(); err != nil {
			return fmt.Errorf("xadd %s: %w", s.names.Orders, err)
		}
	}
	if err := s.rc.XGroupCreate(ctx, s.names.Orders, RedisConsumerGroup, "0").Err(); err != nil {
		return fmt.Errorf("xgroup create %s %s: %w", s.names.Orders, RedisConsumerGroup, err)
	}
	got, err := s.rc.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: RedisConsumerGroup, Consumer: RedisConsumer, Streams: []string{s.names.Orders, ">"}, Count: redisOrderCount, Block: -1}).Result()
	if err != nil {
		return fmt.Errorf("xreadgroup %s: %w", s.names.Orders, err)
	}
	var healthy, poison []string
	for _, st := range got {
		for i, m := range st.Messages {
			if redisPoison(i) {
				poison = append(poison, m.ID)
			} else {
				healthy = append(healthy, m.ID)
			}
		}
	}
	if len(healthy) > 0 {
		if err := s.rc.XAck(ctx, s.names.Orders, RedisConsumerGroup, healthy...).Err(); err != nil {
			return fmt.Errorf("xack %s: %w", s.names.Orders, err)
		}
	}
	if len(poison) > 0 { // failed and retried: the delivery count a consumer that keeps failing reaches
		args := []any{"XCLAIM", s.names.Orders, RedisConsumerGroup, RedisConsumer, 0}
		for _, id := range poison {
			args = append(args, id)
		}
		args = append(args, "RETRYCOUNT", redisRetries, "JUSTID")
		if err := s.rc.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("xclaim %s: %w", s.names.Orders, err)
		}
	}
	return nil
}

// paymentFlow writes payments, and the failed ones into the dead-letter
// stream with the provenance a payment service gives them.
func (s *redisSeeder) paymentFlow(ctx context.Context) error {
	for i := range redisPayments {
		o := s.order(i)
		value := fmt.Sprintf(`{"type":"PaymentAuthorized","paymentId":"pay-%04d","orderId":%q,"amount":%.2f}`, i, o.ID, float64(1000+s.rng.IntN(90000))/100)
		if err := s.rc.XAdd(ctx, &goredis.XAddArgs{Stream: s.names.Payments, Values: []any{"value", value, "correlation-id", o.Correlation}}).Err(); err != nil {
			return fmt.Errorf("xadd %s: %w", s.names.Payments, err)
		}
	}
	failures := [...]struct{ class, message string }{
		{"PaymentDeclinedException", "card declined: insufficient funds"},
		{"GatewayTimeoutException", "payment gateway did not answer within 5000 ms"},
	}
	for i := range redisPaymentDLQ {
		o := s.order(100 + i)
		f := failures[i%len(failures)]
		value := fmt.Sprintf(`{"type":"PaymentAuthorized","paymentId":"pay-%04d","orderId":%q,"amount":%.2f}`, 900+i, o.ID, float64(1000+s.rng.IntN(90000))/100)
		if err := s.rc.XAdd(ctx, &goredis.XAddArgs{Stream: s.names.PaymentsDLQ, Values: []any{
			"value", value, "correlation-id", o.Correlation,
			"x-original-topic", s.names.Payments, "x-exception-class", "com.acme.payments." + f.class, "x-exception-message", f.message,
		}}).Err(); err != nil {
			return fmt.Errorf("xadd %s: %w", s.names.PaymentsDLQ, err)
		}
	}
	return nil
}

// TrickleRedis adds an order to the demo's orders stream every interval
// until ctx is done: the stream's live messages.
func TrickleRedis(ctx context.Context, url string, names RedisNames, every time.Duration) error {
	rc, err := redisClient(url, "mqscope-demo-trickle")
	if err != nil {
		return err
	}
	defer rc.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		value := fmt.Sprintf(`{"type":"OrderCreated","orderId":"ord-%06d","customerId":%q,"total":%.2f,"currency":%q}`,
			70000+n, customers[n%len(customers)], float64(1000+rng.IntN(90000))/100, currency[n%len(currency)])
		corr := fmt.Sprintf("%08x-%04x", rng.Uint32(), rng.Uint32()&0xffff)
		if err := rc.XAdd(ctx, &goredis.XAddArgs{Stream: names.Orders, Values: []any{"value", value, "correlation-id", corr, "tenant", customers[n%len(customers)]}}).Err(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("redis demo: trickle: %w", err)
		}
	}
}
