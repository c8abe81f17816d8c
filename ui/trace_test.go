package ui

import (
	"strings"
	"testing"

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
	if prev, ok := open.step(-1); !ok || prev.Stream != "payments" {
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
