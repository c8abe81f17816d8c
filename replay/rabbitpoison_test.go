package replay_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// poisonEnv is a vhost with the shop exchange, the work queue and a quorum
// DLQ (which counts redeliveries in x-delivery-count), into which dead
// letters are published with their x-death as the broker writes it.
type poisonEnv struct {
	url, vhost string
	ch         *amqp.Channel
	conn       *rabbitmq.Conn
}

func newPoisonEnv(t *testing.T) *poisonEnv {
	t.Helper()
	vhostURL, vhost, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	t.Cleanup(func() { ac.Close() })
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("work", true, false, false, false, nil)
	must(err)
	testbroker.ShopExchange(t, ch)
	_, err = ch.QueueDeclare("work.dlq", true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	must(err)
	_, err = ch.QueueDeclare("scratch", true, false, false, false, nil)
	must(err)
	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: vhostURL})
	must(err)
	t.Cleanup(func() { conn.Close() })
	return &poisonEnv{url: vhostURL, vhost: vhost, ch: ch, conn: conn}
}

// deadLetterHeaders are the headers of a message the broker dead-lettered
// from work, plus extra.
func deadLetterHeaders(extra amqp.Table) amqp.Table {
	h := amqp.Table{"x-death": []any{amqp.Table{"queue": "work", "reason": "rejected", "count": int64(1), "exchange": "shop",
		"routing-keys": []any{"order.created"}, "time": time.Unix(1700000000, 0)}},
		"x-first-death-queue": "work", "x-first-death-reason": "rejected", "x-first-death-exchange": "shop"}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func (e *poisonEnv) publish(t *testing.T, queue string, p amqp.Publishing) {
	t.Helper()
	if err := e.ch.PublishWithContext(context.Background(), "", queue, false, false, p); err != nil {
		t.Fatal(err)
	}
}

// wireRead reads n messages of a queue with package wire and gives them
// back.
func (e *poisonEnv) wireRead(t *testing.T, queue string, n int) []wire.Delivery {
	t.Helper()
	c, err := e.conn.DialWire(context.Background(), "poison test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return testbroker.WireRead(t, c, queue, "poison-test", n, n)
}

// deliveryCount is a delivery's x-delivery-count (0 when it has none).
func deliveryCount(t *testing.T, d wire.Delivery) int64 {
	t.Helper()
	props, err := wire.SplitProperties(d.Properties)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	_ = wire.Entries(props.Table, func(key string, typ byte, value, _ []byte) error {
		if key == "x-delivery-count" {
			v, _ := wire.Decode(typ, value)
			switch v := v.(type) {
			case int64:
				n = v
			case int32:
				n = int64(v)
			}
		}
		return nil
	})
	return n
}

// TestRedriveRabbitLeavesPoisonInPlace: among good dead letters, one with
// a header table nested 200 deep, one with an array of 10,000 elements and
// one whose header fills a frame (the redrive's headers would not fit)
// are each reported with their position, size and reason, left in the
// DLQ, redelivered once only; every other message is redriven.
func TestRedriveRabbitLeavesPoisonInPlace(t *testing.T) {
	e := newPoisonEnv(t)
	const good = 20
	deep := amqp.Table{"leaf": "v"}
	for range 200 {
		deep = amqp.Table{"n": deep}
	}
	wide := make([]any, 10000)
	for i := range wide {
		wide[i] = "x"
	}
	// The frame-filling header: measured on a scratch queue, then sized so
	// that the message fits a frame as it is and not with the provenance
	// headers.
	big := amqp.Publishing{Headers: deadLetterHeaders(amqp.Table{"big": ""}), Body: []byte("big")}
	e.publish(t, "scratch", big)
	base := len(e.wireRead(t, "scratch", 1)[0].Properties)
	big.Headers["big"] = strings.Repeat("b", 131072-8-12-50-base)

	for i := range good + 3 {
		p := amqp.Publishing{Headers: deadLetterHeaders(nil), Body: []byte(fmt.Sprintf(`{"good":%d}`, i)), DeliveryMode: amqp.Persistent}
		switch i {
		case 5:
			p.Headers["deep"] = deep
		case 10:
			p.Headers["wide"] = wide
		case 15:
			p = big
		}
		e.publish(t, "work.dlq", p)
	}
	testbroker.WaitQueue(t, e.ch, "work.dlq", good+3)
	p, err := replay.NewPlan("work.dlq", nil, replay.Options{}) // amqp091-go could not peek them
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 8})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != good || res.Failed != 3 || len(res.Failures) != 3 {
		t.Fatalf("redrove %d, failed %d: %+v", res.Done, res.Failed, res.Failures)
	}
	for i, want := range []string{"nested deeper than 32", "more than 8192", "more than one frame"} {
		f := res.Failures[i]
		if !strings.Contains(f.Err, want) || !strings.Contains(f.Err, "bytes") || f.Position == "" || strings.Contains(f.Err, "not open") {
			t.Errorf("failure %d: %+v; want the position, the size and %q", i, f, want)
		}
	}
	t.Logf("failures: %+v", res.Failures)
	testbroker.WaitQueue(t, e.ch, "work", good)
	testbroker.WaitQueue(t, e.ch, "work.dlq", 3)
	for _, d := range e.wireRead(t, "work.dlq", 3) {
		if n := deliveryCount(t, d); n != 1 {
			t.Errorf("a poison message was given back %d times in one run", n)
		}
	}
}

