package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/sources"
)

// testRecord is one record a test batch holds (nil key or value: null).
type testRecord struct {
	offsetDelta int64
	tsDelta     int64
	key, value  []byte
	headers     [][2][]byte
}

// testBatch is a record batch as a broker sends it.
type testBatch struct {
	first      int64
	lastDelta  int32 // -1: that of the last record
	firstTS    int64
	attributes int16
	producer   int64
	records    []testRecord
}

func appendVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func appendVarBytes(b, v []byte) []byte {
	if v == nil {
		return appendVarint(b, -1)
	}
	return append(appendVarint(b, int64(len(v))), v...)
}

func encodeRecords(rs []testRecord) []byte {
	var out []byte
	for _, r := range rs {
		body := []byte{0}
		body = appendVarint(body, r.tsDelta)
		body = appendVarint(body, r.offsetDelta)
		body = appendVarBytes(body, r.key)
		body = appendVarBytes(body, r.value)
		body = appendVarint(body, int64(len(r.headers)))
		for _, h := range r.headers {
			body = appendVarBytes(body, h[0])
			body = appendVarBytes(body, h[1])
		}
		out = append(appendVarint(out, int64(len(body))), body...)
	}
	return out
}

func compress(t testing.TB, codec int8, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch codec {
	case codecNone:
		return raw
	case codecSnappy:
		return xerial.Encode(nil, raw)
	case codecGzip:
		w := gzip.NewWriter(&buf)
		w.Write(raw)
		w.Close()
	case codecLZ4:
		w := lz4.NewWriter(&buf)
		w.Write(raw)
		w.Close()
	case codecZstd:
		w, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
		w.Close()
	}
	return buf.Bytes()
}

// encode writes the batch, its records compressed with codec.
func (b testBatch) encode(t testing.TB, codec int8) []byte {
	records := compress(t, codec, encodeRecords(b.records))
	last := b.lastDelta
	if last < 0 {
		last = int32(b.records[len(b.records)-1].offsetDelta)
	}
	out := binary.BigEndian.AppendUint64(nil, uint64(b.first))
	out = binary.BigEndian.AppendUint32(out, uint32(batchHeaderLen-12+len(records)))
	out = binary.BigEndian.AppendUint32(out, 0) // leader epoch
	out = append(out, 2)                        // magic
	out = binary.BigEndian.AppendUint32(out, 0) // crc, below
	out = binary.BigEndian.AppendUint16(out, uint16(b.attributes|int16(codec)))
	out = binary.BigEndian.AppendUint32(out, uint32(last))
	out = binary.BigEndian.AppendUint64(out, uint64(b.firstTS))
	out = binary.BigEndian.AppendUint64(out, uint64(b.firstTS+100))
	out = binary.BigEndian.AppendUint64(out, uint64(b.producer))
	out = binary.BigEndian.AppendUint16(out, 0)
	out = binary.BigEndian.AppendUint32(out, 0)
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.records)))
	out = append(out, records...)
	binary.BigEndian.PutUint32(out[batchCRCAt:], crc32.Checksum(out[batchAttributesAt:], castagnoli))
	return out
}

// controlBatch is a transaction marker of producer at offset.
func controlBatch(offset, producer int64, commit bool) testBatch {
	kind := byte(0)
	if commit {
		kind = 1
	}
	return testBatch{first: offset, lastDelta: -1, attributes: batchControl | batchTransactional, producer: producer,
		records: []testRecord{{key: []byte{0, 0, 0, kind}, value: []byte{0, 0, 0, 0, 0, 0}}}}
}

