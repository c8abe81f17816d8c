package replay_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// alike are n dead letters of one body and no message id, and n of
// another body, each with a correlation id of its own.
func alike(n int) []amqp.Publishing {
	var out []amqp.Publishing
	for range n {
		out = append(out, amqp.Publishing{Body: []byte(`{"alike":true}`), ContentType: "application/json"})
	}
	for i := range n {
		out = append(out, amqp.Publishing{Body: []byte(`{"alike":"by body"}`), CorrelationId: fmt.Sprintf("c-%d", i)})
	}
	return out
}

// deadLetter publishes messages to the shop exchange (order.created, so
// they reach work) and rejects them into work.dlq.
func (e *rabbitEnv) deadLetter(t *testing.T, pubs []amqp.Publishing) {
	t.Helper()
	before := e.depth(t, "work.dlq")
	for _, p := range pubs {
		if err := e.app.PublishWithContext(context.Background(), "shop", "order.created", false, false, p); err != nil {
			t.Fatal(err)
		}
	}
	e.waitDepth(t, "work", len(pubs))
	for range pubs {
		d, ok, err := e.app.Get("work", false)
		if err != nil || !ok {
			t.Fatalf("work ran dry: %v", err)
		}
		if err := d.Reject(false); err != nil {
			t.Fatal(err)
		}
	}
	e.waitDepth(t, "work.dlq", before+len(pubs))
}

// classes counts a queue's messages by what tells the alike messages'
// kinds apart: the body, and the correlation id.
func (e *rabbitEnv) classes(t *testing.T, q string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range readAll(t, e.conn, q) {
		corr := ""
		for _, p := range m.Properties {
			if p.Name == "correlation-id" {
				corr = p.Value
			}
		}
		out[string(m.Value)+"|"+corr]++
	}
	return out
}

