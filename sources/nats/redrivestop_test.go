package nats_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// A redrive of 2,000 dead letters stopped midway (its context cancelled)
// reports exactly what it did: its redriven count is what the target
// holds and what the journal records, every dead letter it did not
// redrive is still in the capture stream, and none failed; run again with
// the same id, it writes the rest and nothing twice.
func TestRedriveStoppedMidwayCountsExactly(t *testing.T) {
	const dead = 2000
	c := open(t)
	js := c.JetStream()
	s, name := plainStream(t, js, "STOP")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 0, dead)
	target, targetName := plainStream(t, js, "STOPT")
	msgs := read(t, c, dlqName, sources.ReadOptions{})
	if len(msgs) != dead {
		t.Fatalf("%d dead letters, want %d", len(msgs), dead)
	}
	id := uniq("stop")
	plan, err := replay.NewPlan(dlqName, msgs, replay.Options{ID: id, To: targetName + ".back"})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	// Paced, so that the stop comes while it publishes: a run publishes
	// up to its window (1,024) ahead of what it has reported, so a stop
	// after 500 leaves some unwritten however slow the journal is.
	res, err := replay.Execute(ctx, c, plan, replay.RunOptions{StateDir: state, Rate: 250, OnProgress: func(p replay.Progress) {
		if p.Handled() == dead/4 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatalf("a stopped redrive: %v", err)
	}
	if res.Stop.Reason != replay.Cancelled || res.Failed != 0 || res.Done < dead/4 || res.Done >= dead {
		t.Fatalf("stopped midway: %+v (stop %v)", res.Progress, res.Stop)
	}
	written := streamMsgs(t, target)
	left := streamMsgs(t, capture)
	journalled := journalEntries(t, filepath.Join(state, "redrive", id+".journal"))
	t.Logf("stopped: %d redriven, %d left; the target holds %d, the capture %d, the journal %d", res.Done, res.Total-res.Handled(), written, left, journalled)
	if uint64(res.Done) != written || res.Done != journalled || uint64(res.Total-res.Handled()) != left || res.PerTarget[targetName+".back"] != res.Done {
		t.Fatalf("reported %d redriven and %d left; the target holds %d, the journal %d, the capture stream %d", res.Done, res.Total-res.Handled(), written, journalled, left)
	}

	// Run again with the same id: the rest, once.
	rest, err := replay.NewPlan(dlqName, read(t, c, dlqName, sources.ReadOptions{}), replay.Options{ID: id, To: targetName + ".back"})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := replay.Execute(ctxT(t), c, rest, replay.RunOptions{StateDir: state})
	if err != nil || !res2.Stop.Complete() {
		t.Fatalf("the resumed run: %v (%+v)", err, res2.Stop)
	}
	if uint64(res.Done+res2.Done) != streamMsgs(t, target) || streamMsgs(t, target) != dead || streamMsgs(t, capture) != 0 {
		t.Fatalf("after the resume: %d+%d redriven, the target holds %d, the capture %d", res.Done, res2.Done, streamMsgs(t, target), streamMsgs(t, capture))
	}
}

// journalEntries counts a journal's entries of dead letters (those with a
// fingerprint).
func journalEntries(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte(`"fp":"`))
}
