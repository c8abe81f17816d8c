package replay_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// rabbitEnv is a vhost of the real RabbitMQ with a work queue that
// dead-letters into work.dlq, and n messages the broker dead-lettered.
type rabbitEnv struct {
	url   string
	vhost string
	mgmt  *rabbitmq.Management
	app   *amqp.Channel
	conn  *rabbitmq.Conn
}

func newRabbitEnv(t *testing.T, n int) *rabbitEnv {
	t.Helper()
	vhostURL, vhost, mgmt := testbroker.RabbitVhost(t)
	ctx := context.Background()
	e := &rabbitEnv{url: vhostURL, vhost: vhost, mgmt: mgmt}
	ac, ch := testbroker.AMQPChannel(t, e.url)
	t.Cleanup(func() { ac.Close() })
	e.app = ch
	must := testbroker.Must(t)
	testbroker.WorkQueues(t, e.app, nil)
	testbroker.ShopExchange(t, e.app)
	for i := 0; i < n; i++ {
		must(e.app.PublishWithContext(ctx, "shop", "order.created", false, false, amqp.Publishing{
			Body: []byte(fmt.Sprintf(`{"order":%d}`, i)), MessageId: fmt.Sprintf("m-%d", i), ContentType: "application/json",
			DeliveryMode: amqp.Persistent, Headers: amqp.Table{"tenant": "acme", "n": int32(i)}}))
	}
	e.waitDepth(t, "work", n)
	for i := 0; i < n; i++ {
		d, ok, err := e.app.Get("work", false)
		must(err)
		if !ok {
			t.Fatal("work ran dry")
		}
		must(d.Reject(false))
	}
	e.waitDepth(t, "work.dlq", n)
	var err error
	e.conn, err = rabbitmq.Dial(ctx, rabbitmq.Options{URL: e.url})
	must(err)
	t.Cleanup(func() { e.conn.Close() })
	return e
}

func (e *rabbitEnv) depth(t *testing.T, q string) int {
	t.Helper()
	st, err := e.app.QueueDeclarePassive(q, true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st.Messages
}

func (e *rabbitEnv) waitDepth(t *testing.T, q string, n int) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if e.depth(t, q) == n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s has %d messages, want %d", q, e.depth(t, q), n)
}

