package wire_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// identityMessages are messages that differ in one thing each from the
// first, which has every property and every field type.
func identityMessages() []amqp.Publishing {
	when := time.Unix(1700000000, 0)
	headers := func() amqp.Table {
		return amqp.Table{
			"s": "text ü", "b": true, "i8": int8(-8), "u8": uint8(8), "i16": int16(-16), "u16": uint16(16), "i32": int32(-32), "u32": uint32(32),
			"i64": int64(-64), "f32": float32(1.5), "f64": 2.25, "t": when, "d": amqp.Decimal{Scale: 2, Value: 12345}, "bytes": []byte{0, 1, 0xff},
			"nil": nil, "nested": amqp.Table{"x": []any{"a", int64(1), amqp.Table{"deep": "yes", "also": int32(2)}}}, "arr": []any{},
			"x-death": []any{amqp.Table{"queue": "work", "reason": "rejected", "count": int64(1), "exchange": "shop", "routing-keys": []any{"order.created"}, "time": when}},
		}
	}
	full := amqp.Publishing{Headers: headers(), ContentType: "application/json", ContentEncoding: "gzip", DeliveryMode: amqp.Persistent, Priority: 3,
		CorrelationId: "corr", ReplyTo: "reply", Expiration: "600000", MessageId: "m-1", Timestamp: when, Type: "order", AppId: "app", UserId: "guest",
		Body: []byte(`{"a":1}`)}
	out := []amqp.Publishing{full}
	for _, change := range []func(p *amqp.Publishing){
		func(p *amqp.Publishing) { p.ContentType = "text/plain" },
		func(p *amqp.Publishing) { p.ContentEncoding = "" },
		func(p *amqp.Publishing) { p.DeliveryMode = amqp.Transient },
		func(p *amqp.Publishing) { p.Priority = 4 },
		func(p *amqp.Publishing) { p.CorrelationId = "corr-2" },
		func(p *amqp.Publishing) { p.ReplyTo = "reply-2" },
		func(p *amqp.Publishing) { p.Expiration = "600001" },
		func(p *amqp.Publishing) { p.MessageId = "m-2" },
		func(p *amqp.Publishing) { p.Timestamp = when.Add(time.Second) },
		func(p *amqp.Publishing) { p.Type = "refund" },
		func(p *amqp.Publishing) { p.AppId = "" },
		func(p *amqp.Publishing) { p.UserId = "" },
		func(p *amqp.Publishing) { p.Body = []byte(`{"a":2}`) },
		func(p *amqp.Publishing) { p.Headers["s"] = "other" },
		func(p *amqp.Publishing) { p.Headers["i32"] = int64(-32) }, // the same number, another type
		func(p *amqp.Publishing) { p.Headers["nested"].(amqp.Table)["x"].([]any)[2].(amqp.Table)["deep"] = "no" },
		func(p *amqp.Publishing) { p.Headers["extra"] = "" },
		func(p *amqp.Publishing) { p.Headers = nil },
	} {
		p := full
		p.Headers = headers()
		change(&p)
		out = append(out, p)
	}
	return out
}

// TestIdentityIsTheSameOnBothPaths: each message is read by amqp091-go and
// then, given back, by package wire (redelivered, and on a quorum queue
// with an x-delivery-count); both identities are equal, and every message
// that differs in one property or header has an identity of its own.
func TestIdentityIsTheSameOnBothPaths(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	for _, q := range []struct {
		name string
		args amqp.Table
	}{{"classic", nil}, {"quorum", amqp.Table{"x-queue-type": "quorum"}}} {
		t.Run(q.name, func(t *testing.T) {
			if _, err := ch.QueueDeclare(q.name, true, false, false, false, q.args); err != nil {
				t.Fatal(err)
			}
			msgs := identityMessages()
			for _, p := range msgs {
				if err := ch.PublishWithContext(context.Background(), "", q.name, false, false, p); err != nil {
					t.Fatal(err)
				}
			}
			var x wire.Identifier
			viaAMQP := map[wire.Identity]int{}
			deliveries := map[wire.Identity]amqp.Delivery{}
			sizes := map[wire.Identity]int{}
			var order []wire.Identity
			for i := range msgs {
				var d amqp.Delivery
				for try := 0; ; try++ {
					var ok bool
					var err error
					if d, ok, err = ch.Get(q.name, false); err != nil {
						t.Fatal(err)
					}
					if ok {
						break
					}
					if try == 100 {
						t.Fatalf("message %d did not arrive", i)
					}
					time.Sleep(20 * time.Millisecond)
				}
				id, err := x.Delivery(d)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				viaAMQP[id]++
				deliveries[id] = d
				if sizes[id], err = wire.PropertiesSize(msgs[i]); err != nil {
					t.Fatal(err)
				}
				order = append(order, id)
			}
			if len(viaAMQP) != len(msgs) {
				t.Fatalf("%d identities for %d messages that differ", len(viaAMQP), len(msgs))
			}
			if err := ch.Nack(0, true, true); err != nil { // every one back, redelivered
				t.Fatal(err)
			}
			c, err := dial(t, vhostURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := testbroker.WireRead(t, c, q.name, "identity", 100, len(msgs))
			counted := 0
			for i, d := range got {
				if !d.Redelivered {
					t.Errorf("message %d is not marked redelivered", i)
				}
				if q.name == "quorum" && !bytes.Contains(d.Properties, []byte("x-delivery-count")) {
					t.Errorf("message %d has no x-delivery-count on a quorum queue", i)
				}
				id, err := x.Raw(d.RoutingKey, d.Properties, d.Body)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if viaAMQP[id] == 0 {
					t.Errorf("message %d: wire identity %s is not one amqp091-go's deliveries had (in order: %s)", i, id, order[i])
					continue
				}
				counted++
				decoded, err := wire.DecodeDelivery(d)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if diff := deliveryDiff(decoded, deliveries[id]); diff != "" {
					t.Errorf("message %d decoded by package wire differs from amqp091-go's: %s", i, diff)
				}
				if q.name == "classic" && sizes[id] != len(d.Properties) { // passed through as published
					t.Errorf("message %d: PropertiesSize %d, delivered %d bytes of properties", i, sizes[id], len(d.Properties))
				}
			}
			if counted != len(msgs) {
				t.Fatalf("%d of %d identities equal on both paths", counted, len(msgs))
			}
		})
	}
}

// TestIdentityRefusesWhatAMQPCannotRead: tables nested past MaxDepth, or
// with more than MaxElements entries, are refused with the reason.
func TestIdentityRefusesWhatAMQPCannotRead(t *testing.T) {
	var x wire.Identifier
	deep := wire.AppendStringEntry(nil, "leaf", "v")
	for range 200 {
		deep = appendTableEntry(nil, "n", deep)
	}
	if _, err := x.Raw("k", headerProps(deep), nil); err == nil || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Fatalf("200 deep: %v", err)
	}
	var wide []byte
	for i := range wire.MaxElements + 1 {
		wide = wire.AppendStringEntry(wide, "k"+itoa(i), "")
	}
	if _, err := x.Raw("k", headerProps(wide), nil); err == nil || !strings.Contains(err.Error(), "more than 8192") {
		t.Fatalf("wide: %v", err)
	}
	if _, err := x.Raw("k", headerProps([]byte{1, 'k', 'Z'}), nil); err == nil || !strings.Contains(err.Error(), "unknown field type") {
		t.Fatalf("unknown type: %v", err)
	}
	if _, err := x.Raw("k", headerProps(appendTableEntry(nil, "n", wire.AppendStringEntry(nil, "leaf", "v"))), nil); err != nil {
		t.Fatalf("a nested table refused: %v", err)
	}
}