// decodeAll decodes one partition's response part from offset from,
// returning what was delivered, the state and decode's error.
func decodeAll(t testing.TB, raw []byte, from int64, aborted ...kmsg.FetchResponseTopicPartitionAbortedTransaction) ([]sources.Message, *fetchState, error) {
	t.Helper()
	p := &kmsg.FetchResponseTopicPartition{Partition: 0, HighWatermark: math.MaxInt64, LastStableOffset: math.MaxInt64, AbortedTransactions: aborted, RecordBatches: raw}
	dec := newDecompressor(maxDecompressedBatch)
	defer dec.close()
	s := &fetchState{partitionPlan: partitionPlan{start: from, end: math.MaxInt64}, next: from, maxBytes: fetchMinPartitionBytes}
	var got []sources.Message
	_, ok, err := s.decode("c", "t", decompressPart(dec, p, from), nil, 1<<10, func(ms []sources.Message) bool {
		got = append(got, ms...)
		return true
	})
	if !ok {
		t.Fatal("deliver refused")
	}
	return got, s, err
}

var codecs = map[string]int8{"none": codecNone, "gzip": codecGzip, "snappy": codecSnappy, "lz4": codecLZ4, "zstd": codecZstd}

// TestDecodeEachCodec: batches of every codec decode to the records they
// hold: null and empty keys and values kept apart, headers, timestamps,
// offsets with compaction's gaps; the next offset is past the last batch.
func TestDecodeEachCodec(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC).UnixMilli()
	records := []testRecord{
		{offsetDelta: 0, key: []byte("k0"), value: []byte("v0"), headers: [][2][]byte{{[]byte("h"), []byte("x")}, {[]byte("dlq"), nil}}},
		{offsetDelta: 2, tsDelta: 7, key: nil, value: []byte("no key")},
		{offsetDelta: 3, key: []byte{}, value: nil},
		{offsetDelta: 5, key: []byte("k5"), value: []byte{}},
	}
	for name, codec := range codecs {
		t.Run(name, func(t *testing.T) {
			raw := testBatch{first: 10, lastDelta: 6, firstTS: base, records: records}.encode(t, codec)
			raw = append(raw, testBatch{first: 17, lastDelta: -1, firstTS: base, records: records[:1]}.encode(t, codec)...)
			got, s, err := decodeAll(t, raw, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := []int64{10, 12, 13, 15, 17}
			if len(got) != len(want) {
				t.Fatalf("got %d messages, want %d", len(got), len(want))
			}
			for i, m := range got {
				if m.Offset != want[i] || m.Stream != "t" || m.Conn != "c" {
					t.Fatalf("message %d: %+v", i, m)
				}
			}
			if string(got[0].Key) != "k0" || string(got[0].Value) != "v0" || len(got[0].Headers) != 2 ||
				got[0].Headers[0].Key != "h" || string(got[0].Headers[0].Value) != "x" || got[0].Headers[1].Key != "dlq" || got[0].Headers[1].Value != nil {
				t.Fatalf("first message: %+v", got[0])
			}
			if got[1].Key != nil || string(got[1].Value) != "no key" || !got[1].Timestamp.Equal(time.UnixMilli(base+7)) {
				t.Fatalf("null key: %+v", got[1])
			}
			if got[2].Key == nil || len(got[2].Key) != 0 || got[2].Value != nil || got[2].ValueSize != 0 {
				t.Fatalf("empty key, null value: %+v", got[2])
			}
			if got[3].Value == nil || len(got[3].Value) != 0 {
				t.Fatalf("empty value: %+v", got[3])
			}
			if s.next != 18 {
				t.Fatalf("next offset %d, want 18", s.next)
			}
		})
	}
}

