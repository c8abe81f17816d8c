package cmd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/health"
)

// TestCheckFlowOverTheScan: orders written over three minutes and dead
// letters in orders.DLT over the same minutes: check's JSON has the dead
// letters' inflow per one-minute bucket and the produce rate, both from
// the messages' own timestamps, the group's lag now, and lag samples
// taken while it ran; the text draws both series and states how lag was
// sampled.
func TestCheckFlowOverTheScan(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders", "orders.DLT"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(topic string, n int, minute int, key string) []*sarama.ProducerMessage {
		var out []*sarama.ProducerMessage
		for i := 0; i < n; i++ {
			out = append(out, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("%s%d-%d", key, minute, i)),
				Value: sarama.StringEncoder(`{"ok":true}`), Timestamp: t0.Add(time.Duration(minute)*time.Minute + time.Duration(10*i+5)*time.Second)})
		}
		return out
	}
	var msgs []*sarama.ProducerMessage
	for minute, n := range []int{3, 4, 5} {
		msgs = append(msgs, at("orders", n, minute, "o")...)
	}
	for minute, n := range []int{0, 2, 1} {
		msgs = append(msgs, at("orders.DLT", n, minute, "d")...)
	}
	writeRecords(t, addr, msgs)
	commit(t, addr, "order-service", "orders", 8) // 4 of 12 still to read

	code, out, errOut := run(t, "--kafka", addr, "check", "orders", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	f := r.Flow
	if f == nil || f.Timeline == nil {
		t.Fatalf("flow %+v", f)
	}
	tl := f.Timeline
	if tl.BucketSeconds != 60 || !tl.From.Equal(t0) || fmt.Sprint(tl.Produced) != "[3 4 5]" || fmt.Sprint(tl.DeadLetters) != "[0 2 1]" ||
		fmt.Sprint(tl.DeadLetterInflowPerMin) != "[0 2 1]" || fmt.Sprint(tl.ProducedPerMin) != "[3 4 5]" {
		t.Fatalf("timeline %+v", tl)
	}
	if len(f.Groups) != 1 || f.Groups[0].Group != "order-service" || f.Groups[0].Lag != 4 {
		t.Fatalf("groups %+v", f.Groups)
	}
	s := f.Sampling
	if s == nil || len(s.Samples) < 2 || s.Failed != 0 || s.Note != health.SamplingNote || len(f.Groups[0].LagSamples) != len(s.Samples) {
		t.Fatalf("sampling %+v, lag samples %v", s, f.Groups[0].LagSamples)
	}
	for _, x := range s.Samples { // nothing was written while it ran: one before the scan, one after, any between
		if fmt.Sprint(x.Lags) != fmt.Sprint([]health.GroupLag{{Group: "order-service", Stream: "orders", Lag: 4}}) || x.DeadLetterEnd != 3 {
			t.Fatalf("sample %+v", x)
		}
	}

	code, out, _ = run(t, "--kafka", addr, "check", "orders")
	for _, want := range []string{"over the scan, by the messages' own timestamps, in buckets of 1m from", "orders produced  ▅▇█  4.5/min", "orders.DLT took  ▁█▅  1.1/min",
		"group order-service on orders: lag 4 now", health.SamplingNote} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("exit %d: no %q in\n%s", code, want, out)
		}
	}
}

// TestCheckFlowOfTheDeadLetters: checking the dead-letter topic itself,
// its inflow comes from the scan and the main stream's produce rate is
// counted over the dead letters' span: nothing twice.
func TestCheckFlowOfTheDeadLetters(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "pay", "pay.DLT"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	rec := func(topic string, at time.Duration, key string) *sarama.ProducerMessage {
		return &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.StringEncoder(`{}`), Timestamp: t0.Add(at)}
	}
	writeRecords(t, addr, []*sarama.ProducerMessage{
		rec("pay", 0, "p1"), rec("pay", 30*time.Second, "p2"), rec("pay", 70*time.Second, "p3"), rec("pay", 100*time.Second, "p4"), rec("pay", 5*time.Minute, "late"),
		rec("pay.DLT", 20*time.Second, "d1"), rec("pay.DLT", 110*time.Second, "d2"),
	})
	code, out, errOut := run(t, "--kafka", addr, "check", "pay.DLT", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	tl := r.Flow.Timeline
	if tl == nil || tl.Stream != "pay" || fmt.Sprint(tl.Produced) != "[1 2]" || fmt.Sprint(tl.DeadLetters) != "[1 1]" || !tl.From.Equal(t0) {
		t.Fatalf("timeline %+v", tl)
	}
	want := []health.Hop{{Stream: "pay", Role: "main", Messages: 5, InSpan: 3}, {Stream: "pay.DLT", Role: "dead letters", Messages: 2, InSpan: -1}}
	if fmt.Sprint(r.Flow.Chain) != fmt.Sprint(want) {
		t.Fatalf("chain %+v", r.Flow.Chain)
	}
}

