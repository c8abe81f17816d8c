package triage_test

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/triage"
)

func TestReportGroupsAndHistograms(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	b := triage.NewBuilder("orders.DLT")
	var all []sources.Message
	add := func(min int, class, msg, origin, group string) {
		m := sources.Message{Stream: "orders.DLT", Timestamp: t0.Add(time.Duration(min) * time.Minute),
			DeadLetter: &sources.DeadLetter{ExceptionClass: class, ExceptionMessage: msg, OriginStream: origin, ConsumerGroup: group}}
		all = append(all, m)
		b.Add(&m)
	}
	for i := 0; i < 6; i++ {
		add(i, "java.net.SocketTimeoutException", "Read timed out after 3000 ms", "orders", "order-service")
	}
	add(59, "java.net.SocketTimeoutException", "Read timed out after 9000 ms", "orders.v2", "")
	add(30, "com.acme.Invalid", "total -1 must be positive", "orders", "order-service")
	plain := sources.Message{Value: []byte("not a dead letter")}
	b.Add(&plain)

	r := b.Report(triage.ByFailure, 6)
	if r.Scanned != 9 || r.DeadLetters != 8 || len(r.Groups) != 2 || r.Groups[0].Count != 7 {
		t.Fatalf("report %+v", r)
	}
	g := r.Groups[0]
	if g.Histogram[0] != 6 || g.Histogram[5] != 1 || !g.First.Equal(t0) || !g.Last.Equal(t0.Add(59*time.Minute)) {
		t.Fatalf("histogram %v first %v last %v", g.Histogram, g.First, g.Last)
	}
	if len(g.Origins) != 2 || g.Origins[0].Name != "orders" || g.Consumers[1].Name != "(unknown)" {
		t.Fatalf("breakdown %v %v", g.Origins, g.Consumers)
	}
	// each group's filter selects exactly its messages
	for _, mode := range triage.Modes {
		for _, g := range b.Report(mode, 4).Groups {
			f, err := filter.Compile(g.Filter)
			if err != nil {
				t.Fatalf("%s: %v", g.Filter, err)
			}
			var n int64
			for i := range all {
				if ok, _ := f.Match(&all[i]); ok {
					n++
				}
			}
			if n != g.Count {
				t.Errorf("by %s: %s selects %d, the group has %d", mode, g.Filter, n, g.Count)
			}
		}
	}
	if _, err := triage.ParseMode("consumer"); err != nil {
		t.Fatal(err)
	}
}

// TestVersionGroupFilterSelectsHighIDs: a group by version of values
// framed with an id whose bytes are 0x80 or more (206 is 0xce) suggests a
// filter that selects exactly the group's dead letters.
func TestVersionGroupFilterSelectsHighIDs(t *testing.T) {
	b := triage.NewBuilder("pay.DLT")
	var all []sources.Message
	for i, id := range []int{206, 206, 205, 1000} {
		m := sources.Message{Stream: "pay.DLT", Offset: int64(i), Value: append(schema.AppendHeader(nil, id), 1, 2),
			DeadLetter: &sources.DeadLetter{ExceptionClass: "E"}}
		all = append(all, m)
		b.Add(&m)
	}
	r := b.Report(triage.ByVersion, 1)
	if len(r.Groups) != 3 {
		t.Fatalf("groups %+v", r.Groups)
	}
	for _, g := range r.Groups {
		f, err := filter.Compile(g.Filter)
		if err != nil {
			t.Fatalf("%s: %v", g.Filter, err)
		}
		var n int64
		for i := range all {
			ok, err := f.Match(&all[i])
			if err != nil {
				t.Fatalf("%s: %v", g.Filter, err)
			}
			if ok {
				n++
			}
		}
		if n != g.Count {
			t.Errorf("group %s: filter %s selects %d, the group has %d", g.Key, g.Filter, n, g.Count)
		}
	}
}