// TestRedriveRabbitSaysWhyAMQPClientStopped: amqp091-go drops its
// connection at a message whose headers it cannot read; the run says so,
// and which run steps past it, instead of "the channel is not open".
func TestRedriveRabbitSaysWhyAMQPClientStopped(t *testing.T) {
	e := newPoisonEnv(t)
	deep := amqp.Table{"leaf": "v"}
	for range 40 {
		deep = amqp.Table{"n": deep}
	}
	e.publish(t, "work.dlq", amqp.Publishing{Headers: deadLetterHeaders(amqp.Table{"deep": deep}), Body: []byte("deep")})
	for i := range 5 {
		e.publish(t, "work.dlq", amqp.Publishing{Headers: deadLetterHeaders(nil), Body: []byte(fmt.Sprintf("good %d", i))})
	}
	testbroker.WaitQueue(t, e.ch, "work.dlq", 6)
	p, err := replay.NewPlan("work.dlq", nil, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveStreamed(context.Background(), rabbitmq.AMQPClientOnly(e.conn), p, true, replay.RunOptions{Batch: 8})
	if err == nil || !strings.Contains(err.Error(), "amqp091-go) could not read a message of work.dlq") || !strings.Contains(err.Error(), "raw bytes") {
		t.Fatalf("err %v (%s)", err, res.Stop)
	}
	t.Log(err)
	testbroker.WaitQueue(t, e.ch, "work.dlq", 6-res.Done)
	// The whole-queue run on package wire steps past it.
	res, err = replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 8})
	if err != nil || res.Failed != 1 || !strings.Contains(res.Failures[0].Err, "nested deeper") {
		t.Fatalf("%+v %v", res, err)
	}
	testbroker.WaitQueue(t, e.ch, "work.dlq", 1)
	testbroker.WaitQueue(t, e.ch, "work", 5)
}

// TestRedriveRabbitSelectionsAndEditsStepPastPoison: runs that need whole
// messages (a selection, an edit) read them with package wire and decode
// them as amqp091-go would: messages amqp091-go could not read are left
// in place (reported when the run takes the whole queue) and the run goes
// on.
func TestRedriveRabbitSelectionsAndEditsStepPastPoison(t *testing.T) {
	e := newPoisonEnv(t)
	deep := amqp.Table{"leaf": "v"}
	for range 200 {
		deep = amqp.Table{"n": deep}
	}
	wide := make([]any, 10000)
	for i := range wide {
		wide[i] = int32(i)
	}
	for i := range 8 {
		h := deadLetterHeaders(nil)
		switch i {
		case 1:
			h["deep"] = deep
		case 4:
			h["wide"] = wide
		}
		e.publish(t, "work.dlq", amqp.Publishing{Headers: h, Body: []byte(fmt.Sprintf("message %d", i))})
	}
	testbroker.WaitQueue(t, e.ch, "work.dlq", 8)
	var good []sources.Message
	for i, d := range e.wireRead(t, "work.dlq", 8) {
		ad, err := wire.DecodeDelivery(d)
		if err != nil {
			t.Fatal(err)
		}
		if i != 1 && i != 4 {
			good = append(good, e.conn.Convert(ad, "work.dlq", int64(i)))
		}
	}
	testbroker.WaitQueue(t, e.ch, "work.dlq", 8) // given back when the reading connection closed
	p, err := replay.NewPlan("work.dlq", good[:3], replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveStreamed(context.Background(), e.conn, p, false, replay.RunOptions{Batch: 4})
	if err != nil || res.Done != 3 || res.Failed != 0 {
		t.Fatalf("selection: %+v %v", res, err)
	}
	testbroker.WaitQueue(t, e.ch, "work", 3)
	testbroker.WaitQueue(t, e.ch, "work.dlq", 5)

	// A message that fits a frame, and would not with the redrive's headers.
	big := amqp.Publishing{Headers: deadLetterHeaders(amqp.Table{"big": ""}), Body: []byte("big")}
	e.publish(t, "scratch", big)
	base := len(e.wireRead(t, "scratch", 1)[0].Properties)
	big.Headers["big"] = strings.Repeat("b", 131072-8-12-50-base)
	e.publish(t, "work.dlq", big)
	testbroker.WaitQueue(t, e.ch, "work.dlq", 6)

	edited := good[4]
	p, err = replay.NewPlan("work.dlq", nil, replay.Options{Edits: map[string]replay.Edit{replay.Fingerprint(edited): {Value: []byte("edited"), Headers: edited.Headers}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err = replay.RedriveStreamed(context.Background(), e.conn, p, true, replay.RunOptions{Batch: 4})
	if err != nil || res.Done != 3 || res.Failed != 3 {
		t.Fatalf("edit: %+v %v", res, err)
	}
	for _, f := range res.Failures {
		if !strings.Contains(f.Err, "nested deeper than 32") && !strings.Contains(f.Err, "more than 8192") && !strings.Contains(f.Err, "more than one frame") {
			t.Errorf("failure %+v", f)
		}
	}
	testbroker.WaitQueue(t, e.ch, "work", 6)
	testbroker.WaitQueue(t, e.ch, "work.dlq", 3)
	found := false
	for range 6 {
		d, ok, err := e.ch.Get("work", true)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		found = found || string(d.Body) == "edited"
	}
	if !found {
		t.Fatal("the edited message is not in work")
	}
}
