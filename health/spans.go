package health

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
	// lost is how many numbers were counted missing when runs were joined.
	lost int64
}

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
	s.lost += s.runs[best].lo - s.runs[best-1].hi - 1
	s.runs[best-1].hi = s.runs[best].hi
	s.runs = append(s.runs[:best], s.runs[best+1:]...)
}

// missing is how many numbers between the lowest and the highest were
// never seen.
func (s *seqSet) missing() int64 {
	n := s.lost
	for i := 1; i < len(s.runs); i++ {
		n += s.runs[i].lo - s.runs[i-1].hi - 1
	}
	return n
}

// holes are the first few missing ranges, lo to hi inclusive.
func (s *seqSet) holes(max int) []span {
	var out []span
	for i := 1; i < len(s.runs) && len(out) < max; i++ {
		out = append(out, span{s.runs[i-1].hi + 1, s.runs[i].lo - 1})
	}
	return out
}
