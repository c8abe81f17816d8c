package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/trace"
)

// TestTraceFromAMessage: t on a shipment traces its correlation id over
// the demo's topics; the timeline shows the order, payment and shipment
// in time order, and enter opens one.
func TestTraceFromAMessage(t *testing.T) {
	conn := demoConn(t, 60, 4)
	c := testCommon(120, 30)
	m := newModel(c, []sources.Conn{conn})
	ship := testbroker.ReadAll(t, conn, demo.TopicShipments)[0]
	d := newDetailPage(c, ship, nil, nil)
	req := d.Update(keyPress("t"))()
	if tr, ok := req.(traceRequested); !ok || tr.via != "correlation-id" {
		t.Fatalf("t asked for %#v", req)
	}
	_, push := m.Update(req)
	_, initCmd := m.Update(push())
	p, ok := m.top().(*tracePage)
	if !ok {
		t.Fatalf("top page %T", m.top())
	}
	defer p.Close()
	pump(t, p, initCmd, func() bool { return p.done })
	var streams []string
	for _, h := range p.res.Hits {
		streams = append(streams, h.Stream)
	}
	if strings.Join(streams, ",") != "orders,payments,shipments" {
		t.Fatalf("trace: %v", streams)
	}
	v := p.View(120, 27)
	for _, want := range []string{"trace correlation-id = ", "3 messages in", "OrderCreated", "ShipmentCreated", "+0ms"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
	p.Update(keyPress("G"))
	open := p.Update(keyPress("enter"))().(pagePushed).p.(*detailPage)
	if open.msg.Stream != "shipments" || open.msg.Offset != ship.Offset {
		t.Fatalf("opened %s@%d", open.msg.Stream, open.msg.Offset)
	}
	if prev, ok := open.step(open.msg, -1); !ok || prev.Stream != "payments" {
		t.Fatalf("previous hit: %s", prev.Stream)
	}
}

// TestTraceSaysWhatItSkippedForTheCost: queues a trace left unread because
// a read would raise counts a limit watches are counted in its status,
// with the flag that reads them.
func TestTraceSaysWhatItSkippedForTheCost(t *testing.T) {
	p := newTracePage(testCommon(160, 20), nil, traceRequested{value: "c-1", via: "correlation-id"})
	defer p.Close()
	p.done = true
	p.res = trace.Result{Value: "c-1", Costly: []trace.Costly{{Stream: "r/orders.q", Cost: "orders.q is a quorum queue with x-delivery-limit 2"}, {Stream: "r/read.q", Read: true}}}
	if v := p.View(400, 20); !strings.Contains(v, "1 queues skipped where a read raises delivery or receive counts a limit watches (mqscope trace --accept-peek-cost reads them)") {
		t.Fatalf("view:\n%s", v)
	}
}

// TestTraceEventsShowBrokerTextSanitised: a death whose exception holds an
// invalid byte shows as mqscope's text with the byte as U+FFFD, not as a
// hex dump; a value that is not JSON shows a preview of its text, a
// binary one its hex form.
func TestTraceEventsShowBrokerTextSanitised(t *testing.T) {
	p := newTracePage(testCommon(140, 20), nil, traceRequested{value: "c-1", via: "correlation-id"})
	defer p.Close()
	p.done = true
	at := testNow.Add(-time.Minute)
	hit := func(stream string, off int64, value []byte) trace.Hit {
		return trace.Hit{Conn: "test", Stream: stream, Offset: off, Timestamp: at.Add(time.Duration(off) * time.Second), Via: "correlation-id",
			Message: sources.Message{Stream: stream, Offset: off, Value: value}}
	}
	dead := hit("orders.DLT", 3, []byte(`{"orderId":"o-1"}`))
	dead.Died = "com.acme.BadInput: byte \x9b at 4\x1b[2J"
	plain := hit("orders.text", 1, []byte("order o-1 created\tby checkout"))
	typed := hit("orders", 0, []byte(`{"type":"OrderCreated"}`))
	typed.Event = "OrderCreated"
	bin := hit("orders.bin", 2, []byte{0x00, 0x01, 0xff, 0xfe})
	p.res = trace.Result{Value: "c-1", Hits: []trace.Hit{typed, plain, bin, dead}}
	v := p.View(140, 20)
	for _, want := range []string{"OrderCreated", "order o-1 created by checkout", "⟨bin 4 B⟩ 00 01 ff fe", "☠ BadInput: byte \ufffd at 4␛[2J"} {
		if !strings.Contains(v, want) {
			t.Errorf("the trace lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "(empty)") || strings.Contains(v, "⟨bin 3") || strings.Contains(v, "e2 98 a0") {
		t.Errorf("an event is shown as empty or as a hex dump:\n%s", v)
	}
}

// TestTraceEventsPreviewDecodedValues: a hit whose value a schema decoded
// previews the decoded document, as the message list does (a string
// document as its text), not the framed bytes' hex.
func TestTraceEventsPreviewDecodedValues(t *testing.T) {
	p := newTracePage(testCommon(160, 20), nil, traceRequested{value: "c-1", via: "correlation-id"})
	defer p.Close()
	p.done = true
	at := testNow.Add(-time.Minute)
	framed := []byte{0, 0, 0, 0, 7, 0x0a, 'o', '-', '1', 0xff}
	doc := trace.Hit{Conn: "test", Stream: "payments.avro", Offset: 1, Timestamp: at, Via: "correlation-id",
		Message: sources.Message{Stream: "payments.avro", Offset: 1, Value: framed}, Decoded: []byte(`{"orderId":"o-1","amount":"12.50"}`)}
	str := trace.Hit{Conn: "test", Stream: "notes.avro", Offset: 2, Timestamp: at.Add(time.Second), Via: "correlation-id",
		Message: sources.Message{Stream: "notes.avro", Offset: 2, Value: framed}, Decoded: []byte(`"refund o-1 issued"`)}
	p.res = trace.Result{Value: "c-1", Hits: []trace.Hit{doc, str}}
	v := p.View(160, 20)
	for _, want := range []string{`{"orderId":"o-1","amount":"12.50"}`, "refund o-1 issued"} {
		if !strings.Contains(v, want) {
			t.Errorf("the trace lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "⟨bin") || strings.Contains(v, `"refund`) {
		t.Errorf("a decoded value is shown as its bytes or as a quoted string:\n%s", v)
	}
}
