// Package health tells whether a flow is healthy: it reads a stream once
// (as every read does: no group, no commit) and finds duplicates, messages
// out of order per entity, entities split over partitions and gaps in
// their sequence numbers, with examples and the entities that offend most.
// Memory stays bounded: each entity keeps a small fixed state, identities
// are held exactly over a window and beyond it in a Bloom filter whose
// false-positive rate the report states.
package health

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// ident is a message's identity hashed to 128 bits.
type ident [2]uint64

// seenAt is where the first copy of an identity was: its partition, its
// offset.
type seenAt struct {
	offset    int64
	partition int32
	ord       uint32 // its place among the partition's messages (mod 2^32)
}

// partState is an entity's order state in one partition.
type partState struct {
	partition int32
	hasSeq    bool
	hasTime   bool
	maxSeq    int64
	maxSeqOff int64
	maxTime   int64 // unix millis
	maxTimeAt int64 // its offset
	firstOff  int64
}

// entity is the fixed state of one entity.
type entity struct {
	name  string
	parts []partState
	seqs  seqSet
	// partsBuf and runsBuf hold parts and seqs.runs while an entity has
	// one partition and one run (the common case): one allocation, one
	// cache line or two.
	partsBuf      [1]partState
	runsBuf       [1]span
	low, lowAt    int64
	dup, disorder int64
	split         bool
}

// Builder checks the messages it is given. It is for one goroutine at a
// time; Report may be called between steps.
type Builder struct {
	stream string
	o      Options
	ctx    context.Context

	seedA, seedB maphash.Seed

	scanned  int64
	from, to time.Time
	produced timeBuckets // the messages by event time
	fallback int64
	noEntity int64

	// identities: cur and old held exactly (old: the generation before),
	// older ones in bloom.
	cur, old *idTable
	genLimit int64  // identities a generation holds before it turns (0: not yet known)
	limitBy  string // what set genLimit: "window" or "memory"
	genStart int64  // event time (unix millis) of cur's first message
	bloom    *bloom
	// probes are the Bloom filter's look-ups, expectedFalse the false
	// positives they should give at its fill (fpNow, taken every 4,096).
	probes        int64
	expectedFalse float64
	fpNow         float64
	switchedAt    int64
	reason        string

	// ords count each partition's messages (by partition+1: a queue's
	// NoPartition first): where positions are sparse, adjacency is
	// counted in messages.
	ords     []uint32
	entities entTable
	seqFound string // what the automatic sequence found ("" none yet)
	// noSequence and seqNotInt count the messages of an entity that lack
	// the sequence, or whose sequence is no integer; autoLacked those
	// before the automatic sequence was found.
	noSequence, seqNotInt, autoLacked int64

	dups     Duplicates
	ordering Ordering
	splits   SplitKeys

	buf []byte // what schemas decode values into
}

// NewBuilder starts a check of stream.
func NewBuilder(stream string, o Options) (*Builder, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("check %s: %w", stream, err)
	}
	o.defaults()
	b := &Builder{stream: stream, o: o, ctx: context.Background(), seedA: maphash.MakeSeed(), seedB: maphash.MakeSeed()}
	// two generations of genLimit identities fit the memory budget
	b.genLimit, b.limitBy = max(int64(float64(o.Memory)/2*maxLoad/slotBytes), 1024), "memory"
	if o.Window > 0 && o.Window <= b.genLimit {
		b.genLimit, b.limitBy = o.Window, "window"
	}
	first := min(b.genLimit, 1<<16)
	if o.Expected > 0 {
		first = min(b.genLimit, o.Expected) // grown once, not doubled and copied along the scan
	}
	b.cur, b.old = newIDTable(int(first)), newIDTable(0)
	b.ordering.Tolerance = o.Tolerance.String()
	return b, nil
}

// Stream is the stream checked.
func (b *Builder) Stream() string { return b.stream }

// Scanned is how many messages were added.
func (b *Builder) Scanned() int64 { return b.scanned }

// Add checks one message.
func (b *Builder) Add(m *sources.Message) {
	b.scanned++
	if !m.NoTimestamp && !m.Timestamp.IsZero() {
		if b.from.IsZero() || m.Timestamp.Before(b.from) {
			b.from = m.Timestamp
		}
		if m.Timestamp.After(b.to) {
			b.to = m.Timestamp
		}
		b.produced.add(m.Timestamp.UnixMilli())
	}
	doc := b.doc(m)
	id := b.identity(m, doc)
	e := b.entity(m, doc)
	switch b.duplicate(m, id, e) {
	case exact, possible: // a copy (or a false positive): its sequence is seen, nothing else counted of it
		if e != nil {
			b.copySeen(m, doc, e)
		}
	default:
		if e != nil {
			b.order(m, doc, e)
		}
	}
}

