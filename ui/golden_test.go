package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/mqscope/mqscope/sources"
)

// The golden tests run the root model in a real Bubble Tea program
// (teatest) at a fixed size with the ASCII colour profile, feed it the
// results its I/O would deliver, and compare the final screen with
// testdata/*.golden (go test ./ui -update rewrites them).

func goldenStreams() []sources.StreamInfo {
	parts := func(n int) []sources.PartitionInfo { return make([]sources.PartitionInfo, n) }
	return []sources.StreamInfo{
		{Name: "connect.dlq", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(1), Messages: 36, High: 36, DeadLetter: true},
		{Name: "inventory.snapshots", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(2), Messages: 61, High: 61},
		{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(3), Messages: 403, High: 403},
		{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(3), Messages: 44, High: 44, DeadLetter: true, DeadLetterFor: "orders"},
		{Name: "payments", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(3), Messages: 359, High: 359},
	}
}

func goldenDLT() []sources.Message {
	ms := orderMsgs(0, 4)
	for i := range ms {
		ms[i].Stream = "orders.DLT"
		ms[i].DeadLetter = &sources.DeadLetter{
			Scheme: "spring", OriginStream: "orders", OriginPartition: ms[i].Partition, OriginOffset: ms[i].Offset + 100,
			ConsumerGroup:  "order-service",
			ExceptionClass: "com.acme.orders.validation.OrderValidationException", ExceptionMessage: "Order rejected: total must be positive",
			StackTrace: "com.acme.orders.validation.OrderValidationException: Order rejected\n\tat com.acme.orders.OrderValidator.validate(OrderValidator.java:57)",
		}
		ms[i].Headers = append(ms[i].Headers,
			sources.Header{Key: "kafka_dlt-original-topic", Value: []byte("orders")},
			sources.Header{Key: "kafka_dlt-original-partition", Value: []byte{0, 0, 0, byte(ms[i].Partition)}},
			sources.Header{Key: "kafka_dlt-original-offset", Value: []byte{0, 0, 0, 0, 0, 0, 0, byte(ms[i].Offset + 100)}},
		)
	}
	ms[3].Value = []byte{0x00, 0x00, 0x00, 0x01, 0xa7, 0x14, 0xff, 0xfe}
	ms[3].ValueSize = len(ms[3].Value)
	return ms
}

// waitFor is a step that waits until the screen shows a text.
type waitFor string

// runGolden sends each step to the program (a waitFor waits for the screen
// to show its text, so a page opened by a Cmd exists before its data is
// sent), then compares the final view with the golden file.
func runGolden(t *testing.T, steps ...any) {
	t.Helper()
	runGoldenAt(t, 100, 24, steps...)
}

// runGoldenAt is runGolden on a terminal of w x h.
func runGoldenAt(t *testing.T, w, h int, steps ...any) {
	t.Helper()
	runGoldenWith(t, testCommon(w, h), steps...)
}

// runGoldenWith is runGolden with a Common of the test's own.
func runGoldenWith(t *testing.T, c *Common, steps ...any) {
	t.Helper()
	runGoldenModel(t, newModel(c, []sources.Conn{staticConn{}}), steps...)
}

// runGoldenModel is runGolden on a root model of the test's own.
func runGoldenModel(t *testing.T, m *Model, steps ...any) {
	t.Helper()
	w, h := m.c.Width, m.c.Height
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, st := range steps {
		switch st := st.(type) {
		case waitFor:
			t.Logf("waiting for %q", st)
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(st)) },
				teatest.WithDuration(5*time.Second))
		case tea.Msg:
			tm.Send(st)
		}
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	golden.RequireEqual(t, []byte(final.View()))
}

func listed() streamsListed { return streamsListed{page: 1, streams: goldenStreams(), at: testNow} }

func TestGoldenStreams(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"))
}

func TestGoldenMessagesDLT(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("dead letters"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("OrderValidationException"))
}

func TestGoldenDetail(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("dead letters"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("OrderValidationException"),
		keyPress("k"), keyPress("enter"), waitFor("Value (JSON"))
}

// TestGoldenDetailHelp: the detail's full help lists y (the decoded value)
// and Y (the export line) beside the copy menu.
func TestGoldenDetailHelp(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("dead letters"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("OrderValidationException"),
		keyPress("k"), keyPress("enter"), waitFor("Value (JSON"), keyPress("?"), waitFor("copy export line"))
}

func TestGoldenDetailBinary(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("dead letters"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("OrderValidationException"),
		keyPress("enter"), waitFor("Value (binary"), keyPress("G"))
}

