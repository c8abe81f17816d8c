package rabbitmq_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// The tests run against the real RabbitMQ that scripts/test starts; each
// test gets its own vhost, created and deleted through the management API.

// env is one test's vhost: its AMQP URL, an application-side connection to
// set up topology and publish with, and the management client.
type env struct {
	t     *testing.T
	vhost string
	url   string
	mgmt  *rabbitmq.Management
	app   *amqp.Channel
}

func newEnv(t *testing.T) *env {
	t.Helper()
	vhostURL, vhost, mgmt := testbroker.RabbitVhost(t)
	e := &env{t: t, vhost: vhost, url: vhostURL, mgmt: mgmt}
	conn, err := amqp.Dial(e.url)
	if err != nil {
		t.Fatalf("RabbitMQ is not reachable at %s (scripts/test starts it): %v", e.url, err)
	}
	t.Cleanup(func() { conn.Close() })
	if e.app, err = conn.Channel(); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) queue(name string, args amqp.Table) {
	e.t.Helper()
	_, err := e.app.QueueDeclare(name, true, false, false, false, args)
	e.must(err)
}

func (e *env) publish(exchange, key string, p amqp.Publishing) {
	e.t.Helper()
	e.must(e.app.PublishWithContext(context.Background(), exchange, key, false, false, p))
}

// depth is a queue's exact ready count (passive declare; the management API lags).
func (e *env) depth(name string) int {
	e.t.Helper()
	q, err := e.app.QueueDeclarePassive(name, true, false, false, false, nil)
	e.must(err)
	return q.Messages
}

func (e *env) waitDepth(name string, n int) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if e.depth(name) == n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("queue %s never reached %d messages (has %d)", name, n, e.depth(name))
}

func (e *env) dial(opts ...func(*rabbitmq.Options)) *rabbitmq.Conn {
	e.t.Helper()
	_, api := testbroker.RabbitURLs()
	o := rabbitmq.Options{URL: e.url, ManagementURL: api}
	for _, f := range opts {
		f(&o)
	}
	c, err := rabbitmq.Dial(context.Background(), o)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// drain reads a subscription until its end or until n messages came.
func drain(t *testing.T, sub sources.Subscription, n int) []sources.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []sources.Message
	for n <= 0 || len(out) < n {
		b, err := sub.Next(ctx, 1000)
		out = append(out, b...)
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			t.Fatalf("next after %d messages: %v", len(out), err)
		}
	}
	return out
}

func read(t *testing.T, c *rabbitmq.Conn, name string, opts sources.ReadOptions, n int) []sources.Message {
	t.Helper()
	sub, err := c.Read(context.Background(), name, opts)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	defer sub.Close()
	return drain(t, sub, n)
}

func bodies(ms []sources.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Value)
	}
	return out
}

func TestListTopologyAndDeadLetterQueues(t *testing.T) {
	e := newEnv(t)
	e.must(e.app.ExchangeDeclare("shop", "topic", true, false, false, false, nil))
	e.must(e.app.ExchangeDeclare("dlx", "direct", true, false, false, false, nil))
	e.queue("work", amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "work.dead"})
	e.queue("graveyard", nil)
	e.must(e.app.QueueBind("graveyard", "work.dead", "dlx", false, nil))
	e.must(e.app.QueueBind("work", "order.*", "shop", false, nil))
	e.queue("qwork", amqp.Table{"x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qgrave", "x-delivery-limit": int32(3)})
	e.queue("qgrave", amqp.Table{"x-queue-type": "quorum"})
	e.queue("audit", amqp.Table{"x-queue-type": "stream"})
	e.queue("payments.dlq", nil)
	for i := 0; i < 3; i++ {
		e.publish("shop", "order.created", amqp.Publishing{Body: []byte("x")})
	}
	c := e.dial()
	if c.Notice() != "" {
		t.Fatalf("notice with a working management API: %s", c.Notice())
	}
	var got map[string]sources.StreamInfo
	deadline := time.Now().Add(20 * time.Second) // the management API's counts lag
	for {
		list, err := c.ListStreams(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]sources.StreamInfo{}
		for _, s := range list {
			got[s.Name] = s
		}
		if got["work"].Messages == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	want := map[string]string{"work": "classic", "graveyard": "classic", "qwork": "quorum", "qgrave": "quorum", "audit": "stream", "shop": "exchange", "dlx": "exchange"}
	for name, kind := range want {
		if got[name].Kind != kind {
			t.Errorf("%s: kind %q, want %q", name, got[name].Kind, kind)
		}
	}
	if got["work"].Messages != 3 {
		t.Errorf("work has %d messages, want 3", got["work"].Messages)
	}
	if !got["graveyard"].DeadLetter || got["graveyard"].DeadLetterFor != "work" {
		t.Errorf("graveyard: %+v", got["graveyard"])
	}
	if !got["qgrave"].DeadLetter || got["qgrave"].DeadLetterFor != "qwork" {
		t.Errorf("qgrave: %+v", got["qgrave"])
	}
	if !got["payments.dlq"].DeadLetter || got["work"].DeadLetter {
		t.Error("name-pattern DLQ detection wrong")
	}
	if !slices.ContainsFunc(got["qwork"].Info, func(p sources.Property) bool { return p.Name == "x-delivery-limit" && p.Value == "3" }) {
		t.Errorf("qwork arguments not listed: %+v", got["qwork"].Info)
	}
}

