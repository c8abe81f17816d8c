package health

import "math"

// bloom is a Bloom filter over identities already hashed to 128 bits (the
// k probes come from the two halves, Kirsch and Mitzenmacher's double
// hashing). When more identities are added than it was sized for, a
// larger stage is added, so its false-positive rate stays near the one
// asked for (a scalable Bloom filter).
type bloom struct {
	stages []bloomStage
	rate   float64 // the false-positive rate each stage is sized for
}

type bloomStage struct {
	bits     []uint64
	m        uint64 // bits
	k        int    // probes
	capacity int64  // identities it was sized for
	n        int64  // identities added
}

// newStage sizes a stage for n identities at false-positive rate p.
func newStage(n int64, p float64) bloomStage {
	n = max(n, 1024)
	m := uint64(math.Ceil(-float64(n) * math.Log(p) / (math.Ln2 * math.Ln2)))
	m = (m + 63) &^ 63
	k := max(int(math.Round(float64(m)/float64(n)*math.Ln2)), 1)
	return bloomStage{bits: make([]uint64, m/64), m: m, k: k, capacity: n}
}

// newBloom makes a filter sized for n identities at false-positive rate p.
func newBloom(n int64, p float64) *bloom {
	return &bloom{stages: []bloomStage{newStage(n, p)}, rate: p}
}

func (s *bloomStage) has(h1, h2 uint64) bool {
	for i := 0; i < s.k; i++ {
		b := (h1 + uint64(i)*h2) % s.m
		if s.bits[b>>6]&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}

func (s *bloomStage) add(h1, h2 uint64) {
	for i := 0; i < s.k; i++ {
		b := (h1 + uint64(i)*h2) % s.m
		s.bits[b>>6] |= 1 << (b & 63)
	}
	s.n++
}

// has reports an identity that may have been added (false: it was not).
func (b *bloom) has(id ident) bool {
	h2 := id[1] | 1
	for i := range b.stages {
		if b.stages[i].has(id[0], h2) {
			return true
		}
	}
	return false
}

// add adds an identity.
func (b *bloom) add(id ident) {
	last := &b.stages[len(b.stages)-1]
	if last.n >= last.capacity {
		b.stages = append(b.stages, newStage(last.capacity*2, b.rate))
		last = &b.stages[len(b.stages)-1]
	}
	last.add(id[0], id[1]|1)
}

// bytes is the memory the filter holds.
func (b *bloom) bytes() int64 {
	var n int64
	for _, s := range b.stages {
		n += int64(len(s.bits)) * 8
	}
	return n
}

// count is how many identities were added.
func (b *bloom) count() int64 {
	var n int64
	for _, s := range b.stages {
		n += s.n
	}
	return n
}

// falsePositive is the chance that an identity never added is reported
// as added, from how full each stage is: 1 - prod(1 - fill^k).
func (b *bloom) falsePositive() float64 {
	clean := 1.0
	for _, s := range b.stages {
		clean *= 1 - math.Pow(1-math.Exp(-float64(s.k)*float64(s.n)/float64(s.m)), float64(s.k))
	}
	return 1 - clean
}
