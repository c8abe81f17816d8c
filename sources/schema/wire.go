package schema

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Magic is the first byte of a value in the Confluent wire format.
const Magic byte = 0

// HeaderSize is the size of the Confluent framing before the body (and,
// for Protobuf, before the message indexes): the magic byte and the id.
const HeaderSize = 5

// maxIndexes bounds the message indexes read from a Protobuf value, so a
// corrupt value cannot make the reader allocate without bound.
const maxIndexes = 64

// ErrNotFramed says a value does not start with the Confluent framing.
var ErrNotFramed = errors.New("not in the Confluent wire format")

// ErrMalformedIndexes says a Protobuf value's message indexes cannot be
// right whatever follows them (a negative or oversized count, a negative
// index), as opposed to indexes cut short by the end of the value.
var ErrMalformedIndexes = errors.New("malformed message indexes")

// ParseHeader reads the Confluent framing of data: the magic byte and the
// big-endian unsigned 32-bit schema id. It returns the id and the bytes after the header.
func ParseHeader(data []byte) (id int, rest []byte, err error) {
	if len(data) < HeaderSize {
		return 0, nil, fmt.Errorf("%w: %d bytes, the header needs %d", ErrNotFramed, len(data), HeaderSize)
	}
	if data[0] != Magic {
		return 0, nil, fmt.Errorf("%w: first byte is 0x%02x", ErrNotFramed, data[0])
	}
	// The id is the wire format's unsigned 32 bits, all of them (as
	// franz-go's sr reads it): 0xFFFFFFFF is id 4294967295, one no
	// registry has, not a sign of a value without the framing.
	return int(binary.BigEndian.Uint32(data[1:5])), data[HeaderSize:], nil
}

// isFramed reports data that may carry the wire format's header (a magic
// byte and room for a schema id), without building an error for the many
// values that do not: ParseHeader says why the others are not.
func isFramed(data []byte) bool { return len(data) >= HeaderSize && data[0] == Magic }

// AppendHeader appends the Confluent framing for schema id to dst.
func AppendHeader(dst []byte, id int) []byte {
	dst = append(dst, Magic)
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}

// ReadIndexes reads Confluent's Protobuf message indexes from the start of
// b: a zigzag varint count followed by that many zigzag varint indexes; a
// single 0 means [0] (the first message of the file). It returns the
// indexes and the rest of b.
func ReadIndexes(b []byte) (indexes []int, rest []byte, err error) {
	n, k := binary.Varint(b)
	if k <= 0 {
		return nil, nil, errors.New("message indexes truncated")
	}
	b = b[k:]
	if n == 0 {
		return []int{0}, b, nil
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("%w (count %d)", ErrMalformedIndexes, n)
	}
	if n > maxIndexes {
		return nil, nil, fmt.Errorf("%w (count %d, at most %d)", ErrMalformedIndexes, n, maxIndexes)
	}
	indexes = make([]int, 0, n)
	for i := int64(0); i < n; i++ {
		v, k := binary.Varint(b)
		if k <= 0 {
			return nil, nil, fmt.Errorf("message index %d of %d truncated", i+1, n)
		}
		if v < 0 || v > 1<<20 {
			return nil, nil, fmt.Errorf("%w (index %d out of range)", ErrMalformedIndexes, v)
		}
		indexes = append(indexes, int(v))
		b = b[k:]
	}
	return indexes, b, nil
}

// AppendIndexes appends Protobuf message indexes to dst as ReadIndexes
// reads them; [0] is written as the single byte 0.
func AppendIndexes(dst []byte, indexes []int) []byte {
	if len(indexes) == 0 || len(indexes) == 1 && indexes[0] == 0 {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(indexes)))
	for _, i := range indexes {
		dst = binary.AppendVarint(dst, int64(i))
	}
	return dst
}
