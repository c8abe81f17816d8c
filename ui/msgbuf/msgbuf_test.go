package msgbuf_test

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

func msgs(from, n int, size int) []sources.Message {
	out := make([]sources.Message, n)
	for i := range out {
		out[i] = sources.Message{Offset: int64(from + i), Value: make([]byte, size)}
	}
	return out
}

func TestEvictsOldestBeyondBudget(t *testing.T) {
	one := msgs(0, 1, 1000)[0]
	per := int64(one.Size())
	b := msgbuf.New(per * 10)
	for i := 0; i < 5000; i += 50 {
		b.Append(msgs(i, 50, 1000))
	}
	if b.Len() != 10 || b.Evicted() != 4990 {
		t.Fatalf("len %d evicted %d", b.Len(), b.Evicted())
	}
	if b.At(0).Offset != 4990 || b.At(9).Offset != 4999 {
		t.Fatalf("window %d..%d", b.At(0).Offset, b.At(9).Offset)
	}
	if b.Bytes() > b.Budget() {
		t.Fatalf("bytes %d over budget %d", b.Bytes(), b.Budget())
	}
}

func TestKeepsOneHugeMessage(t *testing.T) {
	b := msgbuf.New(100)
	b.Append(msgs(0, 1, 10_000))
	if b.Len() != 1 {
		t.Fatal("a message larger than the budget must still be shown")
	}
	b.Append(msgs(1, 1, 10_000))
	if b.Len() != 1 || b.At(0).Offset != 1 || b.Evicted() != 1 {
		t.Fatalf("len %d first %d", b.Len(), b.At(0).Offset)
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := msgbuf.New(64 << 20)
	batch := msgs(0, 1000, 200)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf.Append(batch)
	}
}

func TestTruncatesLargeValues(t *testing.T) {
	b := msgbuf.New(0)
	big := msgs(0, 1, msgbuf.LargeValue+1)
	big[0].ValueSize = msgbuf.LargeValue + 1
	small := msgs(1, 1, msgbuf.LargeValue)
	small[0].ValueSize = msgbuf.LargeValue
	b.Append(append(big, small...))
	m := b.At(0)
	if len(m.Value) != msgbuf.KeptPrefix || m.ValueSize != msgbuf.LargeValue+1 || !m.Truncated() {
		t.Fatalf("large value: held %d of %d", len(m.Value), m.ValueSize)
	}
	if s := b.At(1); len(s.Value) != msgbuf.LargeValue || s.Truncated() {
		t.Fatalf("a value at the limit must be kept whole: %d", len(s.Value))
	}
	if b.Bytes() > int64(msgbuf.KeptPrefix+msgbuf.LargeValue+1024) {
		t.Fatalf("the buffer counts %d bytes", b.Bytes())
	}
}

func TestBufferKeepsARedrivenCopysProvenance(t *testing.T) {
	b := msgbuf.New(1 << 20)
	r := &sources.RedriveCopy{ID: "rd-1", Source: "orders.DLT", Partition: 0, Offset: 17, Hops: 1}
	b.Append([]sources.Message{{Stream: "orders", Value: []byte("v"), Redriven: r}, {Stream: "orders", Value: []byte("w")}})
	var m sources.Message
	if b.Load(0, &m); m.Redriven == nil || *m.Redriven != *r {
		t.Fatalf("the copy's provenance was lost: %+v", m.Redriven)
	}
	if b.Load(1, &m); m.Redriven != nil {
		t.Fatal("a message that is no copy got one's provenance")
	}
}

// TestNotesGoWithTheirMessages: a note appended with a message is read
// back with it, counted in the budget, and evicted with it.
func TestNotesGoWithTheirMessages(t *testing.T) {
	b := msgbuf.New(4 << 10)
	ms := []sources.Message{{Stream: "s", Offset: 0, Value: []byte("a")}, {Stream: "s", Offset: 1, Value: []byte("b")}}
	before := msgbuf.New(4 << 10)
	before.Append(ms)
	b.AppendNoted(ms, [][]byte{nil, []byte("decoded start")})
	if b.Note(0) != nil || string(b.Note(1)) != "decoded start" || b.Bytes() != before.Bytes()+int64(96+len("decoded start")) {
		t.Fatalf("notes %q %q, %d bytes (without %d)", b.Note(0), b.Note(1), b.Bytes(), before.Bytes())
	}
	big := make([]byte, 3900)
	b.AppendNoted([]sources.Message{{Stream: "s", Offset: 2, Value: big}}, [][]byte{[]byte("x")})
	if b.Len() != 1 || string(b.Note(0)) != "x" || b.At(0).Offset != 2 {
		t.Fatalf("after eviction: %d held, note %q", b.Len(), b.Note(0))
	}
}
