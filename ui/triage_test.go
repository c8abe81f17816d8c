package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// triageDLT is a DLT with three failures: 5 timeouts, 3 validation errors
// (from two consumers), 1 poison message.
func triageDLT() []sources.Message {
	ms := orderMsgs(0, 9)
	for i := range ms {
		ms[i].Stream = "orders.DLT"
		d := &sources.DeadLetter{Scheme: "spring", OriginStream: "orders", OriginPartition: ms[i].Partition, OriginOffset: ms[i].Offset, ConsumerGroup: "order-service"}
		switch {
		case i < 5:
			d.ExceptionClass, d.ExceptionMessage = "org.springframework.web.client.ResourceAccessException", "Read timed out after "+string(rune('1'+i))+"000 ms"
		case i < 8:
			d.ExceptionClass, d.ExceptionMessage = "com.acme.OrderValidationException", "Order ord-0000"+string(rune('0'+i))+" rejected: total -12.50 must be positive"
			if i == 7 {
				d.ConsumerGroup, d.OriginStream = "audit-service", "orders.v2"
			}
		default:
			d.ExceptionClass, d.ExceptionMessage = "org.apache.kafka.common.errors.SerializationException", "Unknown magic byte!"
		}
		ms[i].DeadLetter = d
	}
	return ms
}

func TestGoldenTriage(t *testing.T) {
	c := testCommon(100, 24)
	conn := fixedConn{msgs: triageDLT()}
	tm := teatest.NewTestModel(t, newModel(c, []sources.Conn{conn}), teatest.WithInitialTermSize(100, 24))
	tm.Send(streamsListed{page: 1, streams: goldenStreams(), at: testNow})
	waitScreen(t, tm, "payments")
	for _, k := range []string{"j", "j", "j", "T"} {
		tm.Send(keyPress(k))
	}
	waitScreen(t, tm, "9 messages read")
	tm.Send(keyPress("j"))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	golden.RequireEqual(t, []byte(final.View()))
}

func waitScreen(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), s) }, teatest.WithDuration(5*time.Second))
}

// TestTriageDemoGroupsAndOpens triages the demo's orders.DLT over TCP: at
// least three groups whose counts add up; tab regroups; enter opens a
// group's dead letters, and exactly those.
func TestTriageDemoGroupsAndOpens(t *testing.T) {
	conn := demoConn(t, 80, 5)
	c := testCommon(120, 30)
	p := newTriagePage(c, conn, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true})
	p.pid = 3
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	r := p.report
	var sum int64
	for _, g := range r.Groups {
		sum += g.Count
	}
	if len(r.Groups) < 3 || sum != r.DeadLetters || r.DeadLetters == 0 {
		t.Fatalf("%d groups holding %d of %d dead letters", len(r.Groups), sum, r.DeadLetters)
	}
	if v := p.View(120, 27); !strings.Contains(v, "Read timed out after <n> ms") && !strings.Contains(v, "ResourceAccessException") || !strings.Contains(v, "deadLetter.fingerprint ==") {
		t.Fatalf("view:\n%s", v)
	}
	p.Update(keyPress("tab"))
	if p.mode.String() != "origin" || len(p.report.Groups) != 1 || p.report.Groups[0].Key != "orders" {
		t.Fatalf("by origin: %+v", p.report.Groups)
	}
	p.Update(keyPress("tab"))
	p.Update(keyPress("tab"))
	p.Update(keyPress("tab")) // by consumer, by version, by failure again
	p.Update(keyPress("j"))
	g := p.report.Groups[1]
	cmd := p.Update(keyPress("enter"))
	mp := cmd().(pagePushed).p.(*messagesPage)
	mp.pid = 4
	defer mp.Close()
	pump(t, mp, mp.Init(), func() bool { return mp.ended })
	if int64(mp.buf.Len()) != g.Count {
		t.Fatalf("group %s of %d opens %d messages", g.Key, g.Count, mp.buf.Len())
	}
	for i := 0; i < mp.buf.Len(); i++ {
		if fp := dlq.FailureOf(mp.buf.At(i).DeadLetter).Fingerprint(); fp != g.Key {
			t.Fatalf("message of group %s in group %s", fp, g.Key)
		}
	}
	// e exports the group to a JSONL file in the working directory.
	t.Chdir(t.TempDir())
	ex := p.Update(keyPress("e"))().(groupExported)
	if ex.err != nil || ex.n != g.Count {
		t.Fatalf("export: %d of %d: %v", ex.n, g.Count, ex.err)
	}
	data, err := os.ReadFile(ex.path)
	if err != nil || int64(strings.Count(string(data), "\n")) != g.Count || !strings.HasSuffix(ex.path, "orders.DLT-"+g.Key+".jsonl") {
		t.Fatalf("export file %s: %v", ex.path, err)
	}
	// R on a group: its dead letters are read, then the redrive dialog
	// plans exactly those.
	cmd = p.Update(keyPress("R"))
	rp := cmd().(pagePushed).p.(*messagesPage)
	rp.pid = 5
	defer rp.Close()
	pump(t, rp, rp.Init(), func() bool { return redriveOf(rp) != nil })
	if int64(len(redriveOf(rp).msgs)) != g.Count || redriveOf(rp).whole || redriveOf(rp).planErr != nil {
		t.Fatalf("redrive of group %s plans %d messages (whole %v): %v", g.Key, len(redriveOf(rp).msgs), redriveOf(rp).whole, redriveOf(rp).planErr)
	}
}

// TestRedriveDialogShowsTheBreaker: a trip pauses the dialog with its
// reason; s stops the run, r resumes it.
func TestRedriveDialogShowsTheBreaker(t *testing.T) {
	c := testCommon(100, 30)
	p := newTestMessages(c)
	deliver(p, goldenDLT())
	p.Update(keyPress("R"))
	d := redriveOf(p)
	d.state = redriveRunning
	d.guard = replay.NewGuard(0.1, time.Minute)
	d.updates, d.trips = make(chan tea.Msg), make(chan string, 1)
	d.cancel = func() {}
	d.guard.Sent(10)
	d.guard.Returned(5)
	p.Update(redriveTripped{page: p.pid, reason: "5 of the 10 messages redriven in the last 1m0s came back dead"})
	if v := p.View(100, 28); !strings.Contains(v, "paused by the breaker") || !strings.Contains(v, "5 of the 10") || !strings.Contains(v, "r: resume anyway") {
		t.Fatalf("view:\n%s", v)
	}
	p.Update(keyPress("r"))
	if paused, _ := d.guard.Paused(); paused || d.tripped != "" {
		t.Fatal("r did not resume")
	}
	d.guard.Returned(5) // 5 of 0 since the resume: trips again
	p.Update(redriveTripped{page: p.pid, reason: "again"})
	p.Update(keyPress("s"))
	if d.guard.Wait(context.Background()) {
		t.Fatal("s did not stop the run")
	}
}
