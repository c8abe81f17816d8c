package ui

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

// TestBrowseDemoEndToEnd runs the whole UI in a Bubble Tea program against
// the demo broker over TCP: list topics, open orders, see live messages,
// open one, go back, open orders.DLT and see provenance.
func TestBrowseDemoEndToEnd(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 80, TrickleEvery: 50 * time.Millisecond, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "demo", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := testCommon(120, 30)
	c.Now = time.Now
	tm := teatest.NewTestModel(t, newModel(c, []sources.Conn{conn}), teatest.WithInitialTermSize(120, 30))
	var seen bytes.Buffer
	wait := func(s string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := io.Copy(&seen, tm.Output()); err != nil {
				t.Fatal(err)
			}
			if i := bytes.Index(seen.Bytes(), []byte(s)); i >= 0 {
				seen.Next(i + len(s)) // later waits look at what comes after
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = tm.Quit()
		final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
		t.Fatalf("the screen never showed %q; it shows:\n%s", s, final.View())
	}
	wait("shipments")
	tm.Type("/orders")
	tm.Send(keyPress("enter"))
	tm.Send(keyPress("enter"))
	wait("LIVE")
	wait("OrderCreated")
	tm.Send(keyPress("enter"))
	wait("correlation-id")
	wait("Value (")
	tm.Send(keyPress("esc"))
	tm.Send(keyPress("esc"))
	wait("DLQ → orders")
	tm.Type("/orders.DLT") // payments.avro.DLT ranks first for "DLT"
	tm.Send(keyPress("enter"))
	tm.Send(keyPress("enter"))
	wait("dead letters")
	wait("orders[")
	tm.Send(keyPress("enter"))
	wait("Dead letter (spring)")
	// Back to the list: mark two dead letters and redrive them.
	tm.Send(keyPress("esc"))
	wait("dead letters")
	tm.Send(keyPress("g"))
	tm.Send(keyPress(" "))
	tm.Send(keyPress(" "))
	wait("2 marked")
	tm.Send(keyPress("R"))
	wait("y/enter: redrive") // the plan is shown and its targets are checked
	tm.Send(keyPress("y"))
	wait("type 2 or orders.DLT") // a write of more than one message: the count typed out
	tm.Type("2")
	tm.Send(keyPress("enter"))
	wait("2 redriven")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	mp, ok := final.top().(*messagesPage)
	if !ok || redriveOf(mp) == nil || redriveOf(mp).res.Done != 2 || redriveOf(mp).res.PerTarget["orders"] != 2 {
		t.Fatalf("final page %T", final.top())
	}
	id := redriveOf(mp).plan.ID
	sub, err := conn.Read(context.Background(), "orders", sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 50}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	found := 0
	for {
		b, err := sub.Next(context.Background(), 1000)
		for _, m := range b {
			if v, ok := m.Header("x-mqscope-redrive-id"); ok && string(v) == id {
				found++
			}
		}
		if err != nil {
			break
		}
	}
	if found != 2 {
		t.Fatalf("%d messages of redrive %s in orders, want 2", found, id)
	}
}