func itoa(i int) string {
	return string(binary.BigEndian.AppendUint32(nil, uint32(i)))
}

// headerProps are basic properties with only a header table.
func headerProps(table []byte) []byte {
	return wire.Properties{}.AppendWithTable(nil, table)
}

func appendTableEntry(b []byte, key string, table []byte) []byte {
	b = append(append(b, byte(len(key))), key...)
	b = binary.BigEndian.AppendUint32(append(b, 'F'), uint32(len(table)))
	return append(b, table...)
}

func FuzzIdentityNeverPanics(f *testing.F) {
	f.Add([]byte{0x20, 0, 0, 0, 0, 5, 1, 'k', 'S', 0, 0, 0, 1, 'v'})
	f.Add([]byte{0xff, 0xfc, 1, 2, 3})
	f.Add([]byte{0x20, 0, 0, 0, 0, 12, 1, 'a', 'A', 0, 0, 0, 5, 'F', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var x wire.Identifier
		_, _ = x.Raw("k", raw, []byte("body"))
	})
}

// deliveryDiff names the first property or header two deliveries of one
// message differ in (x-delivery-count aside), or "".
func deliveryDiff(a, b amqp.Delivery) string {
	ah, bh := normalize(a.Headers), normalize(b.Headers)
	delete(ah, "x-delivery-count")
	delete(bh, "x-delivery-count")
	switch {
	case !reflect.DeepEqual(ah, bh):
		return fmt.Sprintf("headers %#v and %#v", ah, bh)
	case a.ContentType != b.ContentType || a.ContentEncoding != b.ContentEncoding || a.DeliveryMode != b.DeliveryMode || a.Priority != b.Priority:
		return "content type, encoding, delivery mode or priority"
	case a.CorrelationId != b.CorrelationId || a.ReplyTo != b.ReplyTo || a.Expiration != b.Expiration || a.MessageId != b.MessageId:
		return "correlation id, reply-to, expiration or message id"
	case !a.Timestamp.Equal(b.Timestamp) || a.Type != b.Type || a.UserId != b.UserId || a.AppId != b.AppId:
		return "timestamp, type, user id or app id"
	case a.RoutingKey != b.RoutingKey || a.Exchange != b.Exchange || !bytes.Equal(a.Body, b.Body):
		return "routing key, exchange or body"
	}
	return ""
}

// TestIdentityAllocatesNothing: taking the identity of one dead letter
// after another reuses the Identifier's buffers.
func TestIdentityAllocatesNothing(t *testing.T) {
	death := appendTableEntry(nil, "death", wire.AppendStringEntry(wire.AppendStringEntry(nil, "queue", "work"), "reason", "rejected"))
	table := wire.AppendStringEntry(wire.AppendStringEntry(death, "tenant", "acme"), "x-first-death-queue", "work")
	props := headerProps(table)
	body := []byte(`{"order":1}`)
	var x wire.Identifier
	if _, err := x.Raw("work.dlq", props, body); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = x.Raw("work.dlq", props, body) }); n != 0 {
		t.Fatalf("%v allocations for each identity", n)
	}
}
