package schema

import (
	"bytes"
	"strconv"
)

// LossKind is what a decoded document cannot show of the bytes it was
// decoded from: encoding the document again writes other bytes.
type LossKind uint8

// The kinds of Loss.
const (
	// LossInvalidUTF8: a string (or a map key) that is not UTF-8; the
	// document shows U+FFFD where its bytes were.
	LossInvalidUTF8 LossKind = iota + 1
	// LossNaNPayload: a float or double NaN whose payload bits are not
	// those of the NaN that encoding writes; the document shows "NaN".
	LossNaNPayload
	// LossNonCanonical: the bytes are valid but not in the form encoding
	// writes (a varint longer than it needs, an array or map in several
	// blocks, map keys out of order or repeated, a decimal wider than it
	// needs, Protobuf fields out of order or not packed, JSON with spaces).
	LossNonCanonical
	// LossUnionBranch: a union value whose branch the document does not
	// tell (a NaN or an infinity, shown as a string, in a union with a
	// string branch).
	LossUnionBranch
	// LossDuplicateKey: a JSON object that names a member twice; a JSON
	// reader keeps one of them, so an edit of the document drops the
	// other (Path is the second).
	LossDuplicateKey
)

var lossNames = [...]string{"", "invalid_utf8", "nan_payload", "non_canonical", "union_branch", "duplicate_key"}

// String names the kind as a capture line writes it ("invalid_utf8").
func (k LossKind) String() string {
	if int(k) < len(lossNames) && k > 0 {
		return lossNames[k]
	}
	return "loss " + strconv.Itoa(int(k))
}

// Why says in words what the kind loses.
func (k LossKind) Why() string {
	switch k {
	case LossInvalidUTF8:
		return "a string that is not UTF-8 (shown with U+FFFD)"
	case LossNaNPayload:
		return "a NaN with payload bits JSON cannot show"
	case LossNonCanonical:
		return "bytes not in the form the encoder writes"
	case LossUnionBranch:
		return "a union branch JSON cannot show"
	case LossDuplicateKey:
		return "a member name given twice (a JSON reader keeps one)"
	}
	return k.String()
}

// Loss is the first place where a decoded document is not the whole
// truth of its bytes: the document encoded again with the same schema
// gives other bytes.
type Loss struct {
	// Kind is what the document cannot show.
	Kind LossKind
	// Path is the field it is at ("order.note", "lines[2]"; "" for the
	// whole value or when the codec cannot tell where).
	Path string
	// More counts the further places of the same value that lose too.
	More int
}

// String describes the loss in a line: "at note: a string that is not
// UTF-8 (shown with U+FFFD)".
func (l *Loss) String() string {
	s := l.Kind.Why()
	if l.Path != "" {
		s = "at " + l.Path + ": " + s
	}
	if l.More > 0 {
		s += " (and " + strconv.Itoa(l.More) + " more)"
	}
	return s
}

// BytesDiff is how two byte strings differ: Count bytes, the first at
// Offset. Bytes one has beyond the other's end count as different.
type BytesDiff struct {
	Count, Offset int
}

// DiffBytes compares a with b byte by byte.
func DiffBytes(a, b []byte) BytesDiff {
	d := BytesDiff{Offset: -1}
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if d.Offset < 0 {
				d.Offset = i
			}
			d.Count++
		}
	}
	if len(a) != len(b) {
		if d.Offset < 0 {
			d.Offset = n
		}
		d.Count += max(len(a), len(b)) - n
	}
	if d.Count == 0 {
		d.Offset = 0
	}
	return d
}

// Equal reports no difference.
func (d BytesDiff) Equal() bool { return d.Count == 0 }

// String says "N bytes from offset K" ("no bytes" when equal).
func (d BytesDiff) String() string {
	if d.Count == 0 {
		return "no bytes"
	}
	unit := " bytes"
	if d.Count == 1 {
		unit = " byte"
	}
	return strconv.Itoa(d.Count) + unit + " from offset " + strconv.Itoa(d.Offset)
}

// canonicalNaN64 and canonicalNaN32 are the bits of the NaN the encoders
// write for "NaN": the canonical quiet NaN (Java's Double.NaN and
// Float.NaN, what Confluent's serialisers write), not Go's math.NaN().
func canonicalNaN64() uint64 { return 0x7ff8000000000000 }

func canonicalNaN32() uint32 { return 0x7fc00000 }

// sameJSONBytes reports a document that is the body itself (JSON Schema
// values: the decoded document is the body, compacted).
func sameJSONBytes(doc, body []byte) bool { return bytes.Equal(doc, body) }