func TestGoldenHelp(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"), keyPress("enter"), waitFor("LIVE"), keyPress("?"), waitFor("start position"))
}

func rabbitDLQ() []sources.Message {
	at := testNow.Add(-5 * time.Minute)
	var out []sources.Message
	for i, reason := range []string{"rejected", "rejected", "expired"} {
		m := sources.Message{
			Conn: "test", Stream: "orders.parking", Partition: sources.NoPartition, Offset: int64(i), ID: fmt.Sprintf("msg-%d", i),
			Key: []byte("orders"), Value: []byte(fmt.Sprintf(`{"orderId":"ord-%d"}`, i)), Timestamp: at, Redelivered: i == 0,
			Headers: []sources.Header{{Key: "x-first-death-queue", Value: []byte("orders.work")}, {Key: "x-first-death-reason", Value: []byte(reason)}},
			Properties: []sources.Property{{Name: "exchange", Value: "shop.dlx"}, {Name: "routing-key", Value: "orders"},
				{Name: "content-type", Value: "application/json"}, {Name: "delivery-mode", Value: "2 (persistent)"}},
			DeadLetter: &sources.DeadLetter{Scheme: "rabbitmq", ByExchange: true, OriginStream: "orders.work", OriginPartition: sources.NoPartition, OriginOffset: -1,
				Exchange: "shop", RoutingKeys: []string{"order.created"}, Reason: reason, Count: 1, FirstDeath: at, LastDeath: at,
				Deaths: []sources.Death{{Queue: "orders.work", Reason: reason, Count: 1, Exchange: "shop", RoutingKeys: []string{"order.created"}, Time: at}}},
		}
		m.ValueSize = len(m.Value)
		out = append(out, m)
	}
	return out
}

func rabbitStreams() streamsListed {
	return streamsListed{page: 1, at: testNow, streams: []sources.StreamInfo{
		{Name: "orders.parking", Kind: "classic", Reading: sources.Reading{Queue: true}, Messages: 8, RateKnown: true, DeadLetter: true, DeadLetterFor: "orders.work"},
		{Name: "orders.work", Kind: "classic", Reading: sources.Reading{Queue: true}, Messages: 32, Rate: 4.5, RateKnown: true},
		{Name: "payments.work", Kind: "quorum", Reading: sources.Reading{Queue: true, PeekEffect: "delivery-count +1"}, Messages: 21, RateKnown: true, Info: []sources.Property{{Name: "x-delivery-limit", Value: "2"}}},
		{Name: "shop", Kind: "exchange", Reading: sources.Reading{Tap: true, Live: true}, Messages: -1, RateKnown: true},
	}}
}

func TestGoldenRabbitDLQ(t *testing.T) {
	runGolden(t, rabbitStreams(), waitFor("payments.work"), keyPress("enter"), waitFor("PEEKING"),
		batchReceived{page: 2, sub: 1, msgs: rabbitDLQ()}, batchReceived{page: 2, sub: 1, err: sources.ErrEndOfStream},
		waitFor("PEEKED"))
}

func TestGoldenRabbitDetail(t *testing.T) {
	runGolden(t, rabbitStreams(), waitFor("payments.work"), keyPress("enter"), waitFor("PEEKING"),
		batchReceived{page: 2, sub: 1, msgs: rabbitDLQ()}, batchReceived{page: 2, sub: 1, err: sources.ErrEndOfStream},
		waitFor("PEEKED"), keyPress("g"), keyPress("enter"), waitFor("History"))
}

