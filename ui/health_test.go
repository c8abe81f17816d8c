package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// healthMsgs is a payments stream with one flaw of each kind: a's seq 1
// twice in a row, b's seq 2 after 3, c without seq 3, d split over two
// partitions.
func healthMsgs() []sources.Message {
	var out []sources.Message
	next := map[int32]int64{}
	add := func(part int32, key string, seq int) {
		out = append(out, sources.Message{Conn: "test", Stream: "payments", Partition: part, Offset: next[part], Key: []byte(key),
			Value: []byte(fmt.Sprintf(`{"orderId":%q,"seq":%d}`, key, seq)), Timestamp: testNow.Add(time.Duration(len(out)) * time.Second)})
		next[part]++
	}
	add(0, "ord-a", 1)
	add(0, "ord-a", 1)
	add(0, "ord-a", 2)
	add(1, "ord-b", 1)
	add(1, "ord-b", 3)
	add(1, "ord-b", 2)
	add(2, "ord-c", 1)
	add(2, "ord-c", 2)
	add(2, "ord-c", 4)
	add(0, "ord-d", 1)
	add(1, "ord-d", 2)
	for i := range out {
		out[i].ValueSize = len(out[i].Value)
	}
	return out
}

func TestGoldenHealth(t *testing.T) {
	c := testCommon(100, 24)
	tm := teatest.NewTestModel(t, newModel(c, []sources.Conn{fixedConn{msgs: healthMsgs()}}), teatest.WithInitialTermSize(100, 24))
	tm.Send(streamsListed{page: 1, streams: goldenStreams(), at: testNow})
	waitScreen(t, tm, "payments")
	for _, k := range []string{"G", "H"} {
		tm.Send(keyPress(k))
	}
	waitScreen(t, tm, "no consumer group reads it")
	tm.Send(keyPress("j"))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	golden.RequireEqual(t, []byte(final.View()))
}

// TestHealthOfHeldMessages: H on a message list checks what it holds, a
// chunk per Update, without reading.
func TestHealthOfHeldMessages(t *testing.T) {
	c := testCommon(100, 30)
	p := newTestMessages(c)
	deliver(p, healthMsgs())
	cmd := p.Update(keyPress("H"))
	hp := cmd().(pagePushed).p.(*healthPage)
	hp.pid = 9
	// the check alone: Init also samples the flow, a second apart
	for cmd := hp.read(); cmd != nil; {
		msg := cmd()
		if _, ok := msg.(flowFound); ok {
			hp.Update(msg)
			break
		}
		cmd = hp.Update(msg)
	}
	r := hp.report
	if !hp.done || r.Scanned != 11 || r.Duplicates.Retry != 1 || r.Ordering.Count != 1 || r.SplitKeys.Count != 1 || r.Gaps.Count != 1 {
		t.Fatalf("done %v, report %+v", hp.done, r)
	}
	v := hp.View(100, 27)
	for _, want := range []string{"4 findings", "(held by the list)", "sequence: json.seq (found in the messages)", "ord-b", "p1@1 then p1@2: seq 2 after 3"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
}

// TestHealthDemoPayments checks the demo's payments over TCP: each kind is
// found; enter on the retry opens exactly its two copies; d diffs them.
func TestHealthDemoPayments(t *testing.T) {
	// runs last: nothing the test started goes on into the next test
	opts := append(testbroker.ProcessWide(), goleak.IgnoreCurrent())
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
	conn := demoConn(t, 60, 5)
	c := testCommon(120, 40)
	p := newHealthPage(c, conn, sources.StreamInfo{Name: demo.TopicPayments, Kind: "topic"})
	p.pid = 3
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.flow != nil })
	r := p.report
	if r.Duplicates.Retry != 1 || r.Duplicates.Republish != 1 || r.Duplicates.Redrive != 1 || r.Ordering.Count != 1 || r.SplitKeys.Count != 1 || r.Gaps.Count != 1 {
		t.Fatalf("report %+v", r)
	}
	if len(p.flow.Groups) != 1 || p.flow.Groups[0].Group != "payment-service" {
		t.Fatalf("flow %+v", p.flow)
	}
	if v := p.View(120, 37); !strings.Contains(v, "6 findings") || !strings.Contains(v, "payment-service lag") || !strings.Contains(v, demo.HealthGap) {
		t.Fatalf("view:\n%s", v)
	}
	p.Update(keyPress("j")) // the first duplicate: the retry
	row := p.rows[p.cur.sel]
	if row.finding != "duplicates" || r.Duplicates.Examples[row.ex].Kind != "retry" {
		t.Fatalf("row %+v", row)
	}
	mp := p.Update(keyPress("enter"))().(pagePushed).p.(*messagesPage)
	mp.pid = 4
	defer mp.Close()
	// the read only: Init's count would tick on after the test, into the next one
	pump(t, mp, mp.read(), func() bool { return mp.ended })
	ex := r.Duplicates.Examples[row.ex]
	if mp.buf.Len() != 2 || mp.buf.At(0).Offset != ex.First.Offset || mp.buf.At(1).Offset != ex.Second.Offset || string(mp.buf.At(0).Value) != string(mp.buf.At(1).Value) {
		t.Fatalf("%d messages opened for %+v", mp.buf.Len(), ex)
	}
	cmd := p.Update(keyPress("d"))
	var ready diffReady
	for _, m := range cmd().(tea.BatchMsg) {
		if d, ok := m().(diffReady); ok {
			ready = d
		}
	}
	if ready.err != nil || ready.a.Offset != ex.First.Offset || ready.b.Offset != ex.Second.Offset {
		t.Fatalf("diff %+v", ready)
	}
	if _, ok := p.Update(ready)().(tea.BatchMsg); !ok {
		t.Fatal("no diff page")
	}
}

