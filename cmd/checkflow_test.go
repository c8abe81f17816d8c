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
	for _, want := range []string{"over the scan, by event time in buckets of 1m from", "produced         ▅▇█  4.5/min over the scan", "orders.DLT took  ▁█▅  1.1/min over the scan",
		"group order-service on orders: lag 4 now", "lag held at 4", "while orders.DLT took 0/min", health.SamplingNote} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("exit %d: no %q in\n%s", code, want, out)
		}
	}
}
