// Package msgbuf keeps the messages a view has read, bounded by a byte
// budget: when the budget is exceeded the oldest messages are evicted and
// counted.
//
// Messages are stored compactly: a small fixed row per message (position,
// time, lengths) and their bytes (key, value, headers) packed into large
// blocks, so a million 200-byte messages cost little more than their bytes.
// A Message is built again when it is asked for.
package msgbuf

import (
	"encoding/binary"
	"time"
	"unsafe"

	"github.com/mqscope/mqscope/sources"
)

// DefaultBudget is the default byte budget (256 MiB).
const DefaultBudget = 256 << 20

const (
	// LargeValue is the value size beyond which the buffer keeps only the
	// first KeptPrefix bytes (Message.ValueSize keeps the real size; the
	// detail view fetches the whole value again where the source can).
	LargeValue = 128 << 10
	// KeptPrefix is how much of a large value the buffer keeps.
	KeptPrefix = 32 << 10

	// chunkRows is how many rows one chunk holds (chunks never grow, so
	// rows are never copied).
	chunkRows = 4096
	// blockSize is the size of the blocks message bytes are packed into.
	blockSize = 1 << 20
	// rowOverhead is what a row costs besides its bytes, for the budget.
	rowOverhead = 64
	// absent marks a nil key or value.
	absent = -1
)

// row is one message, its bytes in a block.
type row struct {
	block     int32 // index of the block holding its bytes
	off       int32 // where they start in it
	keyLen    int32 // absent: nil
	valLen    int32 // absent: nil
	nHeaders  int32
	partition int32
	offset    int64
	unixNano  int64 // 0 with zero set: no time
	valueSize int32
	size      int32 // what the budget counts
	zeroTime  bool
	rare      *rare // what most messages do not have
}

// rare holds the fields most messages of a list leave empty.
type rare struct {
	conn, stream, id string
	props            []sources.Property
	deadLetter       *sources.DeadLetter
	redriven         *sources.RedriveCopy
	flaw             *sources.Flaw
	redelivered      bool
	idPosition       bool
	note             []byte // what the caller attached (AppendNoted)
}

// Buffer is an append-only window over a stream's messages. Index 0 is the
// oldest message still held. It is not safe for concurrent use.
type Buffer struct {
	chunks   [][]row  // full chunks of chunkRows, the last one filling
	first    int      // rows evicted from chunks[0]
	blocks   [][]byte // packed bytes; nil once no row uses them
	firstBlk int      // blocks before it are freed
	conn     string   // the conn and stream most rows have
	stream   string
	n        int // rows held
	bytes    int64
	budget   int64
	evicted  int64
}

// New returns a buffer holding at most budget bytes (DefaultBudget when <= 0).
func New(budget int64) *Buffer {
	if budget <= 0 {
		budget = DefaultBudget
	}
	return &Buffer{budget: budget}
}

// Len is the number of messages held.
func (b *Buffer) Len() int { return b.n }

// Bytes is the approximate memory the held messages use.
func (b *Buffer) Bytes() int64 { return b.bytes }

// Budget is the byte budget.
func (b *Buffer) Budget() int64 { return b.budget }

// Evicted is how many messages were dropped to stay within the budget.
func (b *Buffer) Evicted() int64 { return b.evicted }

// rowAt is the i-th held row.
func (b *Buffer) rowAt(i int) *row {
	i += b.first
	return &b.chunks[i/chunkRows][i%chunkRows]
}

// Position is the i-th held message's partition and offset, read without
// building the message.
func (b *Buffer) Position(i int) (int32, int64) {
	r := b.rowAt(i)
	return r.partition, r.offset
}

// At returns the i-th held message (0 is the oldest), built anew: the
// caller may keep it. Its bytes are shared with the buffer and must not be
// changed.
func (b *Buffer) At(i int) *sources.Message {
	m := new(sources.Message)
	b.Load(i, m)
	return m
}

// Load fills m with the i-th held message, reusing m's header slice: the
// way to visit many messages without allocating (a filter, a search).
func (b *Buffer) Load(i int, m *sources.Message) {
	r := b.rowAt(i)
	data := b.blocks[r.block][r.off:]
	headers := m.Headers[:0]
	*m = sources.Message{Conn: b.conn, Stream: b.stream, Partition: r.partition, Offset: r.offset, ValueSize: int(r.valueSize)}
	p := 0
	take := func(n int32) []byte {
		if n == absent {
			return nil
		}
		s := data[p : p+int(n) : p+int(n)]
		p += int(n)
		return s
	}
	m.Key = take(r.keyLen)
	m.Value = take(r.valLen)
	for range r.nHeaders {
		kl := int(binary.LittleEndian.Uint16(data[p:]))
		vl := int32(binary.LittleEndian.Uint32(data[p+2:]))
		p += 6
		k := data[p : p+kl]
		p += kl
		headers = append(headers, sources.Header{Key: unsafe.String(unsafe.SliceData(k), kl), Value: take(vl)})
	}
	if len(headers) > 0 {
		m.Headers = headers
	}
	if !r.zeroTime {
		m.Timestamp = time.Unix(0, r.unixNano)
	}
	if x := r.rare; x != nil {
		m.Conn, m.Stream, m.ID, m.Properties, m.DeadLetter, m.Flaw, m.Redelivered = x.conn, x.stream, x.id, x.props, x.deadLetter, x.flaw, x.redelivered
		m.Redriven = x.redriven
		m.IDPosition = x.idPosition
	}
}

