package kafka

import (
	"encoding/binary"
	"fmt"
)

// rawRecord is one record of a decompressed batch: its key, value and
// headers are parts of the batch's bytes, not copies (nil key or value:
// null).
type rawRecord struct {
	timestampDelta int64 // ms
	offsetDelta    int64
	key, value     []byte
	headers        []rawHeader
}

// rawHeader is one header of a rawRecord.
type rawHeader struct {
	key, value []byte
}

// recordReader reads the records of a decompressed batch one by one.
type recordReader struct {
	buf  []byte
	left int // records the batch says are still to come
}

// next reads the next record into r (its headers reuse r.headers' room)
// and reports false when the batch has no more. A record that does not
// read (lengths past the batch's end) is an error wrapping errCorruptBatch.
func (rr *recordReader) next(r *rawRecord) (bool, error) {
	if rr.left <= 0 {
		return false, nil
	}
	rr.left--
	length, n := binary.Varint(rr.buf)
	if n <= 0 || length < 0 || length > int64(len(rr.buf)-n) {
		return false, fmt.Errorf("%w: a record's length does not fit the batch", errCorruptBatch)
	}
	body := rr.buf[n : n+int(length)]
	rr.buf = rr.buf[n+int(length):]
	d := varintReader{b: body}
	if len(d.b) < 1 {
		return false, fmt.Errorf("%w: an empty record", errCorruptBatch)
	}
	d.b = d.b[1:] // attributes: unused
	r.timestampDelta = d.varint()
	r.offsetDelta = d.varint()
	r.key = d.bytes()
	r.value = d.bytes()
	headers := d.varint()
	if headers < 0 || headers > int64(len(d.b)) {
		d.bad = true
	}
	r.headers = r.headers[:0]
	for i := int64(0); i < headers && !d.bad; i++ {
		k := d.bytes()
		v := d.bytes()
		r.headers = append(r.headers, rawHeader{key: k, value: v})
	}
	if d.bad {
		return false, fmt.Errorf("%w: a record's fields do not fit it", errCorruptBatch)
	}
	return true, nil
}

// varintReader reads a record's fields; bad is set once one does not fit.
type varintReader struct {
	b   []byte
	bad bool
}

func (d *varintReader) varint() int64 {
	if len(d.b) > 0 && d.b[0] < 0x80 { // one byte: most of a record's lengths and deltas
		u := int64(d.b[0])
		d.b = d.b[1:]
		return u>>1 ^ -(u & 1)
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes reads a length (-1: null) and that many bytes.
func (d *varintReader) bytes() []byte {
	l := d.varint()
	switch {
	case d.bad:
		return nil
	case l == -1:
		return nil
	case l < -1 || l > int64(len(d.b)):
		d.bad = true
		return nil
	}
	v := d.b[:l:l]
	d.b = d.b[l:]
	return v
}