// contents reads a queue's messages (a peek) as fingerprints of body and
// headers, without the dead-letter and redrive headers.
func (e *rabbitEnv) contents(t *testing.T, q string) []string {
	t.Helper()
	ms := readAll(t, e.conn, q)
	out := make([]string, len(ms))
	for i, m := range ms {
		var b strings.Builder
		fmt.Fprintf(&b, "%s|%s|%s", m.ID, m.Value, propsOf(m))
		for _, h := range m.Headers {
			if strings.HasPrefix(h.Key, "x-death") || strings.HasPrefix(h.Key, "x-first-death") || strings.HasPrefix(h.Key, "x-last-death") ||
				strings.HasPrefix(h.Key, "x-mqscope-redrive-") || h.Key == "x-delivery-count" {
				continue
			}
			fmt.Fprintf(&b, "|%s=%s", h.Key, h.Value)
		}
		out[i] = b.String()
	}
	slices.Sort(out)
	return out
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func propsOf(m sources.Message) string {
	var b strings.Builder
	for _, p := range m.Properties {
		if p.Name == "content-type" || p.Name == "delivery-mode" || p.Name == "message-id" {
			b.WriteString(p.Name + "=" + p.Value + ";")
		}
	}
	return b.String()
}

func planFor(t *testing.T, e *rabbitEnv, o replay.Options) *replay.Plan {
	t.Helper()
	p, err := replay.NewPlan("work.dlq", readAll(t, e.conn, "work.dlq"), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRedriveRabbitBackToOriginExchange(t *testing.T) {
	const n = 40
	e := newRabbitEnv(t, n)
	before := e.contents(t, "work.dlq")
	p := planFor(t, e, replay.Options{})
	if s := p.Summary(); s.PerTarget["exchange shop [order.created]"] != n {
		t.Fatalf("plan %+v", s)
	}
	j, err := replay.OpenJournal(t.TempDir(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 16, Journal: j})
	if err != nil || res.Done != n || res.Failed != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	e.waitDepth(t, "work.dlq", 0)
	e.waitDepth(t, "work", n)
	if after := e.contents(t, "work"); !slices.Equal(after, before) {
		t.Fatalf("redriven messages differ:\nbefore %v\nafter  %v", before[:2], after[:2])
	}
	ms := readAll(t, e.conn, "work")
	if v, _ := ms[0].Header(replay.HeaderID); string(v) != p.ID {
		t.Fatalf("no provenance on %+v", ms[0].Headers)
	}
}

func TestRedriveRabbitUnroutableLosesNothing(t *testing.T) {
	const n = 10
	e := newRabbitEnv(t, n)
	if err := e.app.QueueUnbind("work", "order.*", "shop", nil); err != nil {
		t.Fatal(err)
	}
	before := e.contents(t, "work.dlq")
	p := planFor(t, e, replay.Options{})
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 0 || res.Failed == 0 || !strings.Contains(res.Failures[0].Err, "NO_ROUTE") {
		t.Fatalf("unroutable run: %+v", res)
	}
	e.waitDepth(t, "work.dlq", n)
	if after := e.contents(t, "work.dlq"); !slices.Equal(after, before) {
		t.Fatal("the DLQ changed after an unroutable redrive")
	}
}

func TestRedriveRabbitSelectionOnly(t *testing.T) {
	const n = 12
	e := newRabbitEnv(t, n)
	all := readAll(t, e.conn, "work.dlq")
	p, err := replay.NewPlan("work.dlq", all[3:6], replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, false, replay.RunOptions{})
	if err != nil || res.Done != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	e.waitDepth(t, "work", 3)
	e.waitDepth(t, "work.dlq", n-3)
}

func TestRedriveRabbitResumesAfterConnectionClosed(t *testing.T) {
	const n = 60
	e := newRabbitEnv(t, n)
	p := planFor(t, e, replay.Options{})
	dir := t.TempDir()
	j, err := replay.OpenJournal(dir, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The broker drops every connection of the vhost mid-run, the run's
	// own included; the management API lists a connection only after its
	// stats interval (5 s), so the run is slowed to outlast it.
	vhost := strings.TrimPrefix(mustParse(t, e.url).Path, "/")
	stopClosing := make(chan struct{})
	closed := make(chan int, 1)
	var once sync.Once
	closeAll := func() {
		go func() {
			total := 0
			defer func() { closed <- total }()
			for {
				select {
				case <-stopClosing:
					return
				case <-time.After(200 * time.Millisecond):
				}
				cs, _ := e.mgmt.Connections(context.Background())
				for _, c := range cs {
					if c.Vhost == vhost && e.mgmt.CloseConnection(context.Background(), c.Name) == nil {
						total++
					}
				}
			}
		}()
	}
	res1, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 10, Rate: 6, Journal: j, OnProgress: func(pr replay.Progress) {
		if pr.Done > 0 {
			once.Do(closeAll)
		}
	}})
	close(stopClosing)
	t.Logf("connections closed through the management API: %d", <-closed)
	j.Close()
	if err == nil {
		t.Fatalf("the run went on after its connection was closed: %+v", res1)
	}
	t.Logf("interrupted after %d: %v", res1.Done, err)
	// The app's connection was closed too: reconnect to check.
	ac, ch := testbroker.AMQPChannel(t, e.url)
	defer ac.Close()
	e.app = ch
	time.Sleep(500 * time.Millisecond)
	j2, err := replay.OpenJournal(dir, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 10, Journal: j2})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	e.waitDepth(t, "work.dlq", 0)
	got := e.depth(t, "work")
	if got < n || got > n+10 {
		t.Fatalf("work has %d messages for %d dead letters (resume %+v)", got, n, res)
	}
	if got != n {
		t.Logf("%d duplicates from the in-flight confirm window", got-n)
	}
}

// TestRedriveRabbitPacedSendsAsItGoes: with a rate limit each message is
// published when it is taken, not gathered with the ones after it, so the
// target fills while the run goes on.
func TestRedriveRabbitPacedSendsAsItGoes(t *testing.T) {
	const n = 20
	e := newRabbitEnv(t, n)
	p := planFor(t, e, replay.Options{})
	done := make(chan error, 1)
	go func() {
		_, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 100, Rate: 10})
		done <- err
	}()
	for {
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before any message reached work", err)
		case <-time.After(100 * time.Millisecond):
		}
		if e.depth(t, "work") > 0 {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.waitDepth(t, "work", n)
}

// TestRedriveRabbitWaitsForASlowBroker: the target queue stops for longer
// than a run waits for deliveries (its process suspended), so confirms stop
// and, the window full, no more deliveries are taken; the run waits for the
// confirms instead of ending as if the queue had run dry.
func TestRedriveRabbitWaitsForASlowBroker(t *testing.T) {
	const n = 60
	e := newRabbitEnv(t, n)
	p := planFor(t, e, replay.Options{})
	var once sync.Once
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 5, Rate: 100, OnProgress: func(pr replay.Progress) {
		if pr.Done > 0 {
			once.Do(func() { testbroker.SuspendRabbitQueue(t, e.vhost, "work", 2500*time.Millisecond) })
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != n || res.Stop.Early() {
		t.Fatalf("moved %d of %d, stopped: %q", res.Done, n, res.Stop)
	}
	e.waitDepth(t, "work", n)
	e.waitDepth(t, "work.dlq", 0)
}
