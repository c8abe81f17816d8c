package kafka

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/sources"
)

// heldByDecoding decodes n records (key k-N, a value of valueLen bytes,
// one header when withHeader) in batches of batch, compressed with codec,
// as a bounded read does, keeps every piece handed on, and returns the
// heap those pieces hold (the Messages, their headers and the batches they
// point into: decompressed, or the response's own bytes), what InFlightBytes counts
// for them, and their keys, values and headers alone.
func heldByDecoding(t *testing.T, codec int8, n, batch, valueLen int, withHeader bool) (held, counted, payload int64) {
	t.Helper()
	var pieces [][]sources.Message
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	func() { // what is not reachable from the pieces is garbage once it returns
		var raw []byte
		for first := 0; first < n; first += batch {
			var rs []testRecord
			for i := first; i < min(first+batch, n); i++ {
				r := testRecord{offsetDelta: int64(i - first), key: fmt.Appendf(nil, "k-%d", i), value: make([]byte, valueLen)}
				for j := range r.value {
					r.value[j] = byte('a' + (i+j)%26)
				}
				if withHeader {
					r.headers = [][2][]byte{{[]byte("trace-id"), fmt.Appendf(nil, "%016x", i)}}
				}
				rs = append(rs, r)
			}
			raw = append(raw, testBatch{first: int64(first), lastDelta: -1, records: rs}.encode(t, codec)...)
		}
		raw = append([]byte(nil), raw...) // of its size, as a response read from the wire
		dec := newDecompressor(maxDecompressedBatch)
		defer dec.close()
		p := &kmsg.FetchResponseTopicPartition{HighWatermark: math.MaxInt64, LastStableOffset: math.MaxInt64, RecordBatches: raw}
		s := &fetchState{partitionPlan: partitionPlan{end: math.MaxInt64}, maxBytes: fetchMaxPartitionBytes}
		if _, _, err := s.decode("c", "t", decompressPart(dec, p, 0), nil, 64<<10, func(ms []sources.Message) bool {
			pieces = append(pieces, ms)
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}()
	runtime.GC()
	runtime.GC() // and what the codecs' pools kept
	runtime.ReadMemStats(&after)
	held = int64(after.HeapAlloc) - int64(before.HeapAlloc) - int64(cap(pieces))*int64(unsafe.Sizeof(pieces[0]))
	got := 0
	for _, ms := range pieces {
		for i := range ms {
			counted += sources.InFlightBytes(&ms[i])
			payload += int64(len(ms[i].Key) + len(ms[i].Value))
			for _, h := range ms[i].Headers {
				payload += int64(len(h.Key) + len(h.Value))
			}
			got++
		}
	}
	runtime.KeepAlive(pieces)
	if got != n {
		t.Fatalf("decoded %d records, want %d", got, n)
	}
	return held, counted, payload
}

// TestMessageOverheadCountsWhatADecodedRecordHolds: over batches of
// 10,000 records decoded by the direct fetch, with and without
// compression and headers, what InFlightBytes counts for the pieces handed
// on covers the heap they hold (the Messages, their headers and the
// decompressed batches, framing included), and not by more than a quarter:
// the in-flight budget holds what it says.
func TestMessageOverheadCountsWhatADecodedRecordHolds(t *testing.T) {
	const n = 10000
	for _, tc := range []struct {
		name     string
		codec    int8
		batch    int
		value    int
		mqHeader bool
	}{
		{"snappy, 200 B values", codecSnappy, 5000, 200, false},
		{"uncompressed, 200 B values", codecNone, 5000, 200, false},
		{"zstd, 20 B values, a header", codecZstd, 1000, 20, true},
		{"lz4, 1 KiB values", codecLZ4, 500, 1024, false},
	} {
		held, counted, payload := heldByDecoding(t, tc.codec, n, tc.batch, tc.value, tc.mqHeader)
		t.Logf("%s: held %d B a record beyond keys, values and headers; counted %d (MessageOverhead %d)",
			tc.name, (held-payload)/n, (counted-payload)/n, sources.MessageOverhead)
		if counted < held || counted > held+held/4 {
			t.Errorf("%s: the pieces hold %d bytes, InFlightBytes counts %d", tc.name, held, counted)
		}
	}
}
