package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// RabbitVhost is the vhost the RabbitMQ demo owns (it is recreated on seed).
const RabbitVhost = "mqscope-demo"

// RabbitOptions say where to seed the RabbitMQ demo.
type RabbitOptions struct {
	// URL names the server and a user that may create vhosts
	// (amqp://guest:guest@127.0.0.1:5672/); its vhost is ignored.
	URL string
	// ManagementURL is the management API; empty means the URL's host on 15672.
	ManagementURL string
	// Vhost is the demo's own vhost, deleted and created anew; empty means RabbitVhost.
	Vhost string
	// Seed makes the generated messages reproducible.
	Seed uint64
	// Orders, when given (the Kafka demo's Cluster.Orders), are the orders
	// the RabbitMQ side publishes, with their correlation ids: a trace then
	// follows one order across both brokers.
	Orders []OrderRef
}

// SeedRabbit builds the demo topology in its own vhost of a real RabbitMQ
// and dead-letters messages for real, so every x-death comes from the
// broker: orders rejected by a consumer, payments past a quorum queue's
// delivery limit, notifications expired by TTL. It returns the AMQP URL of
// the demo vhost.
func SeedRabbit(ctx context.Context, o RabbitOptions) (string, error) {
	amqpURL, mgmtURL, vhost := o.URL, o.ManagementURL, o.Vhost
	if vhost == "" {
		vhost = RabbitVhost
	}
	u, err := url.Parse(amqpURL)
	if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") {
		return "", fmt.Errorf("rabbitmq demo: URL %q: want amqp://user:pass@host:5672/", amqpURL)
	}
	user := "guest"
	if u.User != nil {
		user = u.User.Username()
	}
	pass, _ := u.User.Password()
	if mgmtURL == "" {
		mgmtURL = "http://" + u.Hostname() + ":15672"
	}
	m, err := rabbitmq.NewManagement(mgmtURL, user, pass)
	if err != nil {
		return "", err
	}
	defer m.Close()
	if err := m.DeleteVhost(ctx, vhost); err != nil {
		return "", fmt.Errorf("rabbitmq demo: %w", err)
	}
	if err := m.CreateVhost(ctx, vhost, user); err != nil {
		return "", fmt.Errorf("rabbitmq demo (needs a user that may create vhosts): %w", err)
	}
	u.Path = "/" + vhost
	demoURL := u.String()
	conn, err := amqp.DialConfig(demoURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second), Properties: amqp.Table{"connection_name": "mqscope-demo-seed"}})
	if err != nil {
		return "", fmt.Errorf("rabbitmq demo: connect: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return "", fmt.Errorf("rabbitmq demo: %w", err)
	}
	s := &rabbitSeeder{conn: conn, ch: ch, rng: rand.New(rand.NewPCG(o.Seed, 42)), orders: o.Orders}
	if err := s.topology(); err != nil {
		return "", fmt.Errorf("rabbitmq demo: topology: %w", err)
	}
	if err := s.messages(ctx); err != nil {
		return "", fmt.Errorf("rabbitmq demo: messages: %w", err)
	}
	return demoURL, nil
}

type rabbitSeeder struct {
	conn   *amqp.Connection
	ch     *amqp.Channel
	rng    *rand.Rand
	orders []OrderRef // the Kafka demo's orders to carry on, newest last
	err    error
}

// order is the i-th order the RabbitMQ side publishes: one of the Kafka
// demo's latest orders when it has them, else one of its own.
func (s *rabbitSeeder) order(i int) OrderRef {
	if n := len(s.orders); n > 0 {
		return s.orders[max(n-1-i, 0)]
	}
	return OrderRef{ID: fmt.Sprintf("ord-%06d", 20000+i), Correlation: fmt.Sprintf("%08x-%04x", s.rng.Uint32(), s.rng.Uint32()&0xffff)}
}

// do runs one setup step unless an earlier one failed.
func (s *rabbitSeeder) do(f func() error) {
	if s.err == nil {
		s.err = f()
	}
}

func (s *rabbitSeeder) queue(name string, args amqp.Table) {
	s.do(func() error { _, err := s.ch.QueueDeclare(name, true, false, false, false, args); return err })
}

func (s *rabbitSeeder) bind(queue, key, exchange string) {
	s.do(func() error { return s.ch.QueueBind(queue, key, exchange, false, nil) })
}

func (s *rabbitSeeder) topology() error {
	s.do(func() error { return s.ch.ExchangeDeclare("shop", "topic", true, false, false, false, nil) })
	s.do(func() error { return s.ch.ExchangeDeclare("shop.dlx", "direct", true, false, false, false, nil) })
	s.queue("orders.work", amqp.Table{"x-dead-letter-exchange": "shop.dlx", "x-dead-letter-routing-key": "orders"})
	s.queue("orders.parking", nil) // a DLQ found through bindings, not its name
	s.queue("payments.work", amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(2),
		"x-dead-letter-exchange": "shop.dlx", "x-dead-letter-routing-key": "payments"})
	s.queue("payments.dlq", amqp.Table{"x-queue-type": "quorum"})
	s.queue("notifications.retry", amqp.Table{"x-message-ttl": int32(300), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "notifications.dlq"})
	s.queue("notifications.dlq", nil)
	s.queue("orders.audit", amqp.Table{"x-queue-type": "stream", "x-max-age": "7D"})
	s.bind("orders.work", "order.*", "shop")
	s.bind("orders.audit", "order.#", "shop")
	s.bind("payments.work", "payment.*", "shop")
	s.bind("notifications.retry", "notify.*", "shop")
	s.bind("orders.parking", "orders", "shop.dlx")
	s.bind("payments.dlq", "payments", "shop.dlx")
	return s.err
}

