package nats_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A target stream that stops acknowledging publishes mid-run (its config
// turned to no_ack) stops the redrive after one connection timeout: no
// more is published, what was acknowledged is reported written, and the
// publishes without a PubAck are in doubt, not reported, so each copy the
// target holds is either reported or in doubt.
func TestRedriveStopsWhenPubAcksStop(t *testing.T) {
	c := openTimeout(t, time.Second)
	js := c.JetStream()
	ctx := ctxT(t)
	target, name := plainStream(t, js, "SILENT")
	const n = 20_000 // more than one window of publishes
	dead := make([]sources.Message, n)
	stored := time.Now()
	for i := range dead {
		dead[i] = sources.Message{Stream: "DLQ", Partition: sources.NoPartition, Offset: int64(i + 1), Timestamp: stored,
			Key: []byte(name + ".orders"), Value: []byte("v" + strconv.Itoa(i))}
	}
	id := uniq("silent")
	written, turned := 0, false
	start := time.Now()
	err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: "DLQ", Items: items(id, "DLQ", dead, name+".retry", false)}, func(o sources.RedriveOutcome) {
		if o.Result != sources.RedriveWritten {
			t.Errorf("item %d: %v %v", o.Item, o.Result, o.Err)
		}
		written++
		if written == 100 && !turned { // the run is blocked here: every later publish gets no PubAck
			turned = true
			cfg := target.CachedInfo().Config
			cfg.NoAck = true
			if _, err := js.UpdateStream(ctx, cfg); err != nil {
				t.Fatalf("turning %s to no_ack: %v", name, err)
			}
		}
	})
	took := time.Since(start)
	var inc *mqnats.IncompleteError
	if !errors.As(err, &inc) || len(inc.Unacknowledged) == 0 {
		t.Fatalf("redrive: %v (%d written); want publishes in doubt", err, written)
	}
	if took > 30*time.Second {
		t.Errorf("the redrive took %s to stop; want about one connection timeout", took)
	}
	held := int(streamMsgs(t, target))
	if held < written || held > written+len(inc.Unacknowledged) {
		t.Fatalf("the target holds %d: %d reported written, %d in doubt", held, written, len(inc.Unacknowledged))
	}
	if written+len(inc.Unacknowledged) >= n {
		t.Fatalf("the run published every item (%d written, %d in doubt) after the PubAcks stopped", written, len(inc.Unacknowledged))
	}
	if err := c.CheckTarget(ctx, sources.Target{Stream: name + ".retry"}); !errors.Is(err, sources.ErrBadTarget) {
		t.Fatalf("a no_ack stream as a target: %v", err)
	}
}