// seen is what the identities held say of a message.
type seen uint8

const (
	fresh    seen = iota // not seen before
	exact                // a duplicate of a copy held exactly
	possible             // recognised by the Bloom filter only
)

// needsDoc reports options that read the value as a document.
func (b *Builder) needsDoc() bool {
	return b.o.IDPath.Set() || b.o.KeyPath.Set() || b.o.SequencePath.Set() || b.o.Auto
}

// doc is the value as JSON: the document its schema decodes it to, or
// its bytes.
func (b *Builder) doc(m *sources.Message) []byte {
	if !b.needsDoc() || m.Value == nil {
		return m.Value
	}
	dec := b.o.Decoder
	if dec == nil {
		return m.Value
	}
	c := dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	if c.Origin == schema.OriginContent {
		return m.Value
	}
	var d schema.Decoded
	if b.o.Cached {
		var ok bool
		if d, ok = dec.Cached(c); !ok {
			return nil
		}
	} else {
		d = dec.DecodeAppend(b.ctx, c, b.buf[:0])
		if cap(d.JSON) > cap(b.buf) {
			b.buf = d.JSON[:0]
		}
	}
	return d.JSON
}

// identity hashes what tells m's copies apart.
func (b *Builder) identity(m *sources.Message, doc []byte) ident {
	switch {
	case b.o.IDHeader != "":
		if v, ok := m.Header(b.o.IDHeader); ok && len(v) > 0 {
			return b.hash('h', v, nil)
		}
	case b.o.IDPath.Set():
		if tok, ok := b.o.IDPath.Token(doc); ok {
			if tag, v, ok := identityOf(tok); ok {
				return b.hash(tag, v, nil)
			}
		}
	}
	if b.o.PublisherID != nil {
		if id := b.o.PublisherID(m); id != "" {
			if b.o.IDHeader != "" || b.o.IDPath.Set() {
				b.fallback++
			}
			return b.hash('i', []byte(id), nil)
		}
	}
	if b.o.IDHeader != "" || b.o.IDPath.Set() || b.o.PublisherID != nil {
		b.fallback++
	}
	return b.hash('v', m.Key, m.Value)
}

// hash hashes a tag and one or two byte strings (nil and empty apart) to
// 128 bits: y (the value, where the copies of one key differ) with two
// seeds, x (the key) with one, mixed into both halves.
func (b *Builder) hash(tag byte, x, y []byte) ident {
	hx, ya, yb := uint64(0x9e3779b97f4a7c15), uint64(0xc2b2ae3d27d4eb4f), uint64(0x165667b19e3779f9)
	if x != nil {
		hx = maphash.Bytes(b.seedA, x)
	}
	if y != nil {
		ya, yb = maphash.Bytes(b.seedA, y), maphash.Bytes(b.seedB, y)
	}
	t := uint64(tag) << 56
	return ident{mix(hx*0xff51afd7ed558ccd ^ ya ^ t), mix(bits.RotateLeft64(hx, 29)*0xc4ceb9fe1a85ec53 ^ yb ^ t)}
}

// mix is a 64-bit finaliser (MurmurHash3's).
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// entity is m's entity's state (nil: m has none).
func (b *Builder) entity(m *sources.Message, doc []byte) *entity {
	var key []byte
	ok := false
	switch {
	case b.o.KeyPath.Set():
		var tok []byte
		if tok, ok = b.o.KeyPath.Token(doc); ok && string(tok) != "null" && string(tok) != `""` { // an empty value names no entity
			key = pathKey(tok)
		} else {
			ok = false
		}
	case b.o.OrderKey != nil:
		key, ok = b.o.OrderKey(m)
	default:
		key, ok = m.Key, m.Key != nil
	}
	if !ok {
		b.noEntity++
		return nil
	}
	h := maphash.Bytes(b.seedA, key) | 1 // 0 marks an empty slot
	slot := b.entities.slot(h)
	e := *slot
	if e == nil {
		e = &entity{name: entityName(key)}
		e.parts, e.seqs.runs = e.partsBuf[:0], e.runsBuf[:0]
		b.entities.put(slot, e)
	}
	return e
}