// Append adds messages (truncating values larger than LargeValue) and evicts
// the oldest ones beyond the budget. It returns how many were evicted by
// this call.
func (b *Buffer) Append(ms []sources.Message) int { return b.AppendNoted(ms, nil) }

// AppendNoted is Append with a note for each message (notes nil, or a nil
// note: none), kept while the message is held and counted in the budget:
// what the caller learned of a message that what the buffer keeps cannot
// tell again (the decoded start of a value cut to KeptPrefix).
func (b *Buffer) AppendNoted(ms []sources.Message, notes [][]byte) int {
	if b.n == 0 && len(ms) > 0 {
		b.conn, b.stream = ms[0].Conn, ms[0].Stream
	}
	for i := range ms {
		var note []byte
		if i < len(notes) {
			note = notes[i]
		}
		b.add(&ms[i], note)
	}
	n := 0
	for b.bytes > b.budget && b.n > 1 {
		b.evictOne()
		n++
	}
	b.evicted += int64(n)
	return n
}

// Note is the note the i-th held message was appended with (nil: none).
func (b *Buffer) Note(i int) []byte {
	if x := b.rowAt(i).rare; x != nil {
		return x.note
	}
	return nil
}

// add packs one message.
func (b *Buffer) add(m *sources.Message, note []byte) {
	value, valueSize := m.Value, m.ValueSize
	if len(value) > LargeValue {
		valueSize = max(valueSize, len(value))
		value = value[:KeptPrefix]
	}
	need := len(m.Key) + len(value)
	for _, h := range m.Headers {
		need += 6 + len(h.Key) + len(h.Value)
	}
	blk, off := b.reserve(need)
	data := b.blocks[blk][off : off : off+need]
	r := row{block: int32(blk), off: int32(off), keyLen: absent, valLen: absent, nHeaders: int32(len(m.Headers)),
		partition: m.Partition, offset: m.Offset, valueSize: int32(valueSize)}
	if m.Key != nil {
		r.keyLen = int32(len(m.Key))
		data = append(data, m.Key...)
	}
	if value != nil {
		r.valLen = int32(len(value))
		data = append(data, value...)
	}
	for _, h := range m.Headers {
		vl := uint32(len(h.Value))
		if h.Value == nil {
			vl = uint32(0xFFFFFFFF) // absent
		}
		data = binary.LittleEndian.AppendUint16(data, uint16(min(len(h.Key), 0xFFFF)))
		data = binary.LittleEndian.AppendUint32(data, vl)
		data = append(data, h.Key[:min(len(h.Key), 0xFFFF)]...)
		data = append(data, h.Value...)
	}
	if m.Timestamp.IsZero() {
		r.zeroTime = true
	} else {
		r.unixNano = m.Timestamp.UnixNano()
	}
	if m.Conn != b.conn || m.Stream != b.stream || m.ID != "" || m.Properties != nil || m.DeadLetter != nil || m.Redriven != nil || m.Flaw != nil || m.Redelivered || note != nil {
		r.rare = &rare{conn: m.Conn, stream: m.Stream, id: m.ID, props: m.Properties, deadLetter: m.DeadLetter, redriven: m.Redriven, flaw: m.Flaw, redelivered: m.Redelivered, idPosition: m.IDPosition, note: note}
	}
	size := rowOverhead + need
	if r.rare != nil {
		size += 96 + len(m.ID) + len(note)
		for _, p := range m.Properties {
			size += 32 + len(p.Name) + len(p.Value)
		}
		if m.DeadLetter != nil {
			size += m.DeadLetter.Size()
		}
		if m.Redriven != nil {
			size += m.Redriven.Size()
		}
		if m.Flaw != nil {
			size += 32 + len(m.Flaw.Reason)
		}
	}
	r.size = int32(size)
	b.bytes += int64(size)
	end := b.first + b.n
	if end/chunkRows == len(b.chunks) {
		b.chunks = append(b.chunks, make([]row, 0, chunkRows))
	}
	b.chunks[end/chunkRows] = append(b.chunks[end/chunkRows], r)
	b.n++
}

// reserve finds room for n bytes: in the last block, or a new one.
func (b *Buffer) reserve(n int) (int, int) {
	if last := len(b.blocks) - 1; last >= 0 && b.blocks[last] != nil && cap(b.blocks[last])-len(b.blocks[last]) >= n {
		off := len(b.blocks[last])
		b.blocks[last] = b.blocks[last][:off+n]
		return last, off
	}
	b.blocks = append(b.blocks, make([]byte, n, max(n, blockSize)))
	return len(b.blocks) - 1, 0
}

// evictOne drops the oldest message, and the chunk and blocks no longer used.
func (b *Buffer) evictOne() {
	r := b.rowAt(0)
	b.bytes -= int64(r.size)
	r.rare = nil
	b.first++
	b.n--
	if b.first == chunkRows {
		b.chunks[0] = nil
		b.chunks = b.chunks[1:]
		b.first = 0
	}
	if b.n == 0 {
		return
	}
	for blk := int(b.rowAt(0).block); b.firstBlk < blk; b.firstBlk++ {
		b.blocks[b.firstBlk] = nil // let it be collected
	}
}

// Reset drops every message (the evicted count too).
func (b *Buffer) Reset() {
	*b = Buffer{budget: b.budget}
}
