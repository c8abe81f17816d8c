package wire_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// dial opens a wire connection to the test vhost of vhostURL.
func dial(t *testing.T, vhostURL string, mutate func(*wire.Options)) (*wire.Conn, error) {
	t.Helper()
	u, err := url.Parse(vhostURL)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	o := wire.Options{Username: u.User.Username(), Password: pw, Vhost: strings.TrimPrefix(u.Path, "/"), Name: "wire test"}
	if mutate != nil {
		mutate(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return wire.Dial(ctx, nc, o)
}

func TestDialRefusals(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	if _, err := dial(t, vhostURL, func(o *wire.Options) { o.Password = "wrong" }); err == nil || !strings.Contains(err.Error(), "login refused") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := dial(t, vhostURL, func(o *wire.Options) { o.Vhost = "no-such-vhost-mqscope" }); err == nil || !strings.Contains(err.Error(), `vhost "no-such-vhost-mqscope"`) {
		t.Fatalf("unknown vhost: %v", err)
	}
}

// TestRepublishPassesPropertiesThrough: messages published by amqp091-go
// (every field type, a body over the frame size), consumed and published
// again with package wire with headers appended to their table, read back
// by amqp091-go with every property, header and byte of the body intact.
func TestRepublishPassesPropertiesThrough(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	for _, q := range []string{"in", "out"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Unix(time.Now().Unix(), 0)
	headers := amqp.Table{
		"s": "text ü", "b": true, "i8": int8(-8), "i16": int16(-16), "i32": int32(-32), "i64": int64(-64),
		"f32": float32(1.5), "f64": 2.25, "t": when, "d": amqp.Decimal{Scale: 2, Value: 12345}, "bytes": []byte{0, 1, 0xff},
		"nil": nil, "nested": amqp.Table{"x": []any{"a", int64(1), amqp.Table{"deep": "yes"}}}, "arr": []any{}, "x-delivery-count": int64(0),
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 300<<10/16) // 300 KiB: several body frames
	sent := []amqp.Publishing{
		{Headers: headers, ContentType: "application/json", ContentEncoding: "gzip", DeliveryMode: amqp.Persistent, Priority: 3,
			CorrelationId: "corr", ReplyTo: "reply", Expiration: "600000", MessageId: "m-1", Timestamp: when, Type: "order", AppId: "app",
			Body: []byte(`{"a":1}`)},
		{Body: big},
		{MessageId: "empty"},
	}
	for _, p := range sent {
		if err := ch.PublishWithContext(context.Background(), "", "in", false, false, p); err != nil {
			t.Fatal(err)
		}
	}
	consume, err := dial(t, vhostURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer consume.Close()
	publish, err := dial(t, vhostURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer publish.Close()
	if err := consume.Qos(10); err != nil {
		t.Fatal(err)
	}
	if err := consume.Consume("in", "t"); err != nil {
		t.Fatal(err)
	}
	if err := publish.ConfirmSelect(); err != nil {
		t.Fatal(err)
	}
	pubEvents, consEvents := publish.Start(16), consume.Start(1)
	var got []wire.Delivery
	for len(got) < len(sent) {
		select {
		case batch := <-consEvents.Deliveries:
			got = append(got, batch...)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d delivered", len(got), len(sent))
		}
	}
	var frames []byte
	for i, d := range got {
		props, err := wire.SplitProperties(d.Properties)
		if err != nil {
			t.Fatal(err)
		}
		if props.MessageID() != sent[i].MessageId {
			t.Errorf("message id %q, sent %q", props.MessageID(), sent[i].MessageId)
		}
		decoded, err := wire.DecodeTable(props.Table)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent[i].Headers) > 0 && !reflect.DeepEqual(normalize(decoded), normalize(sent[i].Headers)) {
			t.Errorf("decoded %#v\nsent %#v", decoded, sent[i].Headers)
		}
		table := wire.AppendStringEntry(append([]byte(nil), props.Table...), "x-added", "yes")
		frames = publish.AppendPublish(frames, "", "out", true, props.AppendWithTable(nil, table), d.Body)
	}
	if err := publish.Write(frames); err != nil {
		t.Fatal(err)
	}
	for acked := uint64(0); acked < uint64(len(sent)); {
		select {
		case cf := <-pubEvents.Confirms:
			if !cf.Ack {
				t.Fatalf("nack %+v", cf)
			}
			acked = cf.Tag
		case <-time.After(10 * time.Second):
			t.Fatal("no confirm")
		}
	}
	if err := consume.Ack(got[len(got)-1].Tag, true); err != nil {
		t.Fatal(err)
	}
	for i, want := range sent {
		d, ok, err := ch.Get("out", true)
		if err != nil || !ok {
			t.Fatalf("out %d: %v %v", i, ok, err)
		}
		if d.Headers["x-added"] != "yes" {
			t.Errorf("%d: the appended header is missing: %v", i, d.Headers)
		}
		delete(d.Headers, "x-added")
		if len(want.Headers) > 0 && !reflect.DeepEqual(normalize(d.Headers), normalize(want.Headers)) {
			t.Errorf("%d: headers %#v\nwant %#v", i, d.Headers, want.Headers)
		}
		if d.ContentType != want.ContentType || d.ContentEncoding != want.ContentEncoding || d.DeliveryMode != want.DeliveryMode ||
			d.Priority != want.Priority || d.CorrelationId != want.CorrelationId || d.ReplyTo != want.ReplyTo || d.Expiration != want.Expiration ||
			d.MessageId != want.MessageId || !d.Timestamp.Equal(want.Timestamp) || d.Type != want.Type || d.AppId != want.AppId || !bytes.Equal(d.Body, want.Body) {
			t.Errorf("%d: properties or body changed: %+v", i, d)
		}
	}
}

// normalize makes times comparable (amqp091-go decodes them in local time).
func normalize(t amqp.Table) amqp.Table {
	out := amqp.Table{}
	for k, v := range t {
		switch x := v.(type) {
		case time.Time:
			out[k] = x.Unix()
		case amqp.Table:
			out[k] = normalize(x)
		case []any:
			a := make([]any, len(x))
			for i, e := range x {
				if tt, ok := e.(amqp.Table); ok {
					e = normalize(tt)
				}
				a[i] = e
			}
			out[k] = a
		default:
			out[k] = v
		}
	}
	return out
}

// TestReturnsAndChannelErrors: a mandatory message with no route comes
// back before its confirm; a publish to a missing exchange closes the
// channel with the broker's 404, which Err reports.
func TestReturnsAndChannelErrors(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	c, err := dial(t, vhostURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.ConfirmSelect(); err != nil {
		t.Fatal(err)
	}
	ev := c.Start(4)
	props := wire.Properties{}.AppendWithTable(nil, wire.AppendStringEntry(nil, "pos", "7"))
	if err := c.Write(c.AppendPublish(nil, "amq.direct", "nowhere", true, props, []byte("x"))); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ev.Returns:
		if r.Code != 312 || string(r.Body) != "x" {
			t.Fatalf("return %+v", r)
		}
		p, err := wire.SplitProperties(r.Properties)
		if err != nil || !bytes.Contains(p.Table, []byte("pos")) {
			t.Fatalf("the return lost its headers: %v %q", err, p.Table)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no return")
	}
	if cf := <-ev.Confirms; !cf.Ack || cf.Tag != 1 {
		t.Fatalf("confirm %+v", cf)
	}
	if err := c.Write(c.AppendPublish(nil, "no-such-exchange", "k", true, props, nil)); err != nil {
		t.Fatal(err)
	}
	for range ev.Confirms {
	}
	var ae *wire.Error
	if err := c.Err(); !errors.As(err, &ae) || ae.Code != 404 {
		t.Fatalf("err %v", err)
	}
}

func FuzzPropertiesNeverPanic(f *testing.F) {
	f.Add([]byte{0x20, 0, 0, 0, 0, 5, 1, 'k', 'S', 0, 0, 0, 1, 'v'})
	f.Add([]byte{0xff, 0xfe, 1, 2, 3})
	f.Add([]byte{0x20, 0, 0, 0, 0, 12, 1, 'a', 'A', 0, 0, 0, 5, 'F', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := wire.SplitProperties(raw)
		if err != nil {
			return
		}
		_ = p.MessageID()
		_, _ = wire.DecodeTable(p.Table)
		_ = p.AppendWithTable(nil, p.Table)
	})
}
