package health

import (
	"strings"
	"time"
)

// timeBuckets counts messages by event time in buckets of a width that
// starts at a minute and doubles whenever more than maxTimeBuckets are
// held, so a scan of any span keeps a bounded count.
type timeBuckets struct {
	width  int64           // milliseconds, a minute times a power of two
	counts map[int64]int64 // bucket index (time / width, floored) -> messages
	// lastIdx's count is held apart until another bucket is met:
	// messages come mostly in time order
	lastIdx, lastN int64
	hasLast        bool
}

// maxTimeBuckets bounds the buckets a count holds before it widens them.
const maxTimeBuckets = 4096

const minuteMillis = int64(time.Minute / time.Millisecond)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// add counts one message at unix millisecond ms.
func (t *timeBuckets) add(ms int64) {
	if t.counts == nil {
		t.width, t.counts = minuteMillis, map[int64]int64{}
	}
	idx := floorDiv(ms, t.width)
	if t.hasLast && idx == t.lastIdx {
		t.lastN++
		return
	}
	t.flushLast()
	t.lastIdx, t.lastN, t.hasLast = idx, t.counts[idx]+1, true
	if len(t.counts) >= maxTimeBuckets {
		t.widen(t.width * 2)
	}
}

// flushLast writes the cached bucket back into the map.
func (t *timeBuckets) flushLast() {
	if t.hasLast {
		t.counts[t.lastIdx] = t.lastN
		t.hasLast = false
	}
}

// widen merges the buckets into ones of width w (a multiple of the one
// held).
func (t *timeBuckets) widen(w int64) {
	t.flushLast()
	if t.counts == nil {
		t.counts = map[int64]int64{}
	}
	if t.width == 0 {
		t.width = minuteMillis
	}
	if w <= t.width {
		t.width = max(t.width, w, minuteMillis)
		return
	}
	f := w / t.width
	merged := make(map[int64]int64, len(t.counts)/int(f)+1)
	for idx, n := range t.counts {
		merged[floorDiv(idx, f)] += n
	}
	t.counts, t.width = merged, w
}

// mergeBuckets adds b's counts to a's (a nil: a copy of b).
func mergeBuckets(a, b *timeBuckets) *timeBuckets {
	out := b.snapshot()
	if a == nil {
		return &out
	}
	m := a.snapshot()
	w := max(m.width, out.width)
	m.widen(w)
	out.widen(w)
	for k, v := range out.counts {
		m.counts[k] += v
	}
	return &m
}

// snapshot is a copy of the counts, cache included.
func (t *timeBuckets) snapshot() timeBuckets {
	out := timeBuckets{width: max(t.width, minuteMillis), counts: make(map[int64]int64, len(t.counts)+1)}
	for k, v := range t.counts {
		out.counts[k] = v
	}
	if t.hasLast {
		out.counts[t.lastIdx] = t.lastN
	}
	return out
}

// Timeline is the scan's span in buckets of event time: the messages
// the main stream was given (its produce rate) and those its dead-letter
// hops were given (their inflow), per bucket, as the messages' own
// timestamps say. It needs no history from the broker.
type Timeline struct {
	// From is the first bucket's start; each bucket is BucketSeconds long.
	From          time.Time `json:"from"`
	BucketSeconds int64     `json:"bucketSeconds"`
	// Stream is the main stream; Produced its messages per bucket (nil:
	// not read), ProducedPerMin the same per minute.
	Stream         string    `json:"stream,omitempty"`
	Produced       []int64   `json:"producedPerBucket,omitempty"`
	ProducedPerMin []float64 `json:"producedPerMin,omitempty"`
	// DeadLetters is what the dead-letter hops received per bucket (nil:
	// not read, a queue's), DeadLetterInflowPerMin the same per minute.
	DeadLetters            []int64   `json:"deadLettersPerBucket,omitempty"`
	DeadLetterInflowPerMin []float64 `json:"deadLetterInflowPerMin,omitempty"`
	// ProducedPerMinOverScan and DeadLetterPerMinOverScan are the rates
	// over the whole span, a span shorter than a minute counted as one
	// (-1: not known).
	ProducedPerMinOverScan   float64 `json:"producedPerMinOverScan"`
	DeadLetterPerMinOverScan float64 `json:"deadLetterInflowPerMinOverScan"`
}

// maxTimelineBuckets is how many buckets a timeline shows at the most.
const maxTimelineBuckets = 60

// newTimeline lays the span from..to out in buckets of a whole number of
// minutes (at most maxTimelineBuckets) and counts produced and dead (nil:
// not read) into them.
func newTimeline(from, to time.Time, produced, dead *timeBuckets) *Timeline {
	if from.IsZero() || to.Before(from) || produced == nil && dead == nil {
		return nil
	}
	var p, d timeBuckets
	if produced != nil {
		p = produced.snapshot()
	}
	if dead != nil {
		d = dead.snapshot()
	}
	span := to.UnixMilli() - from.UnixMilli() + 1
	w := max(p.width, d.width, minuteMillis)
	for span > w*maxTimelineBuckets {
		w *= 2
	}
	p.widen(w)
	d.widen(w)
	first, lastIdx := floorDiv(from.UnixMilli(), w), floorDiv(to.UnixMilli(), w)
	n := int(lastIdx - first + 1)
	tl := &Timeline{From: time.UnixMilli(first * w).UTC(), BucketSeconds: w / 1000,
		Produced: make([]int64, n), ProducedPerMin: make([]float64, n), ProducedPerMinOverScan: -1, DeadLetterPerMinOverScan: -1}
	perMin := float64(w) / float64(minuteMillis)
	minutes := float64(max(span, minuteMillis)) / float64(minuteMillis) // less than a minute counts as one, as a bucket does
	if produced != nil {
		var all int64
		for i := range n {
			tl.Produced[i] = p.counts[first+int64(i)]
			tl.ProducedPerMin[i] = float64(tl.Produced[i]) / perMin
			all += tl.Produced[i]
		}
		tl.ProducedPerMinOverScan = float64(all) / minutes
	} else {
		tl.Produced, tl.ProducedPerMin = nil, nil
	}
	if dead != nil {
		tl.DeadLetters, tl.DeadLetterInflowPerMin = make([]int64, n), make([]float64, n)
		var dn int64
		for i := range n {
			tl.DeadLetters[i] = d.counts[first+int64(i)]
			tl.DeadLetterInflowPerMin[i] = float64(tl.DeadLetters[i]) / perMin
			dn += tl.DeadLetters[i]
		}
		tl.DeadLetterPerMinOverScan = float64(dn) / minutes
	}
	return tl
}

// BucketText is a bucket's width as "1m", "4m" or "2h8m".
func (t *Timeline) BucketText() string {
	s := (time.Duration(t.BucketSeconds) * time.Second).String()
	s = strings.TrimSuffix(s, "0s")
	if h, ok := strings.CutSuffix(s, "h0m"); ok {
		return h + "h"
	}
	return s
}
