package replay_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
)

// A capture line marked "lost" (nothing of its message is left but the
// notice of its death) is not written: counted failed and named, the
// lines around it written. CheckFile leaves it out of what a replay writes.
func TestReplayFileRefusesLostLines(t *testing.T) {
	c, _ := kafkaDemo(t)
	src := readAll(t, c, "payments")[:3]
	src[1] = sources.Message{Stream: "payments.DLT", Partition: sources.NoPartition, Offset: 9, Timestamp: src[1].Timestamp,
		Headers: []sources.Header{{Key: "x-mqscope-dead-letter-reason", Value: []byte("max_deliveries")}},
		Flaw:    &sources.Flaw{Lost: true, Reason: "the original message payments#2 is gone"}}
	var file strings.Builder
	for i := range src {
		file.Write(capture.AppendRecord(nil, &src[i]))
	}
	fc, err := replay.CheckFile(context.Background(), strings.NewReader(file.String()), nil, false)
	if err != nil || fc.Messages != 2 || !slices.Equal(fc.Lost, []int{2}) || !strings.Contains(fc.LostLines(), "capture line 2 not to be written") {
		t.Fatalf("check: %+v %q (%v)", fc, fc.LostLines(), err)
	}
	sink, err := c.OpenSink(context.Background(), sources.Target{Stream: "shipments"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	before := len(readAll(t, c, "shipments"))
	res, err := replay.ReplayFile(context.Background(), strings.NewReader(file.String()), sink, replay.ReplayOptions{RunOptions: replay.RunOptions{Batch: 16}})
	var nw *replay.NotWrittenError
	var lost *replay.LostLineError
	if !errors.As(err, &nw) || !slices.Equal(nw.Lines, []int{2}) || !errors.As(err, &lost) || lost.Reason != "the original message payments#2 is gone" {
		t.Fatalf("replay error %v", err)
	}
	if !strings.Contains(err.Error(), "capture line 2 not written (the rest were): the line is marked lost") {
		t.Fatalf("replay error says %q", err)
	}
	if res.Done != 2 || res.Failed != 1 || len(res.Failures) != 1 || res.Failures[0].Position != "2" {
		t.Fatalf("result %+v", res)
	}
	after := readAll(t, c, "shipments")
	if len(after) != before+2 {
		t.Fatalf("shipments grew by %d, want 2", len(after)-before)
	}
	for _, m := range after {
		if _, ok := m.Header("x-mqscope-dead-letter-reason"); ok {
			t.Fatalf("the lost line was written: %+v", m)
		}
	}
}