// TestRedriveRabbitAlikeMessagesAreEachRedriven: twenty dead letters alike
// in content (ten with one body and no id, ten with another body and their
// own correlation ids) are twenty messages: each reaches the target once,
// on both paths, and nothing is said to come round again.
func TestRedriveRabbitAlikeMessagesAreEachRedriven(t *testing.T) {
	for _, path := range []string{"wire", "amqp091-go"} {
		t.Run(path, func(t *testing.T) {
			e := newRabbitEnv(t, 0)
			e.deadLetter(t, alike(10))
			want := e.classes(t, "work.dlq")
			p := planFor(t, e, replay.Options{})
			j, err := replay.OpenJournal(t.TempDir(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			var c sources.StreamRedriver = e.conn
			if path == "amqp091-go" {
				c = rabbitmq.AMQPClientOnly(e.conn)
			}
			res, err := replay.RedriveStreamed(context.Background(), c, p, true, replay.RunOptions{Batch: 4, Journal: j})
			if err != nil {
				t.Fatal(err)
			}
			if res.Done != 20 || res.Duplicates != 0 || res.Stop.Early() || len(res.PossibleDuplicates) != 0 {
				t.Fatalf("redrove %d of 20 (duplicates %d, possible %d), stopped %s", res.Done, res.Duplicates, len(res.PossibleDuplicates), res.Stop)
			}
			e.waitDepth(t, "work.dlq", 0)
			e.waitDepth(t, "work", 20)
			if got := e.classes(t, "work"); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("work holds %v, the DLQ held %v", got, want)
			}
		})
	}
}

// TestRedriveRabbitSelectionTakesAsManyAlikeAsPlanned: a plan of five of
// ten alike messages moves five, not every message alike to them.
func TestRedriveRabbitSelectionTakesAsManyAlikeAsPlanned(t *testing.T) {
	e := newRabbitEnv(t, 0)
	e.deadLetter(t, alike(10)[:10])
	p, err := replay.NewPlan("work.dlq", readAll(t, e.conn, "work.dlq")[:5], replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, false, replay.RunOptions{})
	if err != nil || res.Done != 5 {
		t.Fatalf("%+v %v", res, err)
	}
	e.waitDepth(t, "work", 5)
	e.waitDepth(t, "work.dlq", 5)
}

// TestRedriveRabbitResumesAcrossPaths: a run on package wire loses its
// connections mid-run (the broker closes them), so some messages it had
// confirmed stay unacknowledged; a run through amqp091-go with the same id
// acknowledges as many alike messages as were confirmed, sends the rest,
// and every dead letter is in the target once (or reported as a possible
// duplicate).
func TestRedriveRabbitResumesAcrossPaths(t *testing.T) {
	const n = 30
	e := newRabbitEnv(t, 0)
	e.deadLetter(t, alike(n))
	want := e.classes(t, "work.dlq")
	p := planFor(t, e, replay.Options{})
	dir := t.TempDir()
	j, err := replay.OpenJournal(dir, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	stop := e.closeConnectionsOnce()
	res1, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 10, Rate: 6, Journal: j, OnProgress: func(pr replay.Progress) {
		if pr.Done > 0 {
			stop.start()
		}
	}})
	stop.wait(t)
	j.Close()
	if err == nil {
		t.Fatalf("the run went on after its connections were closed: %+v", res1)
	}
	e.reconnect(t)
	j2, err := replay.OpenJournal(dir, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	res, err := replay.RedriveStreamed(context.Background(), rabbitmq.AMQPClientOnly(e.conn), p, true, replay.RunOptions{Batch: 10, Journal: j2})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	t.Logf("first run %d done, resume %d done, %d acknowledged without sending, %d possible duplicates", res1.Done, res.Done, res.Duplicates, res.PossibleCopies())
	e.waitDepth(t, "work.dlq", 0)
	got := e.classes(t, "work")
	extra := 0
	for k, w := range want {
		if got[k] < w {
			t.Errorf("%s: %d in the target, %d dead letters: lost", k, got[k], w)
		}
		extra += got[k] - w
	}
	if extra > res.PossibleCopies() {
		t.Fatalf("%d duplicates in the target, %d reported: %v", extra, res.PossibleCopies(), got)
	}
	if res1.Done+res.Done+res.Duplicates < 2*n {
		t.Fatalf("first run %d + resume %d redriven, %d acknowledged without sending, for %d", res1.Done, res.Done, res.Duplicates, 2*n)
	}
}

// closer closes every connection of the env's vhost, from the first call
// of start until wait.
type closer struct {
	e     *rabbitEnv
	once  sync.Once
	stop  chan struct{}
	total chan int
}

func (e *rabbitEnv) closeConnectionsOnce() *closer {
	return &closer{e: e, stop: make(chan struct{}), total: make(chan int, 1)}
}

func (c *closer) start() {
	c.once.Do(func() {
		go func() {
			total := 0
			defer func() { c.total <- total }()
			for {
				select {
				case <-c.stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
				cs, _ := c.e.mgmt.Connections(context.Background())
				for _, cn := range cs {
					if cn.Vhost == c.e.vhost && c.e.mgmt.CloseConnection(context.Background(), cn.Name) == nil {
						total++
					}
				}
			}
		}()
	})
}

func (c *closer) wait(t *testing.T) {
	close(c.stop)
	started := false
	c.once.Do(func() { c.total <- 0 })
	select {
	case n := <-c.total:
		started = true
		t.Logf("connections closed through the management API: %d", n)
	case <-time.After(5 * time.Second):
	}
	if !started {
		t.Fatal("the closer did not end")
	}
}

// reconnect opens the app's channel again (its connection was closed too).
func (e *rabbitEnv) reconnect(t *testing.T) {
	t.Helper()
	ac, ch := testbroker.AMQPChannel(t, e.url)
	t.Cleanup(func() { ac.Close() })
	e.app = ch
	time.Sleep(500 * time.Millisecond)
}
