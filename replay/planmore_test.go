package replay_test

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// A plan with more than 20 messages it does not redrive lists 20 of
// them and counts the rest, so none goes untold.
func TestPlanCountsTheUnredrivenItDoesNotList(t *testing.T) {
	var msgs []sources.Message
	for i := range 25 {
		msgs = append(msgs, sources.Message{Stream: "dlq", Partition: sources.NoPartition, Offset: int64(i + 1)}) // no provenance: unresolved
	}
	p, err := replay.NewPlan("dlq", msgs, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "  unresolved dlq@"); n != 20 || !strings.Contains(b.String(), "… 5 more not redriven (parked or unresolved)") {
		t.Fatalf("%d listed:\n%s", n, b.String())
	}
}