func TestPeekLeavesQueueUnchanged(t *testing.T) {
	for _, kind := range []string{"classic", "quorum"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t)
			e.queue("jobs", amqp.Table{"x-queue-type": kind})
			var want []string
			for i := 0; i < 10; i++ {
				body := fmt.Sprintf(`{"job":%d}`, i)
				want = append(want, body)
				e.publish("", "jobs", amqp.Publishing{Body: []byte(body), ContentType: "application/json", MessageId: fmt.Sprint(i),
					CorrelationId: "corr", Headers: amqp.Table{"tenant": "acme", "attempt": int32(i)}})
			}
			e.waitDepth("jobs", 10)
			c := e.dial()
			first := read(t, c, "jobs", sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 4}}, 0)
			if !slices.Equal(bodies(first), want[:4]) {
				t.Fatalf("peek 4 = %v", bodies(first))
			}
			m := first[0]
			if m.ID != "0" || string(m.Key) != "jobs" || m.Partition != sources.NoPartition {
				t.Fatalf("message fields %+v", m)
			}
			if v, _ := m.Header("attempt"); string(v) != "0" {
				t.Fatalf("header attempt = %q", v)
			}
			if !slices.ContainsFunc(m.Properties, func(p sources.Property) bool { return p.Name == "content-type" && p.Value == "application/json" }) {
				t.Fatalf("properties %+v", m.Properties)
			}
			e.waitDepth("jobs", 10)
			all := read(t, c, "jobs", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}, 0)
			got := bodies(all)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("second peek %v", got)
			}
			if !all[0].Redelivered && !all[len(all)-1].Redelivered {
				t.Fatal("peeked messages come back redelivered, and the UI says so")
			}
			// The queue still holds exactly the same messages.
			e.waitDepth("jobs", 10)
			var after []string
			for {
				d, ok, err := e.app.Get("jobs", true)
				e.must(err)
				if !ok {
					break
				}
				after = append(after, string(d.Body))
			}
			slices.Sort(after)
			if !slices.Equal(after, want) {
				t.Fatalf("queue after peeks: %v", after)
			}
		})
	}
}

func TestPeekEmptyAndRefusedStarts(t *testing.T) {
	e := newEnv(t)
	e.queue("empty", nil)
	c := e.dial()
	if ms := read(t, c, "empty", sources.ReadOptions{}, 0); len(ms) != 0 {
		t.Fatalf("peek of an empty queue gave %d", len(ms))
	}
	for _, st := range []sources.Start{{Kind: sources.StartNewest}, {Kind: sources.StartOffset, Offset: 3}} {
		if _, err := c.Read(context.Background(), "empty", sources.ReadOptions{Start: st}); err == nil {
			t.Fatalf("start %v accepted on a queue", st)
		}
	}
}

func TestStreamOffsets(t *testing.T) {
	e := newEnv(t)
	e.queue("audit", amqp.Table{"x-queue-type": "stream"})
	for i := 0; i < 20; i++ {
		e.publish("", "audit", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
	}
	time.Sleep(1100 * time.Millisecond)
	mark := time.Now()
	time.Sleep(1100 * time.Millisecond)
	for i := 20; i < 30; i++ {
		e.publish("", "audit", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
	}
	c := e.dial()
	all := read(t, c, "audit", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}, 0)
	if len(all) != 30 || all[0].Offset != 0 || all[29].Offset != 29 || string(all[29].Value) != "29" {
		t.Fatalf("from first: %d messages %v", len(all), bodies(all))
	}
	from := read(t, c, "audit", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 25}}, 0)
	if !slices.Equal(bodies(from), []string{"25", "26", "27", "28", "29"}) {
		t.Fatalf("from offset 25: %v", bodies(from))
	}
	last := read(t, c, "audit", sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 3}}, 0)
	if !slices.Equal(bodies(last), []string{"27", "28", "29"}) {
		t.Fatalf("last 3: %v", bodies(last))
	}
	byTime := read(t, c, "audit", sources.ReadOptions{Start: sources.Start{Kind: sources.StartTime, Time: mark}}, 0)
	if len(byTime) < 10 || len(byTime) >= 30 || string(byTime[len(byTime)-1].Value) != "29" {
		t.Fatalf("from time: %v", bodies(byTime))
	}
	// next: only new messages, live
	sub, err := c.Read(context.Background(), "audit", sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	time.Sleep(300 * time.Millisecond)
	e.publish("", "audit", amqp.Publishing{Body: []byte("live")})
	got := drain(t, sub, 1)
	if string(got[0].Value) != "live" || got[0].Offset != 30 {
		t.Fatalf("live: %q at %d", got[0].Value, got[0].Offset)
	}
	if n := len(read(t, c, "audit", sources.ReadOptions{}, 0)); n != 31 {
		t.Fatalf("a stream read removed messages: %d left", n)
	}
	// One message read again at its offset (the UI's whole-value fetch).
	one, err := sources.FetchAt(context.Background(), c, "audit", sources.NoPartition, 17)
	if err != nil || string(one.Value) != "17" || one.Offset != 17 {
		t.Fatalf("fetch at 17: %q at %d, %v", one.Value, one.Offset, err)
	}
	if _, err := sources.FetchAt(context.Background(), c, "audit", sources.NoPartition, 500); err == nil {
		t.Fatal("a fetch past the end found a message")
	}
}

