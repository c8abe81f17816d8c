package health

import (
	"math"
	"math/bits"
)

// blockBits is the size of a block of a blocked Bloom filter: a cache line.
const blockBits = 512

// bloom is a blocked Bloom filter over identities already hashed to 128
// bits: the first half picks a 512-bit block (one cache line), the
// second half the k bits within it, so a look-up reads one line. It is
// sized with a fifth more bits than a classic filter to keep the rate
// asked for. When more identities are added than it was sized for, a
// larger stage is added (a scalable Bloom filter). Each stage counts its
// blocks by how many bits they have set, so the rate its fill gives is
// known at any time.
type bloom struct {
	stages []bloomStage
	rate   float64 // the false-positive rate each stage is sized for
}

type bloomStage struct {
	blocks   [][blockBits / 64]uint64
	k        int
	capacity int64 // identities it was sized for
	n        int64 // identities added
	// fill counts blocks by bits set (fill[c]: blocks with c bits set);
	// pow[c] is (c/512)^k, a probe's chance to find c set bits all set.
	fill []int64
	pow  []float64
}

// newStage sizes a stage for n identities at false-positive rate p.
func newStage(n int64, p float64) bloomStage {
	n = max(n, 1024)
	m := 1.2 * -float64(n) * math.Log(p) / (math.Ln2 * math.Ln2)
	nb := max(int64(math.Ceil(m/blockBits)), 1)
	k := max(int(math.Round(float64(nb*blockBits)/float64(n)*math.Ln2)), 1)
	s := bloomStage{blocks: make([][blockBits / 64]uint64, nb), k: k, capacity: n, fill: make([]int64, blockBits+1), pow: make([]float64, blockBits+1)}
	s.fill[0] = nb
	for c := range s.pow {
		s.pow[c] = math.Pow(float64(c)/blockBits, float64(k))
	}
	return s
}

// newBloom makes a filter sized for n identities at false-positive rate p.
func newBloom(n int64, p float64) *bloom {
	return &bloom{stages: []bloomStage{newStage(n, p)}, rate: p}
}

// next steps a probe sequence: each probe's bit is the top 9 bits of a
// 64-bit LCG seeded with the identity's second half, so probes are
// independent and uniform within the block (the rate's estimate assumes it).
func next(x uint64) (uint64, uint64) {
	x = x*6364136223846793005 + 1442695040888963407
	return x, x >> 55
}

func (s *bloomStage) block(h1 uint64) *[blockBits / 64]uint64 {
	return &s.blocks[(h1>>32)*uint64(len(s.blocks))>>32]
}

func (s *bloomStage) has(h1, h2 uint64) bool {
	b := s.block(h1)
	x, bit := h2, uint64(0)
	for i := 0; i < s.k; i++ {
		x, bit = next(x)
		if b[bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
	}
	return true
}

func (s *bloomStage) add(h1, h2 uint64) {
	b := s.block(h1)
	set := 0
	for _, w := range b {
		set += bits.OnesCount64(w)
	}
	before := set
	x, bit := h2, uint64(0)
	for i := 0; i < s.k; i++ {
		x, bit = next(x)
		if b[bit>>6]&(1<<(bit&63)) == 0 {
			b[bit>>6] |= 1 << (bit & 63)
			set++
		}
	}
	s.fill[before]--
	s.fill[set]++
	s.n++
}

// has reports an identity that may have been added (false: it was not).
func (b *bloom) has(id ident) bool {
	for i := range b.stages {
		if b.stages[i].has(id[0], id[1]) {
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
	last.add(id[0], id[1])
}

// bytes is the memory the filter holds.
func (b *bloom) bytes() int64 {
	var n int64
	for _, s := range b.stages {
		n += int64(len(s.blocks)) * blockBits / 8
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
// as added, from how full each stage's blocks are: a stage answers yes
// when the k bits probed in one block are all set.
func (b *bloom) falsePositive() float64 {
	clean := 1.0
	for _, s := range b.stages {
		var p float64
		for c, n := range s.fill {
			if n > 0 {
				p += float64(n) * s.pow[c]
			}
		}
		clean *= 1 - p/float64(len(s.blocks))
	}
	return 1 - clean
}
