package health

import (
	"math/rand/v2"
	"testing"
)

// A filter filled to what it was sized for reports identities never added
// at no more than the rate it was sized for, and at the rate its fill
// predicts (measured over a million of them).
func TestBloomFalsePositiveRateAsStated(t *testing.T) {
	for _, p := range []float64{0.01, 0.001} {
		const n = 200_000
		rng := rand.New(rand.NewPCG(1, 2))
		b := newBloom(n, p)
		for i := 0; i < n; i++ {
			b.add(ident{rng.Uint64(), rng.Uint64()})
		}
		const probes = 1_000_000
		fp := 0
		for i := 0; i < probes; i++ {
			if b.has(ident{rng.Uint64(), rng.Uint64()}) {
				fp++
			}
		}
		measured := float64(fp) / probes
		if measured > p*1.1 || measured < p*0.3 {
			t.Errorf("sized for %v: measured %v", p, measured)
		}
		if est := b.falsePositive(); est > measured*1.3 || est < measured*0.7 {
			t.Errorf("sized for %v: estimates %v, measured %v", p, est, measured)
		}
		if len(b.stages) != 1 {
			t.Errorf("%d stages for what it was sized for", len(b.stages))
		}
	}
}

// Past what it was sized for, a filter grows a stage and keeps the rate.
func TestBloomGrowsPastItsSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := newBloom(10_000, 0.01)
	for i := 0; i < 50_000; i++ {
		b.add(ident{rng.Uint64(), rng.Uint64()})
	}
	fp := 0
	for i := 0; i < 200_000; i++ {
		if b.has(ident{rng.Uint64(), rng.Uint64()}) {
			fp++
		}
	}
	measured := float64(fp) / 200_000
	if len(b.stages) < 2 || measured > b.falsePositive()*1.3 || b.falsePositive() > 0.03 {
		t.Fatalf("%d stages, measured %v, estimated %v", len(b.stages), measured, b.falsePositive())
	}
}

func TestSeqSetRunsAndGaps(t *testing.T) {
	var s seqSet
	for _, n := range []int64{1, 2, 3, 7, 5, 4, 10, 9} {
		s.add(n)
	}
	// 1-5, 7, 9-10: missing 6 and 8
	if s.missing() != 2 || len(s.runs) != 3 {
		t.Fatalf("runs %v missing %d", s.runs, s.missing())
	}
	s.add(6)
	s.add(8)
	if s.missing() != 0 || len(s.runs) != 1 {
		t.Fatalf("runs %v", s.runs)
	}
	var wide seqSet
	for i := int64(0); i < 2*maxSpans; i++ {
		wide.add(i * 3)
	}
	if len(wide.runs) > maxSpans || wide.missing() != 2*(2*maxSpans-1) {
		t.Fatalf("%d runs, missing %d", len(wide.runs), wide.missing())
	}
}