// duplicate checks m's identity against those seen: it counts m a
// duplicate (exact or possible), or remembers it (fresh).
func (b *Builder) duplicate(m *sources.Message, id ident, e *entity) seen {
	ord := b.ordinal(m.Partition)
	first, ok := b.old.get(id)
	if !ok && b.turnIfDue(m) {
		first, ok = b.old.get(id) // the generation that just turned old
	}
	if !ok {
		first, ok = b.cur.getOrPut(id, seenAt{offset: m.Offset, partition: m.Partition, ord: ord})
	}
	if !ok && b.bloom != nil {
		b.probes++
		if b.probes%4096 == 1 {
			b.fpNow = b.bloom.falsePositive()
		}
		b.expectedFalse += b.fpNow
		if b.bloom.has(id) {
			b.possible(m, e)
			return possible
		}
	}
	if !ok {
		return fresh
	}
	kind := "republish"
	switch {
	case redriven(m):
		kind = "redrive"
	case first.partition == m.Partition && b.distance(first, m, ord) <= RetryDistance:
		kind = "retry"
	}
	d := &b.dups
	d.Count++
	switch kind {
	case "retry":
		d.Retry++
	case "redrive":
		d.Redrive++
	default:
		d.Republish++
	}
	if e != nil {
		e.dup++
	}
	if b.kindExamples(kind) < b.o.Examples {
		p := Pair{Kind: kind, Second: b.pos(m.Partition, m.Offset)}
		if e != nil {
			p.Entity = e.name
		}
		fp := b.pos(first.partition, first.offset)
		p.First = &fp
		d.Examples = append(d.Examples, p)
	}
	return exact
}

// ordinal counts a message of partition and returns its place among
// the partition's messages.
func (b *Builder) ordinal(partition int32) uint32 {
	i := int(partition) + 1
	if i < 0 || i > 1<<16 {
		i = 0
	}
	if i >= len(b.ords) {
		b.ords = append(b.ords, make([]uint32, i+1-len(b.ords))...)
	}
	b.ords[i]++
	return b.ords[i]
}

// distance is how many messages of one partition a copy is from its
// first: by offset where positions are dense (the order messages come
// in may not be theirs), by the messages read where they are sparse.
func (b *Builder) distance(first seenAt, m *sources.Message, ord uint32) int64 {
	if b.o.SparsePositions {
		return int64(ord - first.ord)
	}
	return abs(m.Offset - first.offset)
}

// possible counts a message whose identity only the Bloom filter says it
// saw (beyond the window): a duplicate, or one of its false positives.
func (b *Builder) possible(m *sources.Message, e *entity) {
	b.dups.Possible++
	if b.kindExamples("possible") < b.o.Examples {
		p := Pair{Kind: "possible", Second: b.pos(m.Partition, m.Offset)}
		if e != nil {
			p.Entity = e.name
		}
		b.dups.Examples = append(b.dups.Examples, p)
	}
}

func (b *Builder) kindExamples(kind string) int {
	n := 0
	for _, p := range b.dups.Examples {
		if p.Kind == kind {
			n++
		}
	}
	return n
}

func (b *Builder) pos(part int32, off int64) Position {
	p := Position{Stream: b.stream, Partition: part, Offset: off}
	if ps := b.o.Positions; ps != nil && off >= 0 {
		p.ID = ps.Format(off)
	}
	return p
}

// turnIfDue turns the generations when the window or the memory asks,
// before m's identity is held; it reports a turn.
func (b *Builder) turnIfDue(m *sources.Message) bool {
	at := m.Timestamp.UnixMilli()
	if b.cur.n == 0 {
		b.genStart = at
	}
	turn := ""
	switch {
	case int64(b.cur.n) >= b.genLimit:
		turn = b.limitBy
	case b.o.WindowTime > 0 && b.cur.n > 0 && at-b.genStart > b.o.WindowTime.Milliseconds():
		turn = "window"
	}
	if turn == "" {
		return false
	}
	b.turn(turn)
	b.genStart = at
	return true
}

