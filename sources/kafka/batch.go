package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The record batch (magic 2) as it is on the wire: the header's fields at
// these offsets, the records after it.
const (
	batchLengthAt     = 8  // int32: the bytes after it
	batchMagicAt      = 16 // int8
	batchCRCAt        = 17 // uint32, CRC-32C of what follows it
	batchAttributesAt = 21 // int16
	batchLastDeltaAt  = 23 // int32
	batchFirstTSAt    = 27 // int64, ms
	batchMaxTSAt      = 35 // int64, ms
	batchProducerAt   = 43 // int64
	batchCountAt      = 57 // int32: records
	batchHeaderLen    = 61
)

// The attributes of a record batch.
const (
	batchCodecMask     = 0x07
	batchLogAppendTime = 0x08
	batchTransactional = 0x10
	batchControl       = 0x20
)

// castagnoli is the CRC-32C table record batches are checked with.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorruptBatch says a record batch does not read as one: its checksum,
// a length or a record inside it is wrong.
var errCorruptBatch = errors.New("corrupt record batch")

// recordBatch is one record batch of a fetch response: its header read,
// its records (compressed or not) still as bytes.
type recordBatch struct {
	firstOffset     int64
	lastOffsetDelta int32
	firstTimestamp  int64 // ms
	maxTimestamp    int64 // ms
	producerID      int64
	attributes      int16
	count           int32  // records, as the header says
	records         []byte // as on the wire (compressed when codec says so)
}

// lastOffset is the offset of the batch's last record (compaction may have
// removed it, the offset stays taken).
func (b *recordBatch) lastOffset() int64 { return b.firstOffset + int64(b.lastOffsetDelta) }

func (b *recordBatch) codec() int8         { return int8(b.attributes & batchCodecMask) }
func (b *recordBatch) control() bool       { return b.attributes&batchControl != 0 }
func (b *recordBatch) transactional() bool { return b.attributes&batchTransactional != 0 }
func (b *recordBatch) logAppendTime() bool { return b.attributes&batchLogAppendTime != 0 }
func (b *recordBatch) compressed() bool    { return b.codec() != 0 }

// nextBatch reads the record batch raw begins with: the batch, what
// follows it, and complete false when raw holds no whole batch (a broker
// cuts the last batch of a response short at the size asked for). It
// returns errFallBack for a batch of an older message format, and an
// error wrapping errCorruptBatch for one whose lengths or checksum are
// wrong. The batch's records are a part of raw, not a copy.
func nextBatch(raw []byte) (b recordBatch, rest []byte, complete bool, err error) {
	if len(raw) < batchMagicAt+1 {
		return b, nil, false, nil
	}
	length := int64(int32(binary.BigEndian.Uint32(raw[batchLengthAt:])))
	if raw[batchMagicAt] != 2 {
		return b, nil, false, errFallBack
	}
	if length < batchHeaderLen-batchLengthAt-4 {
		return b, nil, false, fmt.Errorf("%w: batch length %d", errCorruptBatch, length)
	}
	total := batchLengthAt + 4 + length
	if int64(len(raw)) < total {
		return b, nil, false, nil
	}
	whole := raw[:total]
	if got, want := crc32.Checksum(whole[batchAttributesAt:], castagnoli), binary.BigEndian.Uint32(whole[batchCRCAt:]); got != want {
		return b, nil, false, fmt.Errorf("%w at offset %d: checksum %08x, the batch says %08x", errCorruptBatch, int64(binary.BigEndian.Uint64(whole)), got, want)
	}
	b = recordBatch{
		firstOffset:     int64(binary.BigEndian.Uint64(whole)),
		attributes:      int16(binary.BigEndian.Uint16(whole[batchAttributesAt:])),
		lastOffsetDelta: int32(binary.BigEndian.Uint32(whole[batchLastDeltaAt:])),
		firstTimestamp:  int64(binary.BigEndian.Uint64(whole[batchFirstTSAt:])),
		maxTimestamp:    int64(binary.BigEndian.Uint64(whole[batchMaxTSAt:])),
		producerID:      int64(binary.BigEndian.Uint64(whole[batchProducerAt:])),
		count:           int32(binary.BigEndian.Uint32(whole[batchCountAt:])),
		records:         whole[batchHeaderLen:],
	}
	if b.count < 0 {
		return b, nil, false, fmt.Errorf("%w at offset %d: %d records", errCorruptBatch, b.firstOffset, b.count)
	}
	return b, raw[total:], true, nil
}