// TestDecodeFromInsideABatch: a fetch from an offset inside a batch skips
// the batch's records before it, and batches wholly before it.
func TestDecodeFromInsideABatch(t *testing.T) {
	rs := []testRecord{{offsetDelta: 0, value: []byte("a")}, {offsetDelta: 1, value: []byte("b")}, {offsetDelta: 2, value: []byte("c")}}
	raw := append(testBatch{first: 0, lastDelta: -1, records: rs}.encode(t, codecSnappy), testBatch{first: 3, lastDelta: -1, records: rs}.encode(t, codecSnappy)...)
	got, s, err := decodeAll(t, raw, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Offset != 4 || string(got[0].Value) != "b" || got[1].Offset != 5 || s.next != 6 {
		t.Fatalf("got %+v, next %d", got, s.next)
	}
}

// TestDecodeSkipsAbortedAndControl: under read_committed the records of
// an aborted transaction and the control records never show; a
// transaction of the same producer after the abort marker does.
func TestDecodeSkipsAbortedAndControl(t *testing.T) {
	v := func(s string) []testRecord {
		return []testRecord{{value: []byte(s)}, {offsetDelta: 1, value: []byte(s + "'")}}
	}
	var raw []byte
	raw = append(raw, testBatch{first: 0, lastDelta: -1, attributes: batchTransactional, producer: 7, records: v("aborted")}.encode(t, codecLZ4)...)
	raw = append(raw, testBatch{first: 2, lastDelta: -1, producer: -1, records: v("plain")}.encode(t, codecNone)...)
	raw = append(raw, controlBatch(4, 7, false).encode(t, codecNone)...)
	raw = append(raw, testBatch{first: 5, lastDelta: -1, attributes: batchTransactional, producer: 7, records: v("committed")}.encode(t, codecZstd)...)
	raw = append(raw, controlBatch(7, 7, true).encode(t, codecNone)...)
	raw = append(raw, testBatch{first: 8, lastDelta: -1, attributes: batchTransactional, producer: 7, records: v("aborted again")}.encode(t, codecGzip)...)
	raw = append(raw, controlBatch(10, 7, false).encode(t, codecNone)...)
	got, s, err := decodeAll(t, raw, 0,
		kmsg.FetchResponseTopicPartitionAbortedTransaction{ProducerID: 7, FirstOffset: 0},
		kmsg.FetchResponseTopicPartitionAbortedTransaction{ProducerID: 7, FirstOffset: 8})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, m := range got {
		values = append(values, fmt.Sprintf("%d:%s", m.Offset, m.Value))
	}
	if fmt.Sprint(values) != "[2:plain 3:plain' 5:committed 6:committed']" || s.next != 11 {
		t.Fatalf("got %v, next %d", values, s.next)
	}
}

// TestDecodePartialTrailingBatch: a response cut short inside its last
// batch delivers the whole batches before it; the next fetch asks from
// the cut batch.
func TestDecodePartialTrailingBatch(t *testing.T) {
	rs := []testRecord{{value: []byte("a")}, {offsetDelta: 1, value: []byte("b")}}
	second := testBatch{first: 2, lastDelta: -1, records: rs}.encode(t, codecSnappy)
	raw := append(testBatch{first: 0, lastDelta: -1, records: rs}.encode(t, codecSnappy), second[:len(second)-3]...)
	got, s, err := decodeAll(t, raw, 0)
	if err != nil || len(got) != 2 || s.next != 2 {
		t.Fatalf("got %d messages, next %d, %v", len(got), s.next, err)
	}
	got, s, err = decodeAll(t, second[:20], 2) // not even a whole header: a batch larger than the share
	if err != nil || len(got) != 0 || s.next != 2 || s.maxBytes != 2*fetchMinPartitionBytes {
		t.Fatalf("got %d messages, next %d, share %d, %v", len(got), s.next, s.maxBytes, err)
	}
}

// TestDecodeCorruptBatch: a batch whose checksum is wrong, or whose
// records do not fit it (checksum right), is a clear error after the
// batches before it, and never a panic; nor is any cut or changed byte.
func TestDecodeCorruptBatch(t *testing.T) {
	rs := []testRecord{{key: []byte("k"), value: []byte("value"), headers: [][2][]byte{{[]byte("h"), []byte("v")}}}, {offsetDelta: 1, value: []byte("v2")}}
	good := testBatch{first: 0, lastDelta: -1, records: rs}.encode(t, codecNone)
	bad := testBatch{first: 2, lastDelta: -1, records: rs}.encode(t, codecNone)
	bad[len(bad)-1] ^= 0xff
	got, _, err := decodeAll(t, append(append([]byte{}, good...), bad...), 0)
	if !errors.Is(err, errCorruptBatch) || len(got) != 2 {
		t.Fatalf("a wrong checksum: %d messages, %v", len(got), err)
	}
	t.Log(err)
	// records whose lengths run past the batch, the checksum right
	lying := testBatch{first: 2, lastDelta: -1, records: rs}.encode(t, codecNone)
	lying[batchHeaderLen] = 0x7e // the first record's length: 63, past the batch
	binary.BigEndian.PutUint32(lying[batchCRCAt:], crc32.Checksum(lying[batchAttributesAt:], castagnoli))
	if _, _, err := decodeAll(t, lying, 2); !errors.Is(err, errCorruptBatch) {
		t.Fatalf("a record past the batch: %v", err)
	}
	// compressed records that do not decompress, the checksum right
	junk := testBatch{first: 2, lastDelta: -1, records: rs}.encode(t, codecSnappy)
	for i := batchHeaderLen; i < len(junk); i++ {
		junk[i] = 0xff
	}
	binary.BigEndian.PutUint32(junk[batchCRCAt:], crc32.Checksum(junk[batchAttributesAt:], castagnoli))
	if _, _, err := decodeAll(t, junk, 2); err == nil {
		t.Fatal("snappy that does not decompress decoded")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, codec := range []int8{codecNone, codecSnappy, codecLZ4, codecZstd, codecGzip} {
		valid := testBatch{first: 0, lastDelta: -1, records: rs}.encode(t, codec)
		for i := 0; i < 300; i++ {
			b := append([]byte{}, valid...)
			switch i % 3 {
			case 0:
				b = b[:rng.IntN(len(b))]
			default:
				b[batchHeaderLen+rng.IntN(len(b)-batchHeaderLen)] = byte(rng.Uint32())
				binary.BigEndian.PutUint32(b[batchCRCAt:], crc32.Checksum(b[batchAttributesAt:], castagnoli))
			}
			decodeAll(t, b, 0) // an error or records, never a panic
		}
	}
}

// TestDecompressBound: a batch that inflates past the bound fails with
// errBatchTooLarge instead of taking the memory, with every codec.
func TestDecompressBound(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 1<<20)
	for name, codec := range codecs {
		if codec == codecNone {
			continue
		}
		dec := newDecompressor(64 << 10)
		_, err := dec.decompress(codec, compress(t, codec, big))
		dec.close()
		if !errors.Is(err, errBatchTooLarge) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// TestOldMessageFormatFallsBack: a batch of magic 0 or 1 is left to the
// consumer.
func TestOldMessageFormatFallsBack(t *testing.T) {
	raw := testBatch{first: 0, lastDelta: -1, records: []testRecord{{value: []byte("v")}}}.encode(t, codecNone)
	raw[batchMagicAt] = 1
	if _, _, err := decodeAll(t, raw, 0); !errors.Is(err, errFallBack) {
		t.Fatalf("magic 1: %v", err)
	}
}

// BenchmarkDecodeSnappy decodes a response of 3 snappy batches of 5,000
// records of 200 B, as a bounded read does.
func BenchmarkDecodeSnappy(b *testing.B) {
	var rs []testRecord
	for i := range 5000 {
		rs = append(rs, testRecord{offsetDelta: int64(i), key: fmt.Appendf(nil, "k%07d", i), value: bytes.Repeat([]byte{'a' + byte(i%26)}, 200)})
	}
	var raw []byte
	for i := range 3 {
		raw = append(raw, testBatch{first: int64(i * 5000), lastDelta: -1, records: rs}.encode(b, codecSnappy)...)
	}
	dec := newDecompressor(maxDecompressedBatch)
	defer dec.close()
	p := &kmsg.FetchResponseTopicPartition{HighWatermark: math.MaxInt64, LastStableOffset: math.MaxInt64, RecordBatches: raw}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		s := &fetchState{partitionPlan: partitionPlan{end: math.MaxInt64}, maxBytes: fetchPartitionBytes}
		s.decode("c", "t", decompressPart(dec, p, 0), nil, 2<<20, func([]sources.Message) bool { return true })
	}
}
