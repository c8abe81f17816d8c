package schema

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestHeader reads the magic byte and the big-endian id, and refuses what
// is not framed.
func TestHeader(t *testing.T) {
	id, rest, err := ParseHeader([]byte{0, 0, 1, 0, 2, 'x'})
	if err != nil || id != 65538 || string(rest) != "x" {
		t.Fatalf("ParseHeader = %d %q %v", id, rest, err)
	}
	if got := AppendHeader(nil, 65538); !bytes.Equal(got, []byte{0, 0, 1, 0, 2}) {
		t.Fatalf("AppendHeader = %x", got)
	}
	for _, b := range [][]byte{nil, {0, 0, 0, 1}, {1, 0, 0, 0, 1}} {
		if _, _, err := ParseHeader(b); !errors.Is(err, ErrNotFramed) {
			t.Errorf("ParseHeader(%x) = %v", b, err)
		}
	}
	// Ids are the wire format's unsigned 32 bits, as sr reads them.
	for _, tc := range []struct {
		b  []byte
		id int
	}{{[]byte{0, 0x80, 0, 0, 0}, 1 << 31}, {[]byte{0, 0xff, 0xff, 0xff, 0xff, 'x'}, 4294967295}} {
		id, _, err := ParseHeader(tc.b)
		want, _, srErr := new(sr.ConfluentHeader).DecodeID(tc.b)
		if err != nil || id != tc.id || srErr != nil || want != id {
			t.Errorf("ParseHeader(%x) = %d %v, sr reads %d %v", tc.b, id, err, want, srErr)
		}
		if got := AppendHeader(nil, tc.id); !bytes.Equal(got, tc.b[:HeaderSize]) {
			t.Errorf("AppendHeader(%d) = %x", tc.id, got)
		}
	}
}

// TestIndexes reads zigzag message indexes, the single 0 as [0], and
// writes them back the same way.
func TestIndexes(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want []int
	}{
		{[]byte{0, 'b'}, []int{0}},
		{[]byte{2, 2, 'b'}, []int{1}},
		{[]byte{4, 2, 0, 'b'}, []int{1, 0}},
		{[]byte{6, 0x96, 0x01, 4, 2, 'b'}, []int{75, 2, 1}},
	} {
		got, rest, err := ReadIndexes(tc.in)
		if err != nil || string(rest) != "b" || !equalInts(got, tc.want) {
			t.Errorf("ReadIndexes(%x) = %v %q %v", tc.in, got, rest, err)
		}
		if back := AppendIndexes(nil, tc.want); !bytes.Equal(back, tc.in[:len(tc.in)-1]) {
			t.Errorf("AppendIndexes(%v) = %x", tc.want, back)
		}
	}
	for _, b := range [][]byte{nil, {4, 2}, {1}, {0x80}, {200, 1}} {
		if _, _, err := ReadIndexes(b); err == nil {
			t.Errorf("ReadIndexes(%x) accepted", b)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMalformedIndexesAreNotTruncated: a negative or oversized index count
// is malformed whatever follows; only indexes cut by the end are truncated.
func TestMalformedIndexesAreNotTruncated(t *testing.T) {
	for _, tc := range []struct {
		in        []byte
		malformed bool
		want      string
	}{
		{binary.AppendVarint(nil, -3), true, "malformed message indexes (count -3)"},
		{binary.AppendVarint(nil, 1000), true, "malformed message indexes (count 1000, at most 64)"},
		{append(binary.AppendVarint(nil, 1), binary.AppendVarint(nil, -2)...), true, "malformed message indexes (index -2 out of range)"},
		{binary.AppendVarint(nil, 2), false, "message index 1 of 2 truncated"},
		{nil, false, "message indexes truncated"},
	} {
		_, _, err := ReadIndexes(tc.in)
		if err == nil || errors.Is(err, ErrMalformedIndexes) != tc.malformed || err.Error() != tc.want {
			t.Errorf("% x: %v (malformed %v), want %q", tc.in, err, errors.Is(err, ErrMalformedIndexes), tc.want)
		}
	}
}
