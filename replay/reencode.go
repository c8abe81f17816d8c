package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// Reencoding is what writing a decoded key or value with its schema does
// to its bytes: kept as they were when the document was not changed, or
// encoded again, with what the new bytes change that the edit did not
// show.
type Reencoding struct {
	// Part is the key or the value.
	Part schema.Part
	// Kept says the document was not changed: the original bytes are
	// written as they were.
	Kept bool
	// Bytes is how the bytes written differ from the original bytes.
	Bytes schema.BytesDiff
	// Unasked says, one reason a line, what the new bytes change beyond
	// what the edited document shows (empty: nothing): a place the
	// document could not show (invalid UTF-8, a NaN's payload) the edit
	// left alone, or a document that decodes again to something else.
	Unasked []string
}

// Surprising reports bytes changed beyond what the edit shows: a person
// must confirm them.
func (r Reencoding) Surprising() bool { return len(r.Unasked) > 0 }

// String says it in one line: "value: 3 bytes from offset 12 change
// beyond the edit: at note: a string that is not UTF-8 ...".
func (r Reencoding) String() string {
	switch {
	case r.Kept:
		return r.Part.String() + ": not edited: written byte for byte as it was"
	case !r.Surprising():
		return r.Part.String() + ": encoded again from the edit: " + r.Bytes.String() + " differ"
	}
	return r.Part.String() + ": encoding the edit changes more than it shows (" + r.Bytes.String() + " differ): " + strings.Join(r.Unasked, "; ")
}

// BeyondEditError refuses a re-encoding that changes bytes the edit does
// not show (Reencoding.Surprising): mqscope edit --yes and mqscope replay
// refuse it alike, unless --accept-reencoding (or a person said yes to it).
type BeyondEditError struct {
	Reencoding Reencoding
}

// Error says what changes and how to write it anyway.
func (e *BeyondEditError) Error() string {
	return e.Reencoding.String() + ": changes beyond the edit are not written without --accept-reencoding"
}

// Refusal is the error that stops r unless accept: a *BeyondEditError
// when r changes bytes beyond the edit, nil otherwise.
func (r Reencoding) Refusal(accept bool) error {
	if accept || !r.Surprising() {
		return nil
	}
	return &BeyondEditError{Reencoding: r}
}

// reencoding reviews out, the bytes an edited document encoded to, against
// the original part (raw, decoded to orig): again is out decoded.
func reencoding(part schema.Part, orig *schema.Decoded, raw []byte, edited []byte, out []byte, again *schema.Decoded) Reencoding {
	r := Reencoding{Part: part, Bytes: schema.DiffBytes(raw, out)}
	ed, edErr := parseDoc(edited)
	switch {
	case again == nil || again.Err != nil && !errors.Is(again.Err, schema.ErrUnknownFields) || again.JSON == nil:
		why := "the new bytes do not decode"
		if again != nil && again.Err != nil {
			why += ": " + again.Err.Error()
		}
		r.Unasked = append(r.Unasked, why)
	case edErr == nil:
		if ag, err := parseDoc(again.JSON); err == nil {
			if p, differ := editDiff(ed, ag, ""); differ {
				r.Unasked = append(r.Unasked, "decoded again, the value is not the edited document "+at(p))
			}
		}
	}
	if again != nil && again.Loss != nil && r.Bytes.Count > 0 && (orig == nil || orig.Loss == nil) && !(edErr == nil && namesBranches(ed, again.Loss)) {
		r.Unasked = append(r.Unasked, "the new bytes hold "+again.Loss.String())
	}
	if orig != nil && orig.Loss != nil && !branchKept(orig) {
		l := orig.Loss
		left := l.Path == "" || l.More > 0 // the whole value, or more places than the first: the edit cannot have replaced them all
		if l.Kind == schema.LossDuplicateKey {
			// a parsed document holds one of the members: the edit cannot
			// show both; left unless the new bytes still name it twice there
			left = again == nil || again.Loss == nil || again.Loss.Kind != schema.LossDuplicateKey || again.Loss.Path != l.Path || again.Loss.More != l.More
		} else if !left && edErr == nil {
			if od, err := parseDoc(orig.JSON); err == nil {
				// absent from both (a Protobuf default written out) is left too
				a, okA := lookup(od, l.Path)
				b, okB := lookup(ed, l.Path)
				left = okA == okB && (!okA || jsonEqual(a, b))
			}
		}
		if left {
			r.Unasked = append(r.Unasked, "the original holds "+l.String()+", which the edit leaves and encoding rewrites")
		}
	}
	return r
}

// branchKept reports a loss of orig that encoding does not rewrite: a
// union branch the document does not tell, its only place, which the
// decode kept (Ref.Branches) for the encoding to take again.
func branchKept(orig *schema.Decoded) bool {
	l := orig.Loss
	if l.Kind != schema.LossUnionBranch || l.More > 0 {
		return false
	}
	for _, b := range orig.Ref.Branches {
		if b.Path == l.Path {
			return true
		}
	}
	return false
}

func at(path string) string {
	if path == "" {
		return "(the whole value)"
	}
	return "at " + path
}

// sameDocument reports two JSON documents that hold the same values
// (spacing, key order and the spelling of numbers aside).
func sameDocument(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	x, err := parseDoc(a)
	if err != nil {
		return false
	}
	y, err := parseDoc(b)
	if err != nil {
		return false
	}
	return jsonEqual(x, y)
}