func TestTapSeesWhileConsumerReceives(t *testing.T) {
	e := newEnv(t)
	e.must(e.app.ExchangeDeclare("events", "topic", true, false, false, false, nil))
	e.queue("svc", nil)
	e.must(e.app.QueueBind("svc", "order.*", "events", false, nil))
	c := e.dial()
	sub, err := c.Read(context.Background(), "events", sources.ReadOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	deliveries, err := e.app.Consume("svc", "app", true, false, false, false, nil)
	e.must(err)
	for i := 0; i < 5; i++ {
		e.publish("events", "order.created", amqp.Publishing{Body: []byte(fmt.Sprint(i))})
	}
	e.publish("events", "invoice.sent", amqp.Publishing{Body: []byte("not for svc")})
	tapped := drain(t, sub, 6)
	if len(tapped) != 6 || string(tapped[5].Key) != "invoice.sent" {
		t.Fatalf("tap saw %v", bodies(tapped))
	}
	for i := 0; i < 5; i++ {
		select {
		case d := <-deliveries:
			if string(d.Body) != fmt.Sprint(i) {
				t.Fatalf("consumer got %q", d.Body)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the normal consumer did not receive everything")
		}
	}
	sub.Close()
	// the tap queue is gone with the tap
	time.Sleep(200 * time.Millisecond)
	qs, err := e.mgmt.Queues(context.Background(), e.vhost)
	e.must(err)
	if len(qs) != 1 {
		t.Fatalf("queues left after the tap: %+v", qs)
	}
}

func TestTapDirectAndFanout(t *testing.T) {
	e := newEnv(t)
	e.must(e.app.ExchangeDeclare("cmds", "direct", true, false, false, false, nil))
	e.must(e.app.ExchangeDeclare("bcast", "fanout", true, false, false, false, nil))
	e.queue("a", nil)
	e.must(e.app.QueueBind("a", "run", "cmds", false, nil))
	c := e.dial()
	for _, ex := range []struct{ name, key string }{{"cmds", "run"}, {"bcast", "x"}} {
		sub, err := c.Read(context.Background(), ex.name, sources.ReadOptions{Follow: true})
		if err != nil {
			t.Fatalf("tap %s: %v", ex.name, err)
		}
		e.publish(ex.name, ex.key, amqp.Publishing{Body: []byte("hello")})
		if got := drain(t, sub, 1); string(got[0].Value) != "hello" {
			t.Fatalf("tap %s got %q", ex.name, got[0].Value)
		}
		sub.Close()
	}
}

// TestXDeathReasons dead-letters messages for real (rejected, expired,
// delivery limit) and checks what mqscope decodes from the broker's x-death.
func TestXDeathReasons(t *testing.T) {
	e := newEnv(t)
	e.queue("r", amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "r.dlq"})
	e.queue("r.dlq", nil)
	e.queue("e", amqp.Table{"x-message-ttl": int32(50), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "e.dlq"})
	e.queue("e.dlq", nil)
	e.queue("d", amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(1), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "d.dlq"})
	e.queue("d.dlq", nil)

	e.publish("", "r", amqp.Publishing{Body: []byte("reject me")})
	e.waitDepth("r", 1)
	d, ok, err := e.app.Get("r", false)
	if err != nil || !ok {
		t.Fatalf("get: %v %v", ok, err)
	}
	e.must(d.Reject(false))
	e.publish("", "e", amqp.Publishing{Body: []byte("expire me")})
	e.publish("", "d", amqp.Publishing{Body: []byte("poison")})
	e.waitDepth("d", 1)
	for i := 0; i < 10 && e.depth("d.dlq") == 0; i++ {
		d, ok, err := e.app.Get("d", false)
		e.must(err)
		if ok {
			e.must(d.Nack(false, true))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, q := range []string{"r.dlq", "e.dlq", "d.dlq"} {
		e.waitDepth(q, 1)
	}
	c := e.dial()
	for _, tc := range []struct{ dlq, origin, reason string }{
		{"r.dlq", "r", "rejected"}, {"e.dlq", "e", "expired"}, {"d.dlq", "d", "delivery_limit"},
	} {
		ms := read(t, c, tc.dlq, sources.ReadOptions{}, 0)
		if len(ms) != 1 {
			t.Fatalf("%s: %d messages", tc.dlq, len(ms))
		}
		dl := ms[0].DeadLetter
		if dl == nil || dl.Scheme != "rabbitmq" || dl.OriginStream != tc.origin || dl.Reason != tc.reason || dl.Count != 1 {
			t.Fatalf("%s: dead letter %+v", tc.dlq, dl)
		}
		if len(dl.Deaths) != 1 || dl.Deaths[0].Queue != tc.origin || dl.Deaths[0].Time.IsZero() || len(dl.Deaths[0].RoutingKeys) == 0 {
			t.Fatalf("%s: x-death %+v", tc.dlq, dl.Deaths)
		}
		if v, ok := ms[0].Header("x-death"); !ok || !strings.Contains(string(v), tc.reason) {
			t.Fatalf("%s: x-death header shown as %q", tc.dlq, v)
		}
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	e.queue("gone", nil)
	ctx := context.Background()

	// wrong AMQP password
	u, _ := url.Parse(e.url)
	u.User = url.UserPassword("guest", "wrong")
	start := time.Now()
	_, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: u.String()})
	if !errors.Is(err, rabbitmq.ErrAuth) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v", err)
	}
	// credentials given apart from the URL (as a config does): right, then wrong
	u, _ = url.Parse(e.url)
	u.User = nil
	pass, _ := url.Parse(e.url)
	pw, _ := pass.User.Password()
	good, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: u.String(), Username: pass.User.Username(), Password: pw})
	if err != nil || good.Notice() != "" {
		t.Fatalf("credentials apart from the URL: %v (notice %q)", err, good.Notice())
	}
	good.Close()
	if _, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: u.String(), Username: "guest", Password: "s3cret-wrong"}); !errors.Is(err, rabbitmq.ErrAuth) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("wrong password apart from the URL: %v", err)
	}
	// a vhost that does not exist
	u, _ = url.Parse(e.url)
	u.Path = "/no-such-vhost-mqscope"
	if _, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: u.String()}); err == nil || !strings.Contains(err.Error(), "no-such-vhost-mqscope") {
		t.Fatalf("missing vhost: %v", err)
	}
	// bad management credentials: the connection works, and says what it cannot do
	c := e.dial(func(o *rabbitmq.Options) {
		o.ManagementURL = "http://guest:nope@127.0.0.1:15672"
		o.Queues = []string{"gone"}
	})
	if !strings.Contains(c.Notice(), "authentication failed") {
		t.Fatalf("notice %q", c.Notice())
	}
	list, err := c.ListStreams(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "gone" {
		t.Fatalf("fallback listing: %+v %v", list, err)
	}
	// management API down
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	c2 := e.dial(func(o *rabbitmq.Options) { o.ManagementURL = "http://" + dead })
	if !strings.Contains(c2.Notice(), "unavailable") {
		t.Fatalf("notice %q", c2.Notice())
	}
	// a deleted queue
	c3 := e.dial()
	_, err = e.app.QueueDelete("gone", false, false, false)
	e.must(err)
	if _, err := c3.Read(ctx, "gone", sources.ReadOptions{}); !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("deleted queue: %v", err)
	}
	// a server that is down
	_, err = rabbitmq.Dial(ctx, rabbitmq.Options{URL: "amqp://guest:guest@" + dead + "/", DialTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("server down: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("errors took %v", d)
	}
}

func TestTopicMatch(t *testing.T) {
	cases := []struct {
		p, k string
		ok   bool
	}{
		{"#", "a.b", true}, {"a.*", "a.b", true}, {"a.*", "a.b.c", false}, {"a.#", "a", true},
		{"#.c", "a.b.c", true}, {"*.b.#", "a.b", true}, {"a", "b", false}, {"*", "", true},
	}
	for _, c := range cases {
		if got := rabbitmq.TopicMatch(c.p, c.k); got != c.ok {
			t.Errorf("TopicMatch(%q, %q) = %v", c.p, c.k, got)
		}
	}
}
