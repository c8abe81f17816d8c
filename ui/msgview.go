package ui

import (
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

// msgView is what a message list shows: the whole buffer, or the messages
// a filter expression kept. A filter runs once per message, when it
// arrives (or when the filter is set), never in View.
type msgView struct {
	buf     *msgbuf.Buffer
	flt     *filter.Filter
	idx     []int // buffer positions of the kept messages, when filtering
	next    int   // the first buffer position not scanned yet
	scanned int64
	err     error           // the first error the filter met on a message
	failed  int64           // how many messages the filter could not evaluate
	scratch sources.Message // what a scan loads each message into
	// decoded is a value decoded with its schema (nil: none, or not
	// fetched yet): the filter reads its document as json and its schema
	// as schema; a search reads the document too.
	decoded func(*sources.Message) *schema.Decoded
}

// scanChunk is how many held messages the first step of a new filter
// scans, in the Update that sets it, so the first frame shows its first
// matches at once.
const scanChunk = 20000

// scanPiece is how many held messages a later step scans between looks at
// the clock, and stepTime about how long such a step runs: every step
// costs an Update and a View, so a filter over a million messages goes in
// a dozen steps rather than fifty, and keys still go through within a
// frame.
const (
	scanPiece = 4096
	stepTime  = 12 * time.Millisecond
)

// scanning reports a filter still going through the messages held.
func (v *msgView) scanning() bool { return v.flt != nil && v.next < v.buf.Len() }

// step scans the next chunk of held messages; it reports whether more remain.
func (v *msgView) step() bool {
	if v.flt == nil {
		return false
	}
	v.scan(v.next, min(v.next+scanChunk, v.buf.Len()))
	return v.scanning()
}

// stepFor scans held messages for about d (one piece at least); it
// reports whether more remain.
func (v *msgView) stepFor(d time.Duration) bool {
	if v.flt == nil {
		return false
	}
	until := time.Now().Add(d)
	for v.scanning() {
		v.scan(v.next, min(v.next+scanPiece, v.buf.Len()))
		if !time.Now().Before(until) {
			break
		}
	}
	return v.scanning()
}

// Len is the number of rows.
func (v *msgView) Len() int {
	if v.flt == nil {
		return v.buf.Len()
	}
	return len(v.idx)
}

// At returns row i.
func (v *msgView) At(i int) *sources.Message {
	if v.flt == nil {
		return v.buf.At(i)
	}
	return v.buf.At(v.idx[i])
}

// Load fills m with row i without allocating (for scans over many rows).
func (v *msgView) Load(i int, m *sources.Message) {
	if v.flt == nil {
		v.buf.Load(i, m)
		return
	}
	v.buf.Load(v.idx[i], m)
}

// appended accounts for n messages appended to the buffer after it evicted
// evicted from the front. It returns how many rows went with the eviction.
func (v *msgView) appended(n, evicted int) int {
	if v.flt == nil {
		return evicted
	}
	dropped := 0
	for dropped < len(v.idx) && v.idx[dropped] < evicted {
		dropped++
	}
	v.idx = v.idx[dropped:]
	for i := range v.idx {
		v.idx[i] -= evicted
	}
	v.next = max(v.next-evicted, 0)
	if oldEnd := v.buf.Len() - n; v.next >= oldEnd { // caught up: scan the new messages now
		v.scan(max(oldEnd, 0), v.buf.Len())
	}
	return dropped
}

// scan runs the filter on buffer positions [from, to).
func (v *msgView) scan(from, to int) {
	defer func() { v.next = max(v.next, to) }()
	for i := max(from, 0); i < to; i++ {
		v.scanned++
		v.buf.Load(i, &v.scratch)
		var d *schema.Decoded
		if v.decoded != nil {
			d = v.decoded(&v.scratch)
		}
		ok, err := v.flt.MatchDecoded(&v.scratch, d)
		if err != nil {
			v.failed++
			if v.err == nil {
				v.err = err
			}
		}
		if ok {
			v.idx = append(v.idx, i)
		}
	}
}

// setFilter applies a filter (nil clears it) to what is held, the first
// chunk now; step scans the rest.
func (v *msgView) setFilter(f *filter.Filter) {
	v.flt, v.idx, v.next, v.scanned, v.err, v.failed = f, nil, 0, 0, nil, 0
	v.step()
}

// reset forgets the rows (the buffer was reset); the filter stays.
func (v *msgView) reset() {
	v.idx, v.next, v.scanned, v.err, v.failed = nil, 0, 0, nil, 0
}