func parseDoc(doc []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// jsonEqual compares parsed documents; numbers by value, and a number
// against a string that spells the same number (Protobuf's 64-bit
// integers are strings in JSON) as equal.
func jsonEqual(a, b any) bool {
	_, differ := firstDiff(a, b, "")
	return !differ
}

// firstDiff finds the first path where a and b differ.
func firstDiff(a, b any, path string) (string, bool) { return diff(a, b, path, false) }

// editDiff is firstDiff of an edited document (a) and its encoding
// decoded again (b), which takes the edit as written: a decimal string
// as the number it spells ("1.5" is "1.500" at scale 3), and a union
// value that names its branch as Avro's JSON does ({"B": {...}}) as the
// value.
func editDiff(a, b any, path string) (string, bool) { return diff(a, b, path, true) }

// namesBranches reports the union branch loss l of a document that
// names the branch at l's place (and l is its only place).
func namesBranches(doc any, l *schema.Loss) bool {
	if l.Kind != schema.LossUnionBranch || l.More > 0 {
		return false
	}
	v, ok := lookup(doc, l.Path)
	m, isMap := v.(map[string]any)
	return ok && isMap && len(m) == 1
}

func diff(a, b any, path string, edited bool) (string, bool) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if edited && len(x) == 1 {
			for k, inner := range x {
				if _, same := y[k]; !same || len(y) != 1 {
					if _, d := diff(inner, b, path, edited); !d {
						return "", false
					}
				}
			}
		}
		if !ok {
			return path, true
		}
		for _, k := range sortedAnyKeys(x, y) {
			xv, okx := x[k]
			yv, oky := y[k]
			if okx != oky {
				return joinField(path, k), true
			}
			if p, d := diff(xv, yv, joinField(path, k), edited); d {
				return p, true
			}
		}
		return "", false
	case []any:
		y, ok := b.([]any)
		if !ok {
			return path, true
		}
		for i := 0; i < max(len(x), len(y)); i++ {
			p := path + "[" + strconv.Itoa(i) + "]"
			if i >= len(x) || i >= len(y) {
				return p, true
			}
			if q, d := diff(x[i], y[i], p, edited); d {
				return q, true
			}
		}
		return "", false
	case json.Number, string:
		if sameScalar(a, b) || edited && sameDecimal(a, b) {
			return "", false
		}
		return path, true
	}
	if a != b {
		return path, true
	}
	return "", false
}

// sameDecimal reports two strings that spell the same decimal number
// ("1.5", "1.500"): a decimal's encoding pads it to the schema's scale.
func sameDecimal(a, b any) bool {
	x, okx := a.(string)
	y, oky := b.(string)
	if !okx || !oky || !plainDecimal(x) || !plainDecimal(y) {
		return false
	}
	p, _ := new(big.Rat).SetString(x)
	q, _ := new(big.Rat).SetString(y)
	return p.Cmp(q) == 0
}

// plainDecimal reports a string of digits with an optional sign and
// decimal point, as a decimal's document spells it.
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	digits, point := 0, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	return digits > 0
}

// sameScalar compares a number or string with another.
func sameScalar(a, b any) bool {
	if a == b {
		return true
	}
	as, aNum := scalarText(a)
	bs, bNum := scalarText(b)
	if as == "" && bs == "" || !(aNum || bNum) {
		return false
	}
	x, okx := new(big.Rat).SetString(as)
	y, oky := new(big.Rat).SetString(bs)
	return okx && oky && x.Cmp(y) == 0
}

func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case json.Number:
		return string(t), true
	case string:
		return t, false
	}
	return "", false
}

func sortedAnyKeys(x, y map[string]any) []string {
	keys := make([]string, 0, len(x)+len(y))
	for k := range x {
		keys = append(keys, k)
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func joinField(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// lookup finds the value at a schema path ("a.b[2][\"k\"].c") in a
// parsed document.
func lookup(v any, path string) (any, bool) {
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case strings.HasPrefix(path, `["`):
			q, err := strconv.QuotedPrefix(path[1:])
			if err != nil || len(path) < 2+len(q) || path[1+len(q)] != ']' {
				return nil, false
			}
			k, _ := strconv.Unquote(q)
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
			path = path[2+len(q):]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(end, 1)])
			l, ok := v.([]any)
			if end < 0 || err != nil || !ok || i < 0 || i >= len(l) {
				return nil, false
			}
			v, path = l[i], path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[path[:end]]; !ok {
				return nil, false
			}
			path = path[end:]
		}
	}
	return v, true
}

// EncodePart encodes an edited document of m's value with the schema orig
// was decoded with, unless the document holds what orig does: then the
// original bytes are kept. It returns the bytes to write, the new bytes
// decoded (orig when kept) and the review of the re-encoding.
func EncodePart(ctx context.Context, dec *schema.Decoder, m sources.Message, orig *schema.Decoded, edited []byte) ([]byte, *schema.Decoded, Reencoding, error) {
	if orig != nil && orig.JSON != nil && sameDocument(orig.JSON, edited) {
		return m.Value, orig, Reencoding{Part: schema.PartValue, Kept: true}, nil
	}
	out, err := dec.EncodeOver(ctx, orig.Ref, edited, m.Value) // what the document does not show of the value is kept
	if err != nil {
		return nil, nil, Reencoding{}, err
	}
	n := m
	n.Value = out
	again := dec.Value(ctx, &n)
	return out, &again, reencoding(schema.PartValue, orig, m.Value, edited, out, &again), nil
}
