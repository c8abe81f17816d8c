package dlq_test

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// springDead is a Spring dead letter's headers, failed in orders.
func springDead() []sources.Header {
	return hs("kafka_dlt-original-topic", "orders", "kafka_dlt-exception-fqcn", "java.lang.IllegalStateException",
		"kafka_dlt-exception-message", "boom")
}

func redriveHeaders(id, source, pos, hops string) []sources.Header {
	return hs(dlq.HeaderRedriveID, id, dlq.HeaderRedriveHops, hops, dlq.HeaderRedriveSource, source, dlq.HeaderRedrivePosition, pos)
}

func read(stream string, headers []sources.Header) sources.Message {
	m := sources.Message{Stream: stream, Partition: 0, Headers: headers}
	m.DeadLetter = dlq.FromHeaders(headers)
	dlq.MarkCopy(&m)
	return m
}

func TestRedrivenCopyIsNotADeadLetter(t *testing.T) {
	copyHeaders := append(springDead(), redriveHeaders("rd-1", "orders.DLT", "2/17", "1")...)
	m := read("orders", copyHeaders)
	if m.DeadLetter != nil || m.Redriven == nil {
		t.Fatalf("a copy in its origin: dead letter %+v, redriven %+v", m.DeadLetter, m.Redriven)
	}
	if c := m.Redriven; c.ID != "rd-1" || c.Source != "orders.DLT" || c.Partition != 2 || c.Offset != 17 || c.Hops != 1 ||
		c.Before == nil || c.Before.OriginStream != "orders" || c.Before.ExceptionMessage != "boom" {
		t.Fatalf("copy %+v", c)
	}
	if got, want := m.Redriven.Summary(), "Redriven copy of orders.DLT@2/17 by rd-1 (hop 1)"; got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
	// Sent elsewhere with --to: still a copy.
	if m := read("orders-retry", copyHeaders); m.Redriven == nil || m.DeadLetter != nil {
		t.Fatal("a copy sent --to another topic was taken for a dead letter")
	}
}

func TestRedrivenCopyThatDiedAgainIsADeadLetter(t *testing.T) {
	// Back in the DLT it was redriven from, whatever the header order.
	back := append(springDead(), redriveHeaders("rd-1", "orders.DLT", "0/3", "1")...)
	if m := read("orders.DLT", back); m.DeadLetter == nil || m.Redriven != nil {
		t.Fatal("a copy back in its DLT is not a dead letter")
	}
	// In another DLT: its new dead-letter headers come after the redrive ones.
	again := append(append(springDead(), redriveHeaders("rd-1", "orders.DLT", "0/3", "1")...),
		hs("kafka_dlt-original-topic", "orders-retry", "kafka_dlt-exception-fqcn", "x.Y")...)
	m := read("orders-retry.DLT", again)
	if m.DeadLetter == nil || m.Redriven != nil || m.DeadLetter.OriginStream != "orders-retry" {
		t.Fatalf("a copy that died again: %+v %+v", m.DeadLetter, m.Redriven)
	}
	// RabbitMQ: a copy sits in the queue it last died in; a dead letter does not.
	rabbit := func(stream string) sources.Message {
		m := sources.Message{Stream: stream, Partition: sources.NoPartition, Headers: redriveHeaders("rd-2", "orders.dlq", "5", "1"),
			DeadLetter: &sources.DeadLetter{Scheme: "rabbitmq", OriginStream: "orders", Deaths: []sources.Death{{Queue: "orders"}}}}
		dlq.MarkCopy(&m)
		return m
	}
	if m := rabbit("orders"); m.Redriven == nil || m.DeadLetter != nil || m.Redriven.Partition != sources.NoPartition || m.Redriven.Offset != 5 {
		t.Fatalf("a RabbitMQ copy in its queue: %+v %+v", m.Redriven, m.DeadLetter)
	}
	if m := rabbit("other.dlq"); m.DeadLetter == nil || m.Redriven != nil {
		t.Fatal("a RabbitMQ copy dead again in another DLQ is not a dead letter")
	}
	// SQS moved it to a DLQ itself.
	m = sources.Message{Stream: "other-dlq", Headers: redriveHeaders("rd-3", "orders-dlq", "1", "1"),
		DeadLetter: &sources.DeadLetter{Scheme: "sqs", OriginStream: "other"}}
	if dlq.MarkCopy(&m); m.DeadLetter == nil {
		t.Fatal("an SQS dead letter was taken for a copy")
	}
}

func TestRedriveHeadersThatAreNotACopy(t *testing.T) {
	for _, h := range [][]sources.Header{
		hs(dlq.HeaderRedriveID, "rd-1"), // no source or position
		redriveHeaders("rd-1", "orders.DLT", "x/y", "1"),
		redriveHeaders("rd-1", "orders.DLT", "-1/4", "1"),
		redriveHeaders("rd-1", "", "0/4", "1"),
	} {
		if m := read("orders", append(springDead(), h...)); m.Redriven != nil || m.DeadLetter == nil {
			t.Errorf("headers %v: taken for a copy", h)
		}
	}
}