// TestHealthOfHeldMessagesInTheirListsOrder: a list holds messages in the
// order it received them, not by offset; a re-publish far from its first
// copy by offset is no producer retry, whatever its place in the list.
func TestHealthOfHeldMessagesInTheirListsOrder(t *testing.T) {
	c := testCommon(100, 30)
	p := newTestMessages(c)
	ms := healthMsgs()
	again := ms[0]
	again.Offset = 40 // written much later
	deliver(p, append([]sources.Message{ms[0], again}, ms[1:]...))
	hp := p.Update(keyPress("H"))().(pagePushed).p.(*healthPage)
	hp.pid = 9
	for cmd := hp.read(); cmd != nil && !hp.done; {
		cmd = hp.Update(cmd())
	}
	if d := hp.report.Duplicates; d.Republish != 1 || d.Retry != 1 {
		t.Fatalf("duplicates %+v", d)
	}
}

// TestHealthFlowSection: the flow's answer and two samples a second apart
// show the group's lag rising with a sparkline, the dead letters' inflow
// while sampled, and the scan's produce and dead-letter series; each
// sample asks for the next one.
func TestHealthFlowSection(t *testing.T) {
	c := testCommon(140, 30)
	p := newHealthPage(c, fixedConn{msgs: healthMsgs()}, sources.StreamInfo{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}})
	p.pid = 7
	defer p.Close()
	p.done = true
	flow := &health.Flow{Chain: []health.Hop{{Stream: "orders", Role: "main"}, {Stream: "orders.DLT", Role: "dead letters"}},
		Groups: []health.GroupLag{{Group: "order-service", Stream: "orders", Lag: 9000}},
		Timeline: &health.Timeline{Stream: "orders", From: testNow, BucketSeconds: 60, Produced: []int64{10, 20, 40}, DeadLetters: []int64{0, 5, 300},
			ProducedPerMinOverScan: 23.3, DeadLetterPerMinOverScan: 101.7}}
	p.Update(flowFound{page: 7, gen: p.gen, flow: flow})
	for i, lag := range []int64{40, 9000} {
		x := health.FlowSample{At: testNow.Add(time.Duration(i) * time.Second), Lags: []health.GroupLag{{Group: "order-service", Stream: "orders", Lag: lag}},
			DeadLetterEnd: int64(100 + 5*i)}
		if cmd := p.Update(flowSampled{page: 7, sample: x}); cmd == nil {
			t.Fatal("no next sample asked for")
		}
	}
	p.Update(flowFound{page: 7, gen: p.gen, flow: &health.Flow{Chain: flow.Chain, Timeline: flow.Timeline,
		Groups: []health.GroupLag{{Group: "order-service", Stream: "orders", Lag: 12}}}}) // a refresh: the lag it found is older than the samples
	p.Update(flowSampled{page: 7, sample: health.FlowSample{At: testNow.Add(time.Second), DeadLetterEnd: 105,
		Lags: []health.GroupLag{{Group: "order-service", Stream: "orders", Lag: 9000}}}})
	if p.flow.Groups[0].Lag != 9000 {
		t.Fatalf("lag now %d, not the newest sample's", p.flow.Groups[0].Lag)
	}
	if got := p.flow.Groups[0].LagSamples; fmt.Sprint(got) != "[40 9000 9000]" {
		t.Fatalf("lag samples %v", got)
	}
	v := p.View(140, 27)
	for _, want := range []string{"order-service lag 9,000 on orders", "order-service lag ▂██ rose 40→9,000", "while orders.DLT took 300.0/min", "3 samples over 1s",
		"orders produced ▃▅█ 23.3/min", "orders.DLT took ▁▂█ 101.7/min", "by event time, 1m buckets"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
	p.Close()
	if cmd := p.Update(flowSampled{page: 7, sample: health.FlowSample{At: testNow}}); cmd != nil {
		t.Fatal("a closed page samples on")
	}
}