// publish sends an event to the shop exchange; corr (may be empty) is its
// correlation id, as property and header.
func (s *rabbitSeeder) publish(ctx context.Context, key string, body any, headers amqp.Table, corr string) {
	s.do(func() error {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		if corr == "" {
			corr = fmt.Sprintf("%08x-%04x", s.rng.Uint32(), s.rng.Uint32()&0xffff)
		} else {
			if headers == nil {
				headers = amqp.Table{}
			}
			headers["correlation-id"] = corr
		}
		return s.ch.PublishWithContext(ctx, "shop", key, false, false, amqp.Publishing{
			ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: b, Headers: headers,
			MessageId: fmt.Sprintf("msg-%08x", s.rng.Uint32()), CorrelationId: corr,
			Timestamp: time.Now(), AppId: "checkout-service", Type: key,
		})
	})
}

// failPoison consumes payments.work on its own channel and nacks the
// poison payments until all of them were dead-lettered.
func (s *rabbitSeeder) failPoison(ctx context.Context, poison map[string]bool) error {
	ch, err := s.conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close() // returns the healthy payments to the queue
	if err := ch.Qos(100, 0, false); err != nil {
		return err
	}
	deliveries, err := ch.Consume("payments.work", "payment-service", false, false, false, false, nil)
	if err != nil {
		return err
	}
	dead := 0
	timeout := time.After(20 * time.Second)
	for dead < len(poison) {
		select {
		case d := <-deliveries:
			var p struct{ PaymentID string }
			if json.Unmarshal(d.Body, &p) != nil || !poison[p.PaymentID] {
				continue // held until the channel closes
			}
			if n, _ := d.Headers["x-delivery-count"].(int64); n >= 2 {
				dead++ // this nack is past the limit: the broker dead-letters it
			}
			if err := d.Nack(false, true); err != nil {
				return err
			}
		case <-timeout:
			return fmt.Errorf("poison payments were not dead-lettered")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for i := 0; i < 200; i++ {
		q, err := s.ch.QueueDeclarePassive("payments.dlq", true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
		if err != nil {
			return err
		}
		if q.Messages >= len(poison) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("payments.dlq did not receive the poison payments")
}

// waitDepth waits until a queue holds n ready messages.
func (s *rabbitSeeder) waitDepth(queue string, n int) {
	s.do(func() error {
		for i := 0; i < 200; i++ {
			q, err := s.ch.QueueDeclarePassive(queue, true, false, false, false, nil)
			if err != nil {
				return err
			}
			if q.Messages >= n {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return fmt.Errorf("queue %s did not reach %d messages", queue, n)
	})
}

func (s *rabbitSeeder) messages(ctx context.Context) error {
	const orders, payments, notifications = 40, 24, 8
	for i := 0; i < orders; i++ {
		o := s.order(i)
		s.publish(ctx, "order.created", map[string]any{"type": "OrderCreated", "orderId": o.ID, "customerId": customers[i%len(customers)],
			"total": float64(1000+s.rng.IntN(90000)) / 100, "currency": currency[i%len(currency)]},
			amqp.Table{"tenant": customers[i%len(customers)], "schema-version": int32(3)}, o.Correlation)
	}
	s.waitDepth("orders.work", orders)
	// A consumer rejects every fifth order: the broker dead-letters them.
	s.do(func() error {
		for i := 0; i < orders; i++ {
			d, ok, err := s.ch.Get("orders.work", false)
			if err != nil || !ok {
				return err
			}
			if i%5 == 0 {
				err = d.Reject(false)
			} else {
				err = d.Nack(false, true)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	poison := map[string]bool{"pay-0003": true, "pay-0011": true, "pay-0017": true}
	for i := 0; i < payments; i++ {
		o := s.order(i)
		s.publish(ctx, "payment.authorized", map[string]any{"type": "PaymentAuthorized", "paymentId": fmt.Sprintf("pay-%04d", i),
			"orderId": o.ID, "amount": float64(1000+s.rng.IntN(90000)) / 100}, nil, o.Correlation)
	}
	s.waitDepth("payments.work", payments)
	// A consumer keeps failing the poison payments (nack, requeue) until the
	// quorum queue dead-letters them past x-delivery-limit; the healthy ones
	// it only holds, and they go back when its channel closes.
	s.do(func() error { return s.failPoison(ctx, poison) })
	for i := 0; i < notifications; i++ {
		s.publish(ctx, "notify.email", map[string]any{"type": "EmailRequested", "to": fmt.Sprintf("customer%d@example.com", i), "template": "order-confirmation"}, nil, "")
	}
	s.waitDepth("notifications.dlq", notifications)
	s.waitDepth("orders.parking", orders/5)
	return s.err
}