// turn moves the older generation's identities to the Bloom filter and
// starts a new one.
func (b *Builder) turn(reason string) {
	if b.old.n > 0 {
		if b.bloom == nil {
			// what is left of the scan, and the generation spilled now
			n := max(b.o.Expected-b.scanned+int64(b.old.n), 4*int64(b.old.n)) * 11 / 10
			b.bloom = newBloom(n, b.o.FalsePositive)
			b.switchedAt, b.reason = b.scanned, reason
		}
		b.old.each(b.bloom.add)
	}
	b.old.reset()
	b.old, b.cur = b.cur, b.old
	if need := min(b.genLimit, max(b.o.Expected-b.scanned, 0)); b.o.Expected > 0 && float64(need) > float64(len(b.cur.slots))*maxLoad {
		b.cur = newIDTable(int(need)) // sized once for what is left, not doubled along
	}
}

// sequence is m's sequence number (ok false: it has none).
func (b *Builder) sequence(m *sources.Message, doc []byte) (int64, bool) {
	switch {
	case b.o.SequenceHeader != "":
		v, ok := m.Header(b.o.SequenceHeader)
		return b.seqCounted(v, ok)
	case b.o.SequencePath.Set():
		tok, ok := b.o.SequencePath.Token(doc)
		return b.seqCounted(tok, ok)
	case b.o.Auto:
		n, ok := b.autoSequence(m, doc)
		if !ok {
			b.autoLacked++
		}
		return n, ok
	}
	return 0, false
}

// seqCounted reads a sequence token (found: the message has the field or
// header), counting the messages that lack it or whose value is no
// integer.
func (b *Builder) seqCounted(tok []byte, found bool) (int64, bool) {
	if !found {
		b.noSequence++
		return 0, false
	}
	n, ok := sequenceOf(tok)
	if !ok {
		b.seqNotInt++
	}
	return n, ok
}

// autoSequence finds the sequence the first time a message carries one of
// the names it knows, then reads that one.
func (b *Builder) autoSequence(m *sources.Message, doc []byte) (int64, bool) {
	for _, h := range autoSequenceHeaders {
		if v, ok := m.Header(h); ok {
			if n, ok := sequenceOf(v); ok {
				b.o.Auto, b.o.SequenceHeader, b.seqFound = false, h, "header "+h
				b.noSequence += b.autoLacked
				return n, true
			}
		}
	}
	for _, f := range autoSequencePaths {
		p := Path{text: "json." + f, steps: []string{f}}
		if tok, ok := p.Token(doc); ok {
			n, ok := sequenceOf(tok)
			if !ok {
				continue
			}
			b.o.Auto, b.o.SequencePath, b.seqFound = false, p, p.text
			b.noSequence += b.autoLacked
			return n, true
		}
	}
	return 0, false
}

// copySeen takes a duplicate's sequence as seen (no gap where a copy
// arrived); a copy makes no split and no ordering finding: those are
// defined on an entity's distinct messages.
func (b *Builder) copySeen(m *sources.Message, doc []byte, e *entity) {
	seq, ok := b.sequence(m, doc)
	if !ok {
		return
	}
	if len(e.seqs.runs) == 0 || seq < e.low {
		e.low, e.lowAt = seq, m.Offset
	}
	e.seqs.add(seq)
}

// order checks m against its entity's state in its partition.
func (b *Builder) order(m *sources.Message, doc []byte, e *entity) {
	var ps *partState
	for i := range e.parts {
		if e.parts[i].partition == m.Partition {
			ps = &e.parts[i]
			break
		}
	}
	if ps == nil {
		e.parts = append(e.parts, partState{partition: m.Partition, firstOff: m.Offset})
		ps = &e.parts[len(e.parts)-1]
		if len(e.parts) == 2 {
			e.split = true
			b.splits.Count++
			if len(b.splits.Examples) < b.o.Examples {
				b.splits.Examples = append(b.splits.Examples, Split{Entity: e.name,
					At: []Position{b.pos(e.parts[0].partition, e.parts[0].firstOff), b.pos(m.Partition, m.Offset)}})
			}
		}
	}
	if seq, ok := b.sequence(m, doc); ok {
		if len(e.seqs.runs) == 0 || seq < e.low {
			e.low, e.lowAt = seq, m.Offset
		}
		e.seqs.add(seq)
		if ps.hasSeq && seq < ps.maxSeq {
			b.disorder(e, Pair{Entity: e.name, First: ptr(b.pos(m.Partition, ps.maxSeqOff)), Second: b.pos(m.Partition, m.Offset),
				Detail: "seq " + strconv.FormatInt(seq, 10) + " after " + strconv.FormatInt(ps.maxSeq, 10)}, true)
			return
		}
		ps.hasSeq, ps.maxSeq, ps.maxSeqOff = true, seq, m.Offset
		return
	}
	if m.NoTimestamp || m.Timestamp.IsZero() {
		return
	}
	t := m.Timestamp.UnixMilli()
	if ps.hasTime && t < ps.maxTime-b.o.Tolerance.Milliseconds() {
		back := time.Duration(ps.maxTime-t) * time.Millisecond
		b.disorder(e, Pair{Entity: e.name, First: ptr(b.pos(m.Partition, ps.maxTimeAt)), Second: b.pos(m.Partition, m.Offset),
			Detail: "time " + back.String() + " earlier"}, false)
		return
	}
	if !ps.hasTime || t > ps.maxTime {
		ps.hasTime, ps.maxTime, ps.maxTimeAt = true, t, m.Offset
	}
}

