package replay

// fingerprintSet is a set of fingerprints. The ones Fingerprint and
// rawFingerprint make (32 hex digits) are kept as 16 bytes in a map
// without pointers, which the garbage collector does not scan however
// many a run holds; any other is kept as it is. The zero value is empty.
type fingerprintSet struct {
	packed map[[16]byte]struct{}
	other  map[string]struct{}
}

// packFingerprint reads 32 lower-case hex digits (one spelling a key).
func packFingerprint(fp string) (k [16]byte, ok bool) {
	if len(fp) != 2*len(k) {
		return k, false
	}
	for i := range len(fp) {
		var v byte
		switch c := fp[i]; {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		default:
			return k, false
		}
		k[i/2] = k[i/2]<<4 | v
	}
	return k, true
}

func (s *fingerprintSet) add(fp string) {
	if k, ok := packFingerprint(fp); ok {
		if s.packed == nil {
			s.packed = map[[16]byte]struct{}{}
		}
		s.packed[k] = struct{}{}
		return
	}
	if s.other == nil {
		s.other = map[string]struct{}{}
	}
	s.other[fp] = struct{}{}
}

func (s *fingerprintSet) has(fp string) bool {
	if k, ok := packFingerprint(fp); ok {
		_, in := s.packed[k]
		return in
	}
	_, in := s.other[fp]
	return in
}

// fingerprintTally holds a value per fingerprint, packed as
// fingerprintSet packs them. The zero value is empty.
type fingerprintTally[V any] struct {
	packed map[[16]byte]V
	other  map[string]V
}

func (t *fingerprintTally[V]) get(fp string) V {
	if k, ok := packFingerprint(fp); ok {
		return t.packed[k]
	}
	return t.other[fp]
}

func (t *fingerprintTally[V]) set(fp string, v V) {
	if k, ok := packFingerprint(fp); ok {
		if t.packed == nil {
			t.packed = map[[16]byte]V{}
		}
		t.packed[k] = v
		return
	}
	if t.other == nil {
		t.other = map[string]V{}
	}
	t.other[fp] = v
}

// each replaces every value with what f makes of it.
func (t *fingerprintTally[V]) each(f func(V) V) {
	for k, v := range t.packed {
		t.packed[k] = f(v)
	}
	for k, v := range t.other {
		t.other[k] = f(v)
	}
}

// len is how many fingerprints the set holds.
func (s *fingerprintSet) len() int { return len(s.packed) + len(s.other) }