func TestGoldenRedrivePlan(t *testing.T) {
	runGolden(t, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("dead letters"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("OrderValidationException"),
		keyPress("g"), keyPress(" "), keyPress(" "), keyPress(" "), keyPress("R"), waitFor("y/enter: redrive"))
}

func TestGoldenHelp80x24(t *testing.T) {
	runGoldenAt(t, 80, 24, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("from last:500"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("4/4"),
		keyPress("?"), waitFor("start position"))
}

func TestGoldenRedrivePlan50x12(t *testing.T) {
	runGoldenAt(t, 50, 12, listed(), waitFor("payments"), keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"),
		waitFor("from last:500"), batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("4/4"),
		keyPress("g"), keyPress(" "), keyPress(" "), keyPress("R"), waitFor("Redrive from"))
}

// namedConn is a staticConn under another name.
type namedConn struct {
	staticConn
	name string
}

func (c namedConn) Name() string { return c.name }

// goldenConnSpecs are a good connection, an unreachable one and one with a
// wrong password; their dials answer at once, with the errors the command
// line's dials give (naming the connection).
func goldenConnSpecs() []ConnSpec {
	fail := func(text string) func(context.Context) (sources.Conn, error) {
		return func(context.Context) (sources.Conn, error) { return nil, errors.New(text) }
	}
	return []ConnSpec{
		{Name: "local", Kind: "kafka", Address: "127.0.0.1:9092", Dial: func(context.Context) (sources.Conn, error) { return namedConn{name: "local"}, nil }},
		{Name: "dead", Kind: "kafka", Address: "kafka-1.prod.example.com:9093", Dial: fail("connection dead: connect to kafka kafka-1.prod.example.com:9093: broker unreachable: dial tcp 10.20.0.7:9093: connect: connection refused")},
		{Name: "bad-password", Kind: "rabbitmq", Address: "amqps://mqscope@rabbit.example.com:5671/orders", Dial: fail(`connection bad-password: rabbitmq rabbit.example.com:5671: user "mqscope": authentication failed (check the user name and password)`)},
	}
}

func TestGoldenConnections80x24(t *testing.T) {
	runGoldenModel(t, NewConnections(testCommon(80, 24), goldenConnSpecs()), waitFor("1 ready, 2 failed"), keyPress("j"), waitFor("r: retry"))
}

// TestGoldenRedriveRefused40x12: a plan whose target is refused says why
// above its key line, wrapped, on a small terminal.
func TestGoldenRedriveRefused40x12(t *testing.T) {
	runGoldenModel(t, newModel(testCommon(40, 12), []sources.Conn{refusingConn{}}), listed(), waitFor("payments"),
		keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"), waitFor("from last:500"),
		batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("4/4"),
		keyPress("g"), keyPress(" "), keyPress(" "), keyPress("R"), waitFor("cannot redrive"))
}

// TestGoldenStreamsCounting: the names are listed, the counts of two
// topics are in, the others pending.
func TestGoldenStreamsCounting(t *testing.T) {
	names := goldenStreams()
	for i := range names {
		names[i].Messages, names[i].High = -1, -1
	}
	counts := goldenStreams()
	runGolden(t, streamsNamed{page: 1, streams: names}, waitFor("payments"),
		streamsCounted{page: 1, asked: []string{"orders", "orders.DLT"}, streams: counts[2:4], at: testNow}, waitFor("counting 2 of 5"))
}

func TestGoldenStreamsSortedByRate(t *testing.T) {
	runGolden(t, streamsListed{page: 1, streams: ratedTopics(9000, 10500, 950, 12.5, 0), at: testNow}, waitFor("shipments"),
		keyPress("5"), waitFor("RATE ▼"))
}

// rabbitCounted is a RabbitMQ vhost's queues as the management API counts
// them, and one listed without it.
func rabbitCounted() streamsListed {
	counts := func(ready, unacked, consumers int64, state string) sources.QueueCounts {
		return sources.QueueCounts{Ready: sources.KnownCount(ready), Unacked: sources.KnownCount(unacked), Consumers: sources.KnownCount(consumers), State: state}
	}
	l := rabbitStreams()
	l.streams[0].Counts = counts(8, 0, 0, "idle")
	l.streams[1].Counts = counts(20, 12, 3, "running")
	l.streams[2].Counts = sources.QueueCounts{Ready: sources.KnownCount(21), Consumers: sources.KnownCount(1)} // no management API: no unacked, no state
	return l
}

func TestGoldenRabbitQueueCounts(t *testing.T) {
	runGolden(t, rabbitCounted(), waitFor("payments.work"), keyPress("5"), waitFor("UNACKED ▼"))
}

func TestGoldenSQSQueueCounts(t *testing.T) {
	l := streamsListed{page: 1, at: testNow, streams: []sources.StreamInfo{
		{Name: "orders", Kind: "standard", Reading: sources.Reading{Queue: true}, Messages: 40,
			Counts: sources.QueueCounts{Visible: sources.KnownCount(40), InFlight: sources.KnownCount(7), Delayed: sources.KnownCount(2)}},
		{Name: "orders-dlq", Kind: "standard", Reading: sources.Reading{Queue: true}, Messages: 3, DeadLetter: true, DeadLetterFor: "orders",
			Counts: sources.QueueCounts{Visible: sources.KnownCount(3), InFlight: sources.KnownCount(0), Delayed: sources.KnownCount(0)}},
	}}
	runGoldenAt(t, 80, 12, l, waitFor("orders-dlq"))
}