func ptr[T any](v T) *T { return &v }

func (b *Builder) disorder(e *entity, p Pair, bySeq bool) {
	b.ordering.Count++
	if bySeq {
		b.ordering.BySequence++
	} else {
		b.ordering.ByTime++
	}
	e.disorder++
	if len(b.ordering.Examples) < b.o.Examples {
		b.ordering.Examples = append(b.ordering.Examples, p)
	}
}

// Report is what was found so far. It walks every entity (for gaps and
// offenders) and does no I/O.
func (b *Builder) Report() Report {
	r := Report{Stream: b.stream, Scanned: b.scanned, From: b.from, To: b.to, ByFallback: b.fallback, NoEntity: b.noEntity,
		Identity: b.identityName(), Entity: b.entityName(), Sequence: b.sequenceName(), EntityPath: b.o.KeyPath.String(),
		NoSequence: b.noSequence, SequenceNotInteger: b.seqNotInt, IdentityAsked: b.identityAsked(),
		produced: b.produced.snapshot()}
	r.Duplicates = b.dups
	r.Duplicates.Definition = DefineDuplicates
	r.Duplicates.Examples = slices.Clone(b.dups.Examples)
	r.Duplicates.ExpectedFalse = b.expectedFalse
	r.Duplicates.PossibleCounted = float64(b.dups.Possible) > b.expectedFalse+3*math.Sqrt(b.expectedFalse)
	r.Ordering = b.ordering
	r.Ordering.Definition = DefineOrderingTime
	if b.o.SequenceHeader != "" || b.o.SequencePath.Set() {
		r.Ordering.Definition = DefineOrderingSeq + "; a message without it: " + DefineOrderingTime
	}
	r.Ordering.Examples = slices.Clone(b.ordering.Examples)
	r.SplitKeys = b.splits
	r.SplitKeys.Definition = DefineSplit
	r.SplitKeys.Examples = slices.Clone(b.splits.Examples)
	r.Gaps.Definition = DefineGaps
	var offenders []Offender
	for _, e := range b.entities.all {
		miss, jumps := e.seqs.missing(), e.seqs.jumpCount()
		if miss > 0 || jumps > 0 {
			r.Gaps.Count += miss
			r.Gaps.Jumps += jumps
			r.Gaps.Entities++
			r.Gaps.UpperBound = r.Gaps.UpperBound || e.seqs.lost > 0
			g := Gap{Entity: e.name, Missing: miss, Jumps: jumps, Lowest: e.low, Highest: e.seqs.runs[len(e.seqs.runs)-1].hi,
				At: b.pos(e.parts[0].partition, e.lowAt), RangesTotal: e.seqs.holeCount(), Ranges: []Range{}}
			for _, h := range e.seqs.holes(gapRanges) {
				g.Ranges = append(g.Ranges, Range{From: h.lo, To: h.hi})
			}
			for _, h := range e.seqs.jumpHoles(gapRanges) {
				g.JumpRanges = append(g.JumpRanges, Range{From: h.lo, To: h.hi})
			}
			r.Gaps.Examples = append(r.Gaps.Examples, g)
		}
		if e.dup > 0 || e.disorder > 0 || miss > 0 || jumps > 0 || e.split {
			offenders = append(offenders, Offender{Entity: e.name, Duplicates: e.dup, Ordering: e.disorder, Gaps: miss, Jumps: jumps, Split: e.split})
		}
	}
	slices.SortFunc(r.Gaps.Examples, func(x, y Gap) int {
		return cmp.Or(cmp.Compare(y.Missing+y.Jumps, x.Missing+x.Jumps), cmp.Compare(x.Entity, y.Entity))
	})
	if len(r.Gaps.Examples) > b.o.Examples {
		r.Gaps.Examples = r.Gaps.Examples[:b.o.Examples]
	}
	slices.SortFunc(offenders, func(x, y Offender) int {
		return cmp.Or(cmp.Compare(y.Total(), x.Total()), cmp.Compare(x.Entity, y.Entity))
	})
	r.OffendersTotal = int64(len(offenders))
	if len(offenders) > b.o.Examples {
		offenders = offenders[:b.o.Examples]
	}
	r.Offenders = offenders
	emptyLists(&r)
	r.Memory = b.memory()
	return r
}

