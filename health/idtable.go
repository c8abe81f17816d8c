package health

import "math/bits"

// idSlot is one identity held exactly and where its first copy was; a
// zero id is an empty slot.
type idSlot struct {
	id ident
	at seenAt
}

// slotBytes is what a slot takes; tables are kept at most maxLoad full.
const (
	slotBytes = 32
	maxLoad   = 0.6
)

// idTable holds identities exactly: open addressing with linear probing
// over slots picked by the identity's first half (already a uniform hash),
// so a lookup and an insert are one probe sequence.
type idTable struct {
	slots []idSlot
	n     int
}

// newIDTable makes a table for about n identities.
func newIDTable(n int) *idTable {
	return &idTable{slots: make([]idSlot, max(int(float64(n)/maxLoad)+1, 1024))}
}

// home is id's first slot.
func (t *idTable) home(id ident) int {
	hi, _ := bits.Mul64(id[0], uint64(len(t.slots)))
	return int(hi)
}

// get returns where id's first copy was, if held.
func (t *idTable) get(id ident) (seenAt, bool) {
	if t.n == 0 {
		return seenAt{}, false
	}
	for i := t.home(id); ; i++ {
		if i == len(t.slots) {
			i = 0
		}
		s := &t.slots[i]
		switch s.id {
		case id:
			return s.at, true
		case ident{}:
			return seenAt{}, false
		}
	}
}

// getOrPut returns where id's first copy was (true), or holds it at at.
func (t *idTable) getOrPut(id ident, at seenAt) (seenAt, bool) {
	if id == (ident{}) {
		return seenAt{}, false // the empty mark: one chance in 2^128
	}
	if float64(t.n+1) > float64(len(t.slots))*maxLoad {
		t.grow()
	}
	for i := t.home(id); ; i++ {
		if i == len(t.slots) {
			i = 0
		}
		s := &t.slots[i]
		switch s.id {
		case id:
			return s.at, true
		case ident{}:
			s.id, s.at = id, at
			t.n++
			return seenAt{}, false
		}
	}
}

func (t *idTable) grow() {
	old := t.slots
	t.slots, t.n = make([]idSlot, len(old)*2), 0
	for _, s := range old {
		if s.id != (ident{}) {
			t.getOrPut(s.id, s.at)
		}
	}
}

// each calls f with every identity held.
func (t *idTable) each(f func(ident)) {
	for i := range t.slots {
		if t.slots[i].id != (ident{}) {
			f(t.slots[i].id)
		}
	}
}

// reset empties the table, keeping its slots.
func (t *idTable) reset() {
	clear(t.slots)
	t.n = 0
}

// bytes is the memory the table holds.
func (t *idTable) bytes() int64 { return int64(len(t.slots)) * slotBytes }

// entTable finds an entity by the hash of its key: open addressing over
// (hash, entity) slots, so a lookup touches one slot and the entity.
type entTable struct {
	hashes []uint64
	ents   []*entity
	all    []*entity // every entity, in the order first seen
}

// slot is where the entity of hash h is, or goes (its *entity nil).
func (t *entTable) slot(h uint64) **entity {
	if float64(len(t.all)+1) > float64(len(t.hashes))*maxLoad {
		t.grow()
	}
	hi, _ := bits.Mul64(h, uint64(len(t.hashes)))
	for i := int(hi); ; i++ {
		if i == len(t.hashes) {
			i = 0
		}
		switch t.hashes[i] {
		case h:
			return &t.ents[i]
		case 0:
			t.hashes[i] = h
			return &t.ents[i]
		}
	}
}

// put keeps a new entity at the slot slot returned.
func (t *entTable) put(slot **entity, e *entity) {
	*slot = e
	t.all = append(t.all, e)
}

func (t *entTable) grow() {
	oh, oe := t.hashes, t.ents
	n := max(2*len(oh), 1024)
	t.hashes, t.ents = make([]uint64, n), make([]*entity, n)
	for i, h := range oh {
		if oe[i] != nil {
			*t.slot0(h) = oe[i]
		}
	}
}

// slot0 is slot without the growth check (while growing).
func (t *entTable) slot0(h uint64) **entity {
	hi, _ := bits.Mul64(h, uint64(len(t.hashes)))
	for i := int(hi); ; i++ {
		if i == len(t.hashes) {
			i = 0
		}
		if t.hashes[i] == 0 || t.hashes[i] == h {
			t.hashes[i] = h
			return &t.ents[i]
		}
	}
}
