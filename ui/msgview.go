package ui

import (
	"runtime"
	"sync"
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
	clones  []*scanClone    // the filter's clones for the other parts of a parallel scan
	// decoded is a value decoded with its schema (nil: none, or not
	// fetched yet): the filter reads its document as json and its schema
	// as schema; a search reads the document too.
	decoded func(*sources.Message) *schema.Decoded
	// order is the rows in the sort's order, as rows of the unsorted view
	// (nil: the read's order); srt and key are the sort (srt.by "": none),
	// applied again whenever the rows are all known (see resort).
	order []int
	srt   tableSort
	key   func(m *sources.Message, title string) sortKey
	// held says the sort orders the rows held when it was made (a list
	// still reading): rows that arrive later follow them in the read's
	// order instead of sorting the whole list again on every delivery.
	heldOnly bool
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
	scanPiece = 4 * parallelScanMin
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
	if !v.scanning() {
		v.resort()
	}
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
	if !v.scanning() {
		v.resort()
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

// held is the buffer position of row i of the view in the read's order.
func (v *msgView) held(i int) int {
	if v.flt == nil {
		return i
	}
	return v.idx[i]
}

// position is the buffer position of row i.
func (v *msgView) position(i int) int {
	if v.order != nil {
		i = v.order[i]
	}
	return v.held(i)
}

// At returns row i.
func (v *msgView) At(i int) *sources.Message { return v.buf.At(v.position(i)) }

// Note is the note row i was appended with (nil: none).
func (v *msgView) Note(i int) []byte { return v.buf.Note(v.position(i)) }

// Load fills m with row i without allocating (for scans over many rows).
func (v *msgView) Load(i int, m *sources.Message) { v.buf.Load(v.position(i), m) }

// sortBy sorts the rows by s (key gives a message's value in a column),
// now and whenever the rows change; an empty s keeps the read's order.
func (v *msgView) sortBy(s tableSort, key func(m *sources.Message, title string) sortKey) {
	v.srt, v.key, v.heldOnly = s, key, false
	v.resort()
}

// sortHeld sorts the rows held now by s; rows appended later follow them
// in the read's order (a list still reading).
func (v *msgView) sortHeld(s tableSort, key func(m *sources.Message, title string) sortKey) {
	v.srt, v.key, v.heldOnly = s, key, true
	v.resort()
}

// keepOrder keeps the sorted rows' order after dropped rows went from the
// front of the read's order, and puts the rows appended after them, up to
// rows in all.
func (v *msgView) keepOrder(dropped, rows int) {
	base := len(v.order) - dropped // the rows held before, less those gone
	kept := v.order[:0]
	for _, r := range v.order {
		if r >= dropped {
			kept = append(kept, r-dropped)
		}
	}
	for r := max(base, 0); r < rows; r++ {
		kept = append(kept, r)
	}
	v.order = kept
}

// resort puts the rows in the sort's order (stably: messages alike keep
// the read's order), once a filter has gone through all of them.
func (v *msgView) resort() {
	v.order = nil
	if v.srt.by == "" || v.key == nil || v.scanning() {
		return
	}
	n := v.Len()
	type keyed struct {
		row int
		key sortKey
	}
	rows := make([]keyed, n)
	for i := range n {
		v.buf.Load(v.held(i), &v.scratch)
		rows[i] = keyed{i, v.key(&v.scratch, v.srt.by)}
	}
	sortRows(v.srt, rows, func(r *keyed, _ string) sortKey { return r.key })
	v.order = make([]int, n)
	for i, r := range rows {
		v.order[i] = r.row
	}
}

// appended accounts for n messages appended to the buffer after it evicted
// evicted from the front. It returns how many rows went with the eviction.
func (v *msgView) appended(n, evicted int) int {
	dropped := v.dropFront(n, evicted)
	switch {
	case v.srt.by == "":
	case v.heldOnly && v.order != nil:
		v.keepOrder(dropped, v.Len())
	default:
		v.resort()
	}
	return dropped
}

// dropFront accounts in the filter's rows for n messages appended after
// the buffer evicted evicted from the front: the rows that went, how many.
func (v *msgView) dropFront(n, evicted int) int {
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

// scan runs the filter on buffer positions [from, to): a long range in
// parts, one a core (scanWorkers), each with a clone of the filter; their
// matches are kept in buffer order, as one pass would.
func (v *msgView) scan(from, to int) {
	from = max(from, 0)
	defer func() { v.next = max(v.next, to) }()
	workers := min(scanWorkers(), (to-from)/parallelScanMin)
	if workers < 2 {
		v.idx, v.scanned, v.failed, v.err = v.scanPart(v.flt, &v.scratch, from, to, v.idx, v.scanned, v.failed, v.err)
		return
	}
	if len(v.clones) > 0 && v.clones[0].of != v.flt {
		v.clones = nil // a new filter: new clones
	}
	for len(v.clones) < workers-1 {
		v.clones = append(v.clones, &scanClone{of: v.flt, flt: v.flt.Clone()})
	}
	type part struct {
		idx            []int
		scanned, fails int64
		err            error
	}
	parts := make([]part, workers-1)
	per := (to - from + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := from+per*(w+1), min(from+per*(w+2), to)
		c := v.clones[w]
		wg.Go(func() {
			p := &parts[w]
			p.idx, p.scanned, p.fails, p.err = v.scanPart(c.flt, &c.scratch, lo, hi, nil, 0, 0, nil)
		})
	}
	v.idx, v.scanned, v.failed, v.err = v.scanPart(v.flt, &v.scratch, from, min(from+per, to), v.idx, v.scanned, v.failed, v.err)
	wg.Wait()
	for _, p := range parts {
		v.idx = append(v.idx, p.idx...)
		v.scanned += p.scanned
		v.failed += p.fails
		if v.err == nil {
			v.err = p.err
		}
	}
}

// scanPart runs flt on buffer positions [from, to), loading each message
// into scratch, and adds to what it is given: the positions matched, the
// messages scanned, those the filter could not evaluate and the first
// error. It reads the buffer and v.decoded only, so parts may run at once.
func (v *msgView) scanPart(flt *filter.Filter, scratch *sources.Message, from, to int, idx []int, scanned, failed int64, first error) ([]int, int64, int64, error) {
	for i := from; i < to; i++ {
		scanned++
		v.buf.Load(i, scratch)
		var d *schema.Decoded
		if v.decoded != nil {
			d = v.decoded(scratch)
		}
		ok, err := flt.MatchDecoded(scratch, d)
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
		if ok {
			idx = append(idx, i)
		}
	}
	return idx, scanned, failed, first
}

// parallelScanMin is the fewest messages a part of a parallel scan has:
// below it, starting a goroutine costs more than it saves.
const parallelScanMin = 8192

// scanWorkers is how many parts a long scan is cut into: one a core the
// process may use, four at most.
func scanWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// scanClone is a filter's clone for one part of a parallel scan, with the
// message it loads each one into.
type scanClone struct {
	of      *filter.Filter // the filter cloned
	flt     *filter.Filter
	scratch sources.Message
}

// setFilter applies a filter (nil clears it) to what is held, the first
// chunk now; step scans the rest.
func (v *msgView) setFilter(f *filter.Filter) {
	v.flt, v.idx, v.next, v.scanned, v.err, v.failed = f, nil, 0, 0, nil, 0
	v.order = nil
	v.step()
	if f == nil {
		v.resort()
	}
}

// reset forgets the rows (the buffer was reset); the filter stays.
func (v *msgView) reset() {
	v.idx, v.next, v.scanned, v.err, v.failed = nil, 0, 0, nil, 0
	v.order = nil
}