func (b *Builder) memory() Memory {
	m := Memory{Window: "the whole scan", Exact: b.bloom == nil, SwitchedAt: b.switchedAt, Reason: b.reason,
		Held: int64(b.cur.n + b.old.n), Budget: b.o.Memory, FalsePositive: b.o.FalsePositive, Entities: int64(len(b.entities.all))}
	switch {
	case b.o.Window > 0 && b.limitBy == "window":
		m.Window = "the last " + strconv.FormatInt(b.o.Window, 10) + " messages (at least)"
	case b.o.WindowTime > 0 && b.reason != "memory":
		m.Window = "the last " + b.o.WindowTime.String() + " of event time (at least)"
	case b.bloom != nil:
		m.Window = "the last " + strconv.FormatInt(b.genLimit, 10) + " identities (at least), as memory allowed"
	}
	if b.bloom != nil {
		m.BloomIdentities, m.BloomBytes, m.Estimated = b.bloom.count(), b.bloom.bytes(), b.bloom.falsePositive()
	}
	return m
}

func (b *Builder) identityName() string {
	fallback := "a hash of key and value"
	if b.o.PublisherID != nil {
		fallback = "the publisher's message id, else " + fallback
	}
	switch {
	case b.o.IDHeader != "":
		return "header " + b.o.IDHeader + ", else " + fallback
	case b.o.IDPath.Set():
		return b.o.IDPath.String() + ", else " + fallback
	}
	return fallback
}

// identityAsked is the header or path the options name as identity.
func (b *Builder) identityAsked() string {
	switch {
	case b.o.IDHeader != "":
		return "header " + b.o.IDHeader
	case b.o.IDPath.Set():
		return b.o.IDPath.String()
	}
	return ""
}

func (b *Builder) entityName() string {
	switch {
	case b.o.KeyPath.Set():
		return b.o.KeyPath.String()
	case b.o.OrderKey != nil:
		return "what the broker keeps in order (a RabbitMQ queue or a Redis stream as a whole, an SQS FIFO message group, else the key)"
	}
	return "the message key"
}

func (b *Builder) sequenceName() string {
	switch {
	case b.seqFound != "":
		return b.seqFound + " (found in the messages)"
	case b.o.SequenceHeader != "":
		return "header " + b.o.SequenceHeader
	case b.o.SequencePath.Set():
		return b.o.SequencePath.String()
	case b.o.Auto:
		return "none found: event time, tolerance " + b.o.Tolerance.String()
	}
	return "none: event time, tolerance " + b.o.Tolerance.String()
}

// Step checks what a bounded read delivers for about d; it reports done
// at the read's end. The caller closes sub.
func (b *Builder) Step(ctx context.Context, sub sources.Subscription, d time.Duration) (bool, error) {
	b.ctx = ctx
	defer func() { b.ctx = context.Background() }()
	// a feed hands whole chunks of up to 1,000 over without copying them
	done, err := sources.StepRead(ctx, sub, d, func() int { return 1000 }, b.Add)
	if err != nil {
		return false, fmt.Errorf("check %s: %w", b.stream, err)
	}
	return done, nil
}

// Read checks every message of a bounded read, calling progress (may be
// nil) after each step. It closes sub.
func (b *Builder) Read(ctx context.Context, sub sources.Subscription, progress func(*Builder)) error {
	return sources.ReadSteps(ctx, sub, b.Step, func() {
		if progress != nil {
			progress(b)
		}
	})
}

// HeldBytes is about what the check's own state takes: the identities'
// tables, the Bloom filter and the entities (about 200 bytes each).
func (b *Builder) HeldBytes() int64 {
	n := b.cur.bytes() + b.old.bytes() + int64(len(b.entities.hashes))*16 + int64(len(b.entities.all))*200
	if b.bloom != nil {
		n += b.bloom.bytes()
	}
	return n
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
