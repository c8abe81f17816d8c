package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/IBM/sarama"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// maxDecompressedBatch is the most one compressed record batch may
// decompress to: a batch that inflates further (a compression bomb) fails
// its fetch instead of taking the memory. Kafka's largest batch on the
// wire is about a megabyte by default (message.max.bytes), and even text
// that compresses very well inflates a hundredfold at most.
const maxDecompressedBatch = 1 << 30

// With a bound, sarama decompresses snappy batches into a pooled buffer
// and copies the result out once; without, it grows a new slice chunk by
// chunk, which cost a compressed read a tenth of its CPU time. (sarama
// decodes what the consumer reads; the direct fetch decompresses with a
// decompressor of its own.)
func init() {
	sarama.MaxDecompressedBatchSize = maxDecompressedBatch
}

// The codecs of a record batch's attributes.
const (
	codecNone   = 0
	codecGzip   = 1
	codecSnappy = 2
	codecLZ4    = 3
	codecZstd   = 4
)

// errBatchTooLarge says a batch decompresses to more than the bound.
var errBatchTooLarge = errors.New("record batch decompresses to more than the bound")

// decompressor decompresses record batches, each into a buffer of its
// own (the records' keys and values are parts of it), up to limit bytes a
// batch. One fetch loop has one; it keeps its lz4 and zstd decoders.
type decompressor struct {
	limit int
	lz4   *lz4.Reader
	zstd  *zstd.Decoder
}

// newDecompressor returns a decompressor bounded at limit bytes a batch.
func newDecompressor(limit int) *decompressor { return &decompressor{limit: limit} }

// close releases the zstd decoder's goroutines, if one was made.
func (d *decompressor) close() {
	if d.zstd != nil {
		d.zstd.Close()
	}
}

// decompress returns the records of a batch compressed with codec.
func (d *decompressor) decompress(codec int8, src []byte) ([]byte, error) {
	switch codec {
	case codecNone:
		return src, nil
	case codecSnappy:
		return d.snappy(src)
	case codecLZ4:
		if d.lz4 == nil {
			d.lz4 = lz4.NewReader(nil)
		}
		d.lz4.Reset(bytes.NewReader(src))
		return d.readAll(d.lz4, "lz4", len(src))
	case codecZstd:
		if d.zstd == nil {
			z, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(d.limit)))
			if err != nil {
				return nil, fmt.Errorf("zstd: %w", err)
			}
			d.zstd = z
		}
		out, err := d.zstd.DecodeAll(src, nil)
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) || len(out) > d.limit {
			return nil, fmt.Errorf("zstd: %w (%d bytes)", errBatchTooLarge, d.limit)
		}
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return exact(out), nil
	case codecGzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return d.readAll(r, "gzip", len(src))
	}
	return nil, fmt.Errorf("%w: unknown compression codec %d", errCorruptBatch, codec)
}

// readAll reads a streaming decompressor to its end, up to the limit.
func (d *decompressor) readAll(r io.Reader, codec string, compressed int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(min(compressed*4, d.limit))
	n, err := buf.ReadFrom(io.LimitReader(r, int64(d.limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", codec, err)
	}
	if n > int64(d.limit) {
		return nil, fmt.Errorf("%s: %w (%d bytes)", codec, errBatchTooLarge, d.limit)
	}
	return exact(buf.Bytes()), nil
}

// exact is b in a buffer of about its size: a buffer grown by doubling
// would have a batch's Messages hold up to as much again, past what the
// read's budget counts for them.
func exact(b []byte) []byte {
	if cap(b)-len(b) <= len(b)/16 {
		return b
	}
	return append(make([]byte, 0, len(b)), b...)
}

// xerialMagic begins snappy data in the xerial framing Java producers write.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// snappy decompresses plain or xerial-framed snappy into a buffer of
// exactly its size, which it learns from the blocks' headers first.
func (d *decompressor) snappy(src []byte) ([]byte, error) {
	size, err := snappyLen(src)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if size > d.limit {
		return nil, fmt.Errorf("snappy: %w (%d bytes)", errBatchTooLarge, d.limit)
	}
	out, err := xerial.DecodeCapped(make([]byte, 0, size), src)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	return out, nil
}

// snappyLen is what plain or xerial-framed snappy decompresses to.
func snappyLen(src []byte) (int, error) {
	if len(src) < len(xerialMagic) || !bytes.Equal(src[:len(xerialMagic)], xerialMagic) {
		return s2.DecodedLen(src)
	}
	const framed = 16 // magic, version, compatible version
	if len(src) < framed {
		return 0, xerial.ErrMalformed
	}
	total := 0
	for pos := framed; pos < len(src); {
		if len(src)-pos < 4 {
			break // as the xerial decoder, which ignores a tail shorter than a length
		}
		n := int(binary.BigEndian.Uint32(src[pos:]))
		pos += 4
		if n < 0 || n > len(src)-pos {
			return 0, xerial.ErrMalformed
		}
		l, err := s2.DecodedLen(src[pos : pos+n])
		if err != nil {
			return 0, err
		}
		total += l
		pos += n
	}
	return total, nil
}
