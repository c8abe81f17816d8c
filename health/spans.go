package health

import (
	"cmp"
	"slices"
)

// maxSpans bounds the runs of sequence numbers an entity keeps: past it the
// two runs closest together are joined and the numbers between them are
// counted missing for good (the entity's gaps become an upper bound).
const maxSpans = 32

// span is a run of sequence numbers seen, lo to hi inclusive.
type span struct{ lo, hi int64 }

// seqSet is the sequence numbers an entity was seen with, as sorted,
// disjoint, non-adjacent runs: numbers that arrive in order keep it one run.
type seqSet struct {
	runs []span
	// lost is how many numbers were counted missing when runs were
	// joined, lostHoles how many holes that took, lowLost the lowest of
	// them (up to maxLowLost); jumps the holes joined that were jumps.
	lost      int64
	lostHoles int64
	lowLost   []span
	jumps     int64
}

// JumpSize is the hole in one entity's sequence past which it is one
// suspicious jump (a reset, a bad number) rather than that many missing
// numbers.
const JumpSize = 1_000_000

// maxLowLost bounds the joined holes an entity remembers to show.
const maxLowLost = 5

// add records n.
func (s *seqSet) add(n int64) {
	r := s.runs
	k := len(r)
	if k > 0 && n == r[k-1].hi+1 { // the common case: the next number
		r[k-1].hi = n
		return
	}
	// the first run whose hi >= n-1
	lo, hi := 0, k
	for lo < hi {
		m := (lo + hi) / 2
		if r[m].hi < n-1 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo
	switch {
	case i < k && r[i].lo <= n && n <= r[i].hi:
		return // seen
	case i < k && n == r[i].lo-1:
		r[i].lo = n
	case i < k && n == r[i].hi+1:
		r[i].hi = n
		if i+1 < k && r[i+1].lo == n+1 {
			r[i].hi = r[i+1].hi
			s.runs = append(r[:i+1], r[i+2:]...)
		}
		return
	default:
		r = append(r, span{})
		copy(r[i+1:], r[i:])
		r[i] = span{n, n}
		s.runs = r
		if len(r) > maxSpans {
			s.joinClosest()
		}
		return
	}
	if i > 0 && r[i-1].hi+1 == r[i].lo {
		r[i-1].hi = r[i].hi
		s.runs = append(r[:i], r[i+1:]...)
	}
}

// joinClosest joins the two runs with the fewest numbers between them.
func (s *seqSet) joinClosest() {
	best := 1
	for i := 2; i < len(s.runs); i++ {
		if s.runs[i].lo-s.runs[i-1].hi < s.runs[best].lo-s.runs[best-1].hi {
			best = i
		}
	}
	hole := span{s.runs[best-1].hi + 1, s.runs[best].lo - 1}
	if n := hole.hi - hole.lo + 1; n > JumpSize {
		s.jumps++
	} else {
		s.lost += n
		s.lostHoles++
		s.keepLow(hole)
	}
	s.runs[best-1].hi = s.runs[best].hi
	s.runs = append(s.runs[:best], s.runs[best+1:]...)
}

// keepLow remembers a joined hole if it is among the lowest.
func (s *seqSet) keepLow(h span) {
	i, _ := slices.BinarySearchFunc(s.lowLost, h.lo, func(x span, lo int64) int { return cmp.Compare(x.lo, lo) })
	if i >= maxLowLost {
		return
	}
	s.lowLost = slices.Insert(s.lowLost, i, h)
	if len(s.lowLost) > maxLowLost {
		s.lowLost = s.lowLost[:maxLowLost]
	}
}

// missing is how many numbers between the lowest and the highest were
// never seen, the holes that are jumps left out.
func (s *seqSet) missing() int64 {
	n := s.lost
	for i := 1; i < len(s.runs); i++ {
		if h := s.runs[i].lo - s.runs[i-1].hi - 1; h <= JumpSize {
			n += h
		}
	}
	return n
}

// jumpCount is how many holes are jumps (more than JumpSize numbers).
func (s *seqSet) jumpCount() int64 {
	n := s.jumps
	for i := 1; i < len(s.runs); i++ {
		if s.runs[i].lo-s.runs[i-1].hi-1 > JumpSize {
			n++
		}
	}
	return n
}

// holeCount is how many holes there are that are not jumps: the ranges
// the missing numbers are in.
func (s *seqSet) holeCount() int64 {
	n := s.lostHoles
	for i := 1; i < len(s.runs); i++ {
		if s.runs[i].lo-s.runs[i-1].hi-1 <= JumpSize {
			n++
		}
	}
	return n
}

// holes are the lowest few missing ranges that are not jumps, lo to hi
// inclusive (joined ones among them: numbers that may have come since).
func (s *seqSet) holes(n int) []span {
	out := slices.Clone(s.lowLost)
	for i := 1; i < len(s.runs); i++ {
		if h := (span{s.runs[i-1].hi + 1, s.runs[i].lo - 1}); h.hi-h.lo+1 <= JumpSize {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(x, y span) int { return cmp.Compare(x.lo, y.lo) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// jumpHoles are the lowest few holes that are jumps still between runs
// (a jump joined away is counted in jumps but no longer known).
func (s *seqSet) jumpHoles(n int) []span {
	var out []span
	for i := 1; i < len(s.runs) && len(out) < n; i++ {
		if h := (span{s.runs[i-1].hi + 1, s.runs[i].lo - 1}); h.hi-h.lo+1 > JumpSize {
			out = append(out, h)
		}
	}
	return out
}
