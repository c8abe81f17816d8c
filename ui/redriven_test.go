package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

// redriveSome redrives the first n dead letters of the demo's DLT and
// returns the plan it ran.
func redriveSome(t *testing.T, conn *kafka.Conn, n int) *replay.Plan {
	t.Helper()
	dead := testbroker.ReadAll(t, conn, demo.TopicOrdersDLT)
	p, err := replay.NewPlan(demo.TopicOrdersDLT, dead[:n], replay.Options{ID: "rd-earlier"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := replay.RedriveKafka(context.Background(), conn, p, replay.RunOptions{}); err != nil || res.Done != n {
		t.Fatalf("redrive: %+v %v", res, err)
	}
	return p
}

// TestDLQListAndDetailShowWhatWasRedriven: a DLT's list looks for the
// copies earlier redrives wrote and marks the dead letters they copy; the
// detail says where the copy is; the origin's copy reads as a copy.
func TestDLQListAndDetailShowWhatWasRedriven(t *testing.T) {
	conn := demoConn(t, 200, 4)
	earlier := redriveSome(t, conn, 2)
	c := testCommon(200, 40)
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: demo.TopicOrdersDLT, Partitions: make([]sources.PartitionInfo, 3), DeadLetter: true})
	p.pid, p.start, p.bounded = 31, sources.Start{Kind: sources.StartOldest}, true
	defer p.Close()
	pump(t, p, p.restart(), func() bool { return p.ended && p.copies.copies != nil })
	marked := 0
	for i := 0; i < p.view.Len(); i++ {
		m := p.view.At(i)
		_, ok := p.earlierCopy(m)
		wasRedriven := m.Partition == earlier.Items[0].Msg.Partition && m.Offset == earlier.Items[0].Msg.Offset ||
			m.Partition == earlier.Items[1].Msg.Partition && m.Offset == earlier.Items[1].Msg.Offset
		if ok != wasRedriven {
			t.Fatalf("%s: marked %v, redriven %v", m.Where(), ok, wasRedriven)
		}
		if ok {
			marked++
			p.cur.sel = i
		}
	}
	if marked != 2 {
		t.Fatalf("%d dead letters marked redriven, want 2", marked)
	}
	if v := p.View(200, 37); strings.Count(v, "↻ redriven to orders[") != 2 || !strings.Contains(v, "by rd-earlier at ") {
		t.Fatalf("the list does not show the redriven dead letters:\n%s", v)
	}
	d := p.Update(keyPress("enter"))().(pagePushed).p.(*detailPage)
	if v := d.View(200, 40); !strings.Contains(v, "Redriven") || !strings.Contains(v, "redriven to orders[") || !strings.Contains(v, "by rd-earlier") {
		t.Fatalf("the detail does not say where the copy is:\n%s", v)
	}

	// The copy in the origin: a copy, not a dead letter.
	var cp sources.Message
	for _, m := range testbroker.ReadAll(t, conn, "orders") {
		if m.Redriven != nil && m.Redriven.ID == "rd-earlier" {
			cp = m
		}
	}
	if cp.Redriven == nil || cp.DeadLetter != nil {
		t.Fatalf("the copy read back: %+v %+v", cp.Redriven, cp.DeadLetter)
	}
	cd := newDetailPage(c, cp, nil, nil)
	v := cd.View(200, 40)
	want := fmt.Sprintf("Redriven copy of orders.DLT@%s by rd-earlier (hop 1)", cp.Redriven.Position())
	if !strings.Contains(v, want) || strings.Contains(v, "Dead letter (") {
		t.Fatalf("the copy's detail, want %q and no dead-letter block:\n%s", want, v)
	}
}

// TestRedriveDialogLeavesOutWhatWasRedriven: the dialog looks for earlier
// redrives with the target check, says how many it leaves out, and redrives
// only the rest; it has no key to take them in.
func TestRedriveDialogLeavesOutWhatWasRedriven(t *testing.T) {
	conn := demoConn(t, 200, 4)
	redriveSome(t, conn, 3)
	dead := testbroker.ReadAll(t, conn, demo.TopicOrdersDLT)
	c := testCommon(120, 40)
	d := newRedriveDialog(c, conn, 1, demo.TopicOrdersDLT, dead, false)
	check := d.replan()
	if v := d.view(120, 40); !strings.Contains(v, "looking for earlier redrives") || strings.Contains(v, "y/enter") {
		t.Fatalf("before the check:\n%s", v)
	}
	d.targetsChecked(check().(redriveTargetsChecked))
	s := d.plan.Summary()
	if s.AlreadyRedriven != 3 || s.Redrive != len(dead)-3 {
		t.Fatalf("plan %+v for %d dead letters, 3 redriven before", s, len(dead))
	}
	v := d.view(120, 40)
	for _, want := range []string{"3 already redriven: left out", "by rd-earlier at", "looked for earlier copies in orders from", "y/enter: redrive"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the dialog does not say %q:\n%s", want, v)
		}
	}
	for _, k := range []string{"a", "A", "i", "+"} { // nothing takes them in
		d.update(keyPress(k))
	}
	if d.plan.Summary().AlreadyRedriven != 3 || d.state != redrivePlanned {
		t.Fatal("a key took the dead letters redriven before into the plan")
	}
}
