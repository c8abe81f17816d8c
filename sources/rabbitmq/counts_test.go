package rabbitmq_test

import (
	"context"
	"net"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// counted lists the connection's streams until the named one's counts
// satisfy done (the management API's figures lag behind the queue) or
// 30 s passed, and returns its last listing.
func counted(t *testing.T, c *rabbitmq.Conn, name string, done func(sources.QueueCounts) bool) sources.StreamInfo {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := c.ListStreams(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.Name == name && (done(s.Counts) || time.Now().After(deadline)) {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not listed", name)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestListQueueCounts(t *testing.T) {
	e := newEnv(t)
	e.queue("work", nil)
	for range 5 {
		e.publish("", "work", amqp.Publishing{Body: []byte("order")})
	}
	e.waitDepth("work", 5)
	// A consumer holds two deliveries unacknowledged.
	e.must(e.app.Qos(2, 0, false))
	consumer, err := e.app.Consume("work", "holder", false, false, false, false, nil)
	e.must(err)
	held := 0
	for held < 2 {
		select {
		case <-consumer:
			held++
		case <-time.After(20 * time.Second):
			t.Fatalf("the consumer got %d deliveries", held)
		}
	}

	c := e.dial()
	want := sources.QueueCounts{Ready: sources.KnownCount(3), Unacked: sources.KnownCount(2), Consumers: sources.KnownCount(1), State: "running"}
	got := counted(t, c, "work", func(q sources.QueueCounts) bool { return q == want })
	if got.Counts != want {
		t.Fatalf("work's counts %+v, want %+v", got.Counts, want)
	}
	if got.Counts.Visible.Known || got.Counts.InFlight.Known || got.Counts.Delayed.Known {
		t.Fatalf("a RabbitMQ queue with SQS counts: %+v", got.Counts)
	}

	// Without the management API a passive declare counts what is ready
	// and the consumers; nothing says what is unacknowledged.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	e.must(err)
	down := "http://" + ln.Addr().String()
	ln.Close()
	bare := e.dial(func(o *rabbitmq.Options) { o.ManagementURL, o.Queues = down, []string{"work"} })
	list, err := bare.ListStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("listed %d streams without the management API", len(list))
	}
	q := list[0].Counts
	if q.Ready != sources.KnownCount(3) || q.Consumers != sources.KnownCount(1) || q.Unacked.Known || q.State != "" {
		t.Fatalf("counts without the management API: %+v", q)
	}
}
