// Package msgbuf keeps the messages a view has read, bounded by a byte
// budget: when the budget is exceeded the oldest messages are evicted and
// counted.
package msgbuf

import "github.com/mqscope/mqscope/sources"

// DefaultBudget is the default byte budget (256 MiB).
const DefaultBudget = 256 << 20

const (
	// LargeValue is the value size beyond which the buffer keeps only the
	// first KeptPrefix bytes (Message.ValueSize keeps the real size; the
	// detail view fetches the whole value again where the source can).
	LargeValue = 128 << 10
	// KeptPrefix is how much of a large value the buffer keeps.
	KeptPrefix = 32 << 10
)

// Buffer is an append-only window over a stream's messages. Index 0 is the
// oldest message still held. It is not safe for concurrent use.
type Buffer struct {
	items   []sources.Message
	sizes   []int32
	start   int // index of the oldest held item in items
	bytes   int64
	budget  int64
	evicted int64
}

// New returns a buffer holding at most budget bytes (DefaultBudget when <= 0).
func New(budget int64) *Buffer {
	if budget <= 0 {
		budget = DefaultBudget
	}
	return &Buffer{budget: budget}
}

// Len is the number of messages held.
func (b *Buffer) Len() int { return len(b.items) - b.start }

// At returns the i-th held message (0 is the oldest). The pointer is valid
// until the next Append.
func (b *Buffer) At(i int) *sources.Message { return &b.items[b.start+i] }

// Bytes is the approximate memory the held messages use.
func (b *Buffer) Bytes() int64 { return b.bytes }

// Budget is the byte budget.
func (b *Buffer) Budget() int64 { return b.budget }

// Evicted is how many messages were dropped to stay within the budget.
func (b *Buffer) Evicted() int64 { return b.evicted }

// Append adds messages (truncating values larger than LargeValue) and evicts the oldest ones beyond the budget. It
// returns how many were evicted by this call.
func (b *Buffer) Append(ms []sources.Message) int {
	for i := range ms {
		if len(ms[i].Value) > LargeValue {
			if ms[i].ValueSize < len(ms[i].Value) {
				ms[i].ValueSize = len(ms[i].Value)
			}
			ms[i].Value = append([]byte(nil), ms[i].Value[:KeptPrefix]...) // a copy: the rest is freed
		}
		sz := ms[i].Size()
		b.items = append(b.items, ms[i])
		b.sizes = append(b.sizes, int32(sz))
		b.bytes += int64(sz)
	}
	n := 0
	for b.bytes > b.budget && b.Len() > 1 {
		b.bytes -= int64(b.sizes[b.start])
		b.items[b.start] = sources.Message{} // let the payload be collected
		b.start++
		n++
	}
	b.evicted += int64(n)
	if b.start > 1024 && b.start > len(b.items)/2 {
		b.compact()
	}
	return n
}

// compact moves the held items to the front so the evicted slots are freed.
func (b *Buffer) compact() {
	live := b.Len()
	items := make([]sources.Message, live, max(live*5/4, 1024))
	copy(items, b.items[b.start:])
	sizes := make([]int32, live, cap(items))
	copy(sizes, b.sizes[b.start:])
	b.items, b.sizes, b.start = items, sizes, 0
}

// Reset drops every message (the evicted count too).
func (b *Buffer) Reset() {
	b.items, b.sizes, b.start, b.bytes, b.evicted = nil, nil, 0, 0, 0
}