// TestHealthOfAnEmptyStream: a stream without messages is not called
// healthy: the page says nothing was checked.
func TestHealthOfAnEmptyStream(t *testing.T) {
	c := testCommon(100, 30)
	p := newHealthPage(c, fixedConn{}, sources.StreamInfo{Name: "idle", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}})
	p.pid = 5
	defer p.Close()
	for cmd := p.read(); cmd != nil && !p.done; {
		cmd = p.Update(cmd())
	}
	v := p.View(100, 27)
	if !strings.Contains(v, "nothing to check: no message in idle") || strings.Contains(v, "healthy") {
		t.Fatalf("view:\n%s", v)
	}
}

// TestHealthQueueFlow: a queue has no groups: its flow over the samples
// is its depth, consumers and messages in flight, and its dead-letter
// queue's depth.
func TestHealthQueueFlow(t *testing.T) {
	c := testCommon(140, 30)
	p := newHealthPage(c, fixedConn{}, sources.StreamInfo{Name: "work", Kind: "classic", Reading: sources.Reading{Queue: true}})
	p.pid = 8
	defer p.Close()
	p.done = true
	p.Update(flowFound{page: 8, gen: p.gen, flow: &health.Flow{Chain: []health.Hop{{Stream: "work", Role: "main", Queue: true}, {Stream: "work.dlq", Role: "dead letters", Queue: true}}}})
	for i, n := range []int64{3, 5} {
		p.Update(flowSampled{page: 8, sample: health.FlowSample{At: testNow.Add(time.Duration(i) * time.Second), DepthMessages: n, DeadLetterMessages: n - 2,
			Consumers: 1, InFlightMessages: 1, DeadLetterEnd: -1}})
	}
	v := p.View(140, 27)
	if !strings.Contains(v, "work depth ▅█ 3→5 · 1 consumers · 1 in flight · work.dlq depth ▃█ 1→3 · 2 samples over 1s") {
		t.Fatalf("view:\n%s", v)
	}
}