// TestCheckSequenceNotFound: --sequence naming a field the messages lack
// is no silent fallback: the output counts the messages checked by event
// time instead; one carrying it as a number, another as a numeric string
// read the same.
func TestCheckSequenceNotFound(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "seqs"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var msgs []*sarama.ProducerMessage
	for i, v := range []string{`{"seq":1}`, `{"seq":"2"}`, `{"seq":3}`, `{"other":4}`, `{"seq":"x"}`} {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: "seqs", Key: sarama.StringEncoder("k"), Value: sarama.StringEncoder(v), Timestamp: t0.Add(time.Duration(i) * time.Second)})
	}
	writeRecords(t, addr, msgs)
	code, out, errOut := run(t, "--kafka", addr, "check", "seqs", "--sequence", "json.nope", "--flow=false")
	if code != 0 || !strings.Contains(out, "5 messages lacked the sequence: checked by event time") {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "--kafka", addr, "check", "seqs", "--sequence", "json.seq", "--json", "--flow=false")
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d: %v %s", code, err, errOut)
	}
	if code != 0 || r.NoSequence != 1 || r.SequenceNotInteger != 1 || r.Ordering.Count != 0 || r.Gaps.Count != 0 {
		t.Fatalf("exit %d: no sequence %d, ordering %+v, gaps %+v", code, r.NoSequence, r.Ordering, r.Gaps)
	}
}

// TestCheckOddFlags: a window of no size, of a negative duration, or a
// negative number of examples is refused saying what is wanted; 0
// examples lists the counts without examples.
func TestCheckOddFlags(t *testing.T) {
	addr := demoBroker(t, -1)
	for _, c := range []struct{ flag, value, says string }{
		{"--window", "0", "want a positive count or duration"},
		{"--window", "0s", "want a positive count or duration"},
		{"--window", "-1m", "want a positive count or duration"},
		{"--examples", "-1", "--examples -1: want 0 (none) or more"},
	} {
		code, out, errOut := run(t, "--kafka", addr, "check", "payments", c.flag, c.value)
		if code != 1 || out != "" || !strings.Contains(errOut, c.says) {
			t.Errorf("%s %s: exit %d, %q %q", c.flag, c.value, code, out, errOut)
		}
	}
	code, out, errOut := run(t, "--kafka", addr, "check", "payments", "--examples", "0", "--json", "--flow=false")
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitFindings {
		t.Fatalf("exit %d: %v %s", code, err, errOut)
	}
	if r.Duplicates.Count != 3 || len(r.Duplicates.Examples) != 0 || len(r.SplitKeys.Examples) != 0 {
		t.Fatalf("duplicates %+v, splits %+v", r.Duplicates, r.SplitKeys)
	}
}

// interruptedRead delivers its messages, then is interrupted (as Ctrl-C
// cancels a command's context) at the next call.
// TestCheckEmptyTopic: a topic without messages is not called healthy:
// nothing was checked (exit status 4); the group's lag is still told.
func TestCheckEmptyTopic(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "idle", "idle.DLT"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	commit(t, addr, "idle-service", "idle", 0)
	code, out, errOut := run(t, "--kafka", addr, "check", "idle")
	if code != exitIncomplete || !strings.Contains(out, "idle: 0 messages read") || !strings.Contains(out, "nothing to check: no message was read") ||
		strings.Contains(out, "healthy") || !strings.Contains(out, "group idle-service on idle: lag 0 now") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
}

// TestPrintQueueFlow: check's text for a queue's samples: its depth,
// consumers (or that they are not known) and messages in flight, and its
// dead-letter queue's depth, with the peek's own part said.
func TestPrintQueueFlow(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	f := &health.Flow{Chain: []health.Hop{{Stream: "work", Role: "main", Queue: true, InSpan: -1}, {Stream: "work.dlq", Role: "dead letters", Queue: true, InSpan: -1}}, DeadLetterRate: -1}
	f.WithSamples(&health.Sampling{IntervalSeconds: 1, Samples: []health.FlowSample{
		{At: t0, DepthMessages: 7, DeadLetterMessages: 1, Consumers: -1, DeadLetterEnd: -1},
		{At: t0.Add(2 * time.Second), DepthMessages: 9, DeadLetterMessages: 4, Consumers: -1, InFlightMessages: 2, DeadLetterEnd: -1}}})
	var out strings.Builder
	printFlow(&out, f)
	for _, want := range []string{"work depth rose from 7 to 9  ▆█; consumers not known, 2 in flight", "work.dlq depth rose from 1 to 4  ▃█",
		"the check's own peek holds messages unacknowledged", "2 samples over 2s"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in\n%s", want, out.String())
		}
	}
}
