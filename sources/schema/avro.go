package schema

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hamba/avro/v2"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// avroCodec reads Avro: hamba/avro parses the schema (with named types
// from references), and a walker of its own turns the binary body into
// JSON directly, so decimals stay exact strings and unions show the value.
type avroCodec struct{}

// Format implements Codec.
func (avroCodec) Format() Format { return FormatAvro }

// parseAvro parses an Avro schema's text with the named types of its
// references (dependencies first).
func parseAvro(text string, refs []Named) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	for _, r := range refs {
		if _, err := avro.ParseWithCache(r.Text, "", cache); err != nil {
			return nil, fmt.Errorf("reference %q: %w", r.Name, err)
		}
	}
	return avro.ParseWithCache(text, "", cache)
}

// Compile implements Codec.
func (avroCodec) Compile(main Named, refs []Named) (Compiled, error) {
	s, err := parseAvro(main.Text, refs)
	if err != nil {
		return nil, err
	}
	c := &avroCompiler{named: map[string]*anode{}}
	root := c.node(s)
	name := ""
	if n, ok := s.(avro.NamedSchema); ok {
		name = n.FullName()
	}
	return &avroSchema{root: root, name: name, track: c.ambiguous}, nil
}

type akind uint8

const (
	aNull akind = iota
	aBool
	aInt
	aLong
	aFloat
	aDouble
	aBytes
	aString
	aRecord
	aEnum
	aArray
	aMap
	aUnion
	aFixed
	// logical types
	aDecimal // bytes or fixed (size > 0)
	aDate
	aTimeMillis
	aTimeMicros
	aTimestampMillis
	aTimestampMicros
	aLocalTimestampMillis
	aLocalTimestampMicros
	aTimestampNanos      // hamba/avro keeps the logicalType as a property
	aLocalTimestampNanos // likewise
	aUUIDFixed
	aDuration
)

// anode is a compiled Avro type.
type anode struct {
	kind     akind
	name     string
	fields   []afield
	index    map[string]int // a record's fields by name
	items    *anode         // array items, map values
	branches []*anode
	symbols  []string
	quoted   [][]byte // the symbols as JSON strings
	ambig    bool     // a union whose branch the JSON value alone does not tell
	uuid     bool     // a string of logical type uuid
	size     int      // fixed size (0 for a bytes decimal)
	scale    int
	prec     int // decimal precision
}

type afield struct {
	name   string
	quoted []byte // `"name":`
	node   *anode
}

type avroCompiler struct {
	named     map[string]*anode
	ambiguous bool // some union is ambiguous
}

// jsonClass is the kind of JSON value a type's values render as.
func jsonClass(k akind) byte {
	switch k {
	case aNull:
		return 'z'
	case aBool:
		return 'b'
	case aInt, aLong, aFloat, aDouble:
		return 'n'
	case aRecord, aMap, aDuration:
		return 'o'
	case aArray:
		return 'a'
	}
	return 's'
}

func (c *avroCompiler) node(s avro.Schema) *anode {
	switch t := s.(type) {
	case *avro.RefSchema:
		return c.node(t.Schema())
	case *avro.NullSchema:
		return &anode{kind: aNull}
	case *avro.RecordSchema:
		if n, ok := c.named[t.FullName()]; ok {
			return n
		}
		n := &anode{kind: aRecord, name: t.FullName(), index: map[string]int{}}
		c.named[t.FullName()] = n
		for _, f := range t.Fields() {
			n.index[f.Name()] = len(n.fields)
			q := jsonenc.AppendStringUnescapedHTML(nil, f.Name())
			n.fields = append(n.fields, afield{name: f.Name(), quoted: append(q, ':'), node: c.node(f.Type())})
		}
		return n
	case *avro.EnumSchema:
		n := &anode{kind: aEnum, name: t.FullName(), symbols: t.Symbols()}
		for _, sym := range n.symbols {
			n.quoted = append(n.quoted, jsonenc.AppendStringUnescapedHTML(nil, sym))
		}
		return n
	case *avro.ArraySchema:
		return &anode{kind: aArray, items: c.node(t.Items())}
	case *avro.MapSchema:
		return &anode{kind: aMap, items: c.node(t.Values())}
	case *avro.UnionSchema:
		n := &anode{kind: aUnion}
		seen := map[byte]bool{}
		for _, b := range t.Types() {
			bn := c.node(b)
			n.branches = append(n.branches, bn)
			if cl := jsonClass(bn.kind); seen[cl] {
				n.ambig = true
			} else {
				seen[cl] = true
			}
		}
		c.ambiguous = c.ambiguous || n.ambig
		return n
	case *avro.FixedSchema:
		n := &anode{kind: aFixed, name: t.FullName(), size: t.Size()}
		switch l := t.Logical().(type) {
		case *avro.DecimalLogicalSchema:
			n.kind, n.scale, n.prec = aDecimal, l.Scale(), l.Precision()
		case nil:
		default:
			switch l.Type() {
			case avro.Duration:
				if t.Size() == 12 {
					n.kind = aDuration
				}
			case avro.UUID:
				if t.Size() == 16 {
					n.kind = aUUIDFixed
				}
			}
		}
		return n
	case *avro.PrimitiveSchema:
		n := &anode{}
		switch t.Type() {
		case avro.Boolean:
			n.kind = aBool
		case avro.Int:
			n.kind = aInt
		case avro.Long:
			n.kind = aLong
		case avro.Float:
			n.kind = aFloat
		case avro.Double:
			n.kind = aDouble
		case avro.Bytes:
			n.kind = aBytes
		case avro.String:
			n.kind = aString
		default:
			n.kind = aNull
		}
		if l := t.Logical(); l != nil {
			lk := n.kind
			switch l.Type() {
			case avro.Decimal:
				if d, ok := l.(*avro.DecimalLogicalSchema); ok && n.kind == aBytes {
					lk, n.scale, n.prec = aDecimal, d.Scale(), d.Precision()
				}
			case avro.Date:
				lk = aDate
			case avro.TimeMillis:
				lk = aTimeMillis
			case avro.TimeMicros:
				lk = aTimeMicros
			case avro.TimestampMillis:
				lk = aTimestampMillis
			case avro.TimestampMicros:
				lk = aTimestampMicros
			case avro.LocalTimestampMillis:
				lk = aLocalTimestampMillis
			case avro.LocalTimestampMicros:
				lk = aLocalTimestampMicros
			case avro.UUID:
				n.uuid = n.kind == aString
			}
			n.kind = lk
		} else if n.kind == aLong {
			n.kind = nanosKind(t.Prop("logicalType"))
		}
		return n
	}
	return &anode{kind: aNull}
}

// avroSchema is a compiled Avro schema.
type avroSchema struct {
	root  *anode
	name  string
	track bool // the schema has ambiguous unions: keep their branches
}

// Message implements Compiled.
func (s *avroSchema) Message(Selector) (string, error) { return s.name, nil }

// maxAvroDepth bounds nesting so a recursive schema and a corrupt body
// cannot exhaust the stack.
const maxAvroDepth = 256

// Decode implements Compiled.
func (s *avroSchema) Decode(body []byte, sel Selector) ([]byte, error) {
	out, _, err := s.DecodeBranches(body, sel)
	return out, err
}

// DecodeBranches is Decode that also returns the branches ambiguous
// unions took.
func (s *avroSchema) DecodeBranches(body []byte, _ Selector) ([]byte, []UnionBranch, error) {
	return s.appendBranches(make([]byte, 0, len(body)*2+64), body)
}

// appendBranches is DecodeBranches appending the JSON to out (nil on a
// failure that leaves no document). The JSON is compact, on one line, and
// has every control a terminal would act on escaped (compactSafe).
func (s *avroSchema) appendBranches(out, body []byte) ([]byte, []UnionBranch, error) {
	out, meta, err := s.appendLoss(out, body)
	return out, meta.Branches, err
}

// appendLoss is appendBranches that also reports the first place whose
// bytes the document cannot show (nil: encoding the document again gives
// body back), found while reading: no second pass.
func (s *avroSchema) appendLoss(out, body []byte) ([]byte, decodeMeta, error) {
	r := areader{b: body, track: s.track}
	out, err := r.value(out, s.root, 0)
	if err != nil {
		return nil, decodeMeta{}, err
	}
	if r.i != len(r.b) {
		return nil, decodeMeta{}, fmt.Errorf("%d bytes left after the value", len(r.b)-r.i)
	}
	meta := decodeMeta{Branches: r.branches, Sized: r.sized}
	if r.loss != nil {
		meta.Loss = &Loss{Kind: r.lossKind, Path: r.loss.path, More: r.losses - 1}
	}
	if r.soft != nil {
		return out, meta, r.soft
	}
	return out, meta, nil
}

// zeroSizeItems is how many array or map items beyond one per byte of
// the body a value may have (items of types that take no bytes).
const zeroSizeItems = 1 << 16

type areader struct {
	b     []byte
	i     int
	items int64 // array and map items read so far
	// soft is the first value read that breaks a constraint of the schema
	// without stopping the read (a decimal beyond its precision); its path
	// is prefixed level by level up to softLevel.
	soft      *fieldError
	softLevel int
	// With track, path is where the reader is, for branches.
	track    bool
	path     []string
	branches []UnionBranch
	// loss is the first place the document cannot show the bytes of
	// (lossKind); its path is lifted as soft's is, from lossLevel; losses
	// counts every such place. depth is the depth of the value being read.
	loss      *fieldError
	lossKind  LossKind
	lossLevel int
	losses    int
	depth     int
	// sized and counted say blocks were read with their size in bytes
	// (a negative count), or with a count only.
	sized, counted bool
}

// errLoss is the reason of a loss's fieldError, which carries its path.
var errLoss = errors.New("the document cannot show these bytes")

// lose records a place the document cannot show the bytes of, at the
// depth of the value being read.
func (r *areader) lose(k LossKind) {
	r.losses++
	if r.loss == nil {
		r.loss, r.lossKind, r.lossLevel = &fieldError{reason: errLoss}, k, r.depth
	}
}

// lift prefixes a soft problem found in the child at depth+1 with step
// (none for a union) as the read returns to depth.
func (r *areader) lift(depth int, step string) {
	if r.loss != nil && r.lossLevel == depth+1 {
		if step != "" {
			within(r.loss, step)
		}
		r.lossLevel = depth
	}
	if r.soft == nil || r.softLevel != depth+1 {
		return
	}
	if step != "" {
		within(r.soft, step)
	}
	r.softLevel = depth
}

// significantDigits counts the digits of a decimal string from its first
// non-zero one.
func significantDigits(s []byte) int {
	n, lead := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || lead && c == '0' {
			continue
		}
		lead = false
		n++
	}
	return n
}

// push enters a field, an index or a key when tracking.
func (r *areader) push(step string) {
	if r.track {
		r.path = append(r.path, step)
	}
}

func (r *areader) pop() {
	if r.track {
		r.path = r.path[:len(r.path)-1]
	}
}

// fail returns err at the current value; the callers up the stack prefix
// the path (within), so reading costs nothing for paths until it fails.
func (r *areader) fail(err error) error {
	return &fieldError{reason: err}
}

// within prefixes err's path with step (".name" for a field, "[3]" or
// "[\"key\"]" for an element).
func within(err error, step string) error {
	fe, ok := err.(*fieldError)
	if !ok {
		return err
	}
	switch {
	case fe.path == "" || fe.path[0] == '[':
		fe.path = step + fe.path
	default:
		fe.path = step + "." + fe.path
	}
	return fe
}

func (r *areader) long() (int64, error) {
	if r.i < len(r.b) && r.b[r.i] < 0x80 { // one byte: most lengths, counts and indexes
		u := r.b[r.i]
		r.i++
		return int64(u>>1) ^ -int64(u&1), nil
	}
	v, n := binary.Varint(r.b[r.i:])
	if n <= 0 {
		if n == 0 {
			return 0, r.fail(errTruncated)
		}
		return 0, r.fail(errors.New("varint overflows 64 bits"))
	}
	if r.b[r.i+n-1] == 0 { // longer than it needs: the encoder writes the short form
		r.lose(LossNonCanonical)
	}
	r.i += n
	return v, nil
}

func (r *areader) int() (int32, error) {
	v, err := r.long()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, r.fail(fmt.Errorf("int %d out of range", v))
	}
	return int32(v), nil
}

func (r *areader) take(n int) ([]byte, error) {
	if n < 0 {
		return nil, r.fail(fmt.Errorf("negative length %d", n))
	}
	if len(r.b)-r.i < n {
		return nil, r.fail(errTruncated)
	}
	b := r.b[r.i : r.i+n]
	r.i += n
	return b, nil
}

func (r *areader) bytes() ([]byte, error) {
	n, err := r.long()
	if err != nil {
		return nil, err
	}
	if n > int64(len(r.b)-r.i) {
		return nil, r.fail(errTruncated)
	}
	return r.take(int(n))
}

func (r *areader) value(out []byte, n *anode, depth int) ([]byte, error) {
	if depth > maxAvroDepth {
		return nil, r.fail(errors.New("nested too deep"))
	}
	r.depth = depth
	switch n.kind {
	case aNull:
		return append(out, "null"...), nil
	case aBool:
		b, err := r.take(1)
		if err != nil {
			return nil, err
		}
		switch b[0] {
		case 0:
			return append(out, "false"...), nil
		case 1:
			return append(out, "true"...), nil
		}
		return nil, r.fail(fmt.Errorf("boolean byte 0x%02x", b[0]))
	case aInt:
		v, err := r.int()
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(out, int64(v), 10), nil
	case aLong:
		v, err := r.long()
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(out, v, 10), nil
	case aFloat, aDouble:
		var f float64
		bits := 32
		if n.kind == aFloat {
			b, err := r.take(4)
			if err != nil {
				return nil, err
			}
			f = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
			if math.IsNaN(f) && binary.LittleEndian.Uint32(b) != canonicalNaN32() {
				r.lose(LossNaNPayload)
			}
		} else {
			b, err := r.take(8)
			if err != nil {
				return nil, err
			}
			f, bits = math.Float64frombits(binary.LittleEndian.Uint64(b)), 64
			if math.IsNaN(f) && binary.LittleEndian.Uint64(b) != canonicalNaN64() {
				r.lose(LossNaNPayload)
			}
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return jsonenc.AppendStringUnescapedHTML(out, strconv.FormatFloat(f, 'g', -1, bits)), nil
		}
		return strconv.AppendFloat(out, f, 'g', -1, bits), nil
	case aBytes:
		b, err := r.bytes()
		if err != nil {
			return nil, err
		}
		return appendBase64(out, b), nil
	case aString:
		b, err := r.bytes()
		if err != nil {
			return nil, err
		}
		out, valid := appendJSONBytesValid(out, b)
		if !valid {
			r.lose(LossInvalidUTF8)
		}
		if n.uuid && r.soft == nil {
			if err := checkUUID(string(b)); err != nil { // shown, but an edit of it would be refused
				r.soft, r.softLevel = &fieldError{reason: err}, depth
			}
		}
		return out, nil
	case aRecord:
		out = append(out, '{')
		for i := range n.fields {
			f := &n.fields[i]
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, f.quoted...)
			var err error
			r.push(f.name)
			out, err = r.value(out, f.node, depth+1)
			if err != nil {
				return nil, within(err, f.name)
			}
			r.lift(depth, f.name)
			r.pop()
		}
		return append(out, '}'), nil
	case aEnum:
		v, err := r.int()
		if err != nil {
			return nil, err
		}
		if v < 0 || int(v) >= len(n.symbols) {
			return nil, r.fail(fmt.Errorf("enum index %d of %d symbols", v, len(n.symbols)))
		}
		return append(out, n.quoted[v]...), nil
	case aArray, aMap:
		return r.blocks(out, n, depth)
	case aUnion:
		v, err := r.long()
		if err != nil {
			return nil, err
		}
		if v < 0 || v >= int64(len(n.branches)) {
			return nil, r.fail(fmt.Errorf("union branch %d of %d", v, len(n.branches)))
		}
		if n.ambig && r.track {
			r.branches = append(r.branches, UnionBranch{Path: pathText(r.path), Branch: int(v)})
		}
		start := len(out)
		out, err = r.value(out, n.branches[v], depth+1)
		if err == nil && (!n.ambig && unionMistaken(n, int(v), out[start:]) || n.ambig && fitsEarlierBranch(n, int(v), out[start:])) {
			r.depth = depth + 1
			r.lose(LossUnionBranch)
		}
		r.lift(depth, "")
		return out, err
	case aFixed:
		b, err := r.take(n.size)
		if err != nil {
			return nil, err
		}
		return appendBase64(out, b), nil
	case aDecimal:
		var b []byte
		var err error
		if n.size > 0 {
			b, err = r.take(n.size)
		} else {
			b, err = r.bytes()
		}
		if err != nil {
			return nil, err
		}
		if n.size == 0 && !minimalTwos(b) {
			r.lose(LossNonCanonical)
		}
		start := len(out) + 1
		out = appendDecimal(append(out, '"'), b, n.scale)
		if n.prec > 0 && r.soft == nil {
			ds := out[start:]
			if digits := significantDigits(ds); digits > n.prec {
				r.soft, r.softLevel = &fieldError{reason: fmt.Errorf("%s has %d digits, more than the precision %d", capDigits(string(ds)), digits, n.prec)}, depth
			}
		}
		return append(out, '"'), nil
	case aDate:
		v, err := r.int()
		if err != nil {
			return nil, err
		}
		t := time.Unix(int64(v)*86400, 0).UTC()
		if !writableYear(t) {
			return strconv.AppendInt(out, int64(v), 10), nil
		}
		return append(t.AppendFormat(append(out, '"'), "2006-01-02"), '"'), nil
	case aTimeMillis:
		v, err := r.int()
		if err != nil {
			return nil, err
		}
		return appendClock(out, int64(v), int64(v)*int64(time.Millisecond), 3), nil
	case aTimeMicros:
		v, err := r.long()
		if err != nil {
			return nil, err
		}
		return appendClock(out, v, v*int64(time.Microsecond), 6), nil
	case aTimestampMillis, aLocalTimestampMillis:
		v, err := r.long()
		if err != nil {
			return nil, err
		}
		t := time.UnixMilli(v).UTC()
		if !writableYear(t) {
			return strconv.AppendInt(out, v, 10), nil
		}
		return appendStamp(out, t, "2006-01-02T15:04:05.000", n.kind == aTimestampMillis), nil
	case aTimestampMicros, aLocalTimestampMicros:
		v, err := r.long()
		if err != nil {
			return nil, err
		}
		t := time.UnixMicro(v).UTC()
		if !writableYear(t) {
			return strconv.AppendInt(out, v, 10), nil
		}
		return appendStamp(out, t, "2006-01-02T15:04:05.000000", n.kind == aTimestampMicros), nil
	case aTimestampNanos, aLocalTimestampNanos:
		v, err := r.long()
		if err != nil {
			return nil, err
		}
		// A long of nanoseconds spans 1677 to 2262: always four digits.
		return appendStamp(out, time.Unix(0, v).UTC(), "2006-01-02T15:04:05.000000000", n.kind == aTimestampNanos), nil
	case aUUIDFixed:
		b, err := r.take(16)
		if err != nil {
			return nil, err
		}
		return append(appendUUID(append(out, '"'), b), '"'), nil
	case aDuration:
		b, err := r.take(12)
		if err != nil {
			return nil, err
		}
		out = append(out, `{"months":`...)
		out = strconv.AppendUint(out, uint64(binary.LittleEndian.Uint32(b[0:])), 10)
		out = append(out, `,"days":`...)
		out = strconv.AppendUint(out, uint64(binary.LittleEndian.Uint32(b[4:])), 10)
		out = append(out, `,"milliseconds":`...)
		out = strconv.AppendUint(out, uint64(binary.LittleEndian.Uint32(b[8:])), 10)
		return append(out, '}'), nil
	}
	return nil, r.fail(fmt.Errorf("unknown type kind %d", n.kind))
}

// blocks reads an array's or a map's blocks.
func (r *areader) blocks(out []byte, n *anode, depth int) ([]byte, error) {
	isMap := n.kind == aMap
	if isMap {
		out = append(out, '{')
	} else {
		out = append(out, '[')
	}
	idx, blocks := 0, 0
	var prev []byte   // the map key before: while keys ascend, none repeats
	ascending := true // the keys so far ascend
	// A map whose keys do not ascend (hamba writes Go's map order) is
	// looked through for a key given twice: its first keys in few, on the
	// stack; beyond them (many), its document at the end.
	var few [16][]byte
	many := false
	outStart := len(out) - 1
	for {
		r.depth = depth
		count, err := r.long()
		if err != nil {
			return nil, err
		}
		if count == 0 {
			break
		}
		// The encoder writes one block, counted, or with its size in bytes
		// as the value's other blocks are (Ref.SizedBlocks).
		blocks++
		sizedBlock := count < 0
		if blocks > 1 || sizedBlock && r.counted || !sizedBlock && r.sized {
			r.lose(LossNonCanonical)
		}
		size, itemsAt := int64(-1), 0
		if count < 0 {
			if count == math.MinInt64 {
				return nil, r.fail(errors.New("block count out of range"))
			}
			count = -count
			if size, err = r.long(); err != nil { // the block's size in bytes
				return nil, err
			}
			r.sized, itemsAt = true, r.i
		} else {
			r.counted = true
		}
		// Every item takes at least one byte unless its type takes none
		// (null, a record without fields): a count beyond the bytes left is
		// corrupt for the others, and all items of the value together get
		// a budget of the body's size plus zeroSizeItems.
		if count > int64(len(r.b)-r.i) && n.items.kind != aNull && !(n.items.kind == aRecord && len(n.items.fields) == 0) {
			return nil, r.fail(errTruncated)
		}
		r.items += count
		if r.items > int64(len(r.b))+zeroSizeItems {
			return nil, r.fail(fmt.Errorf("more than %d items in a body of %d bytes", int64(len(r.b))+zeroSizeItems, len(r.b)))
		}
		for j := int64(0); j < count; j++ {
			if idx > 0 {
				out = append(out, ',')
			}
			var k []byte
			if isMap {
				r.depth = depth
				if k, err = r.bytes(); err != nil {
					return nil, err
				}
				var valid bool
				out, valid = appendJSONBytesValid(out, k)
				out = append(out, ':')
				switch {
				case !valid:
					r.lose(LossInvalidUTF8)
				case idx > 0 && string(k) <= string(prev) || !ascending:
					ascending = false // a key may repeat
					if idx >= len(few) {
						many = true // looked for at the end
						break
					}
					for _, f := range few[:idx] {
						if string(f) == string(k) {
							r.lose(LossNonCanonical) // a key given twice: the document holds one
							break
						}
					}
				}
				if idx < len(few) {
					few[idx] = k
				}
				prev = k
				if r.track {
					r.push("[" + strconv.Quote(string(k)) + "]")
				}
			} else if r.track {
				r.push("[" + strconv.Itoa(idx) + "]")
			}
			out, err = r.value(out, n.items, depth+1)
			if err != nil {
				if isMap {
					return nil, within(err, "["+strconv.Quote(string(k))+"]")
				}
				return nil, within(err, "["+strconv.Itoa(idx)+"]")
			}
			if r.soft != nil && r.softLevel == depth+1 || r.loss != nil && r.lossLevel == depth+1 {
				if isMap {
					r.lift(depth, "["+strconv.Quote(string(k))+"]")
				} else {
					r.lift(depth, "["+strconv.Itoa(idx)+"]")
				}
			}
			r.pop()
			idx++
		}
		if size >= 0 && int64(r.i-itemsAt) != size {
			r.depth = depth
			r.lose(LossNonCanonical) // a size the encoder would not write
		}
	}
	if isMap {
		out = append(out, '}')
		if many && repeatsKey(out[outStart:]) {
			r.depth = depth
			r.lose(LossNonCanonical) // a key given twice: the document holds one
		}
		return out, nil
	}
	return append(out, ']'), nil
}

// repeatsKey reports a JSON object (as the reader wrote it) that has a key
// twice. It runs only for maps whose keys did not ascend, which is rare.
func repeatsKey(obj []byte) bool {
	d := json.NewDecoder(bytes.NewReader(obj))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return false
		}
		k, _ := t.(string)
		if seen[k] {
			return true
		}
		seen[k] = true
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// pathText joins path steps as the encoder writes paths: fields with
// dots, indexes and keys in brackets.
func pathText(steps []string) string {
	p := ""
	for _, s := range steps {
		if s[0] == '[' {
			p += s
		} else {
			p = joinPath(p, s)
		}
	}
	return p
}

// appendJSONBytes appends b as a JSON string: plain ASCII is copied as
// it is, anything else goes through jsonenc.
func appendJSONBytes(out, b []byte) []byte {
	out, _ = appendJSONBytesValid(out, b)
	return out
}

// appendJSONBytesValid is appendJSONBytes that also reports whether b is
// UTF-8 (checked only when b is not plain ASCII).
func appendJSONBytesValid(out, b []byte) ([]byte, bool) {
	for _, c := range b {
		if !plainASCII[c] {
			return jsonenc.AppendStringUnescapedHTML(out, string(b)), utf8.Valid(b)
		}
	}
	out = append(out, '"')
	out = append(out, b...)
	return append(out, '"'), true
}

// unionMistaken reports a union value whose JSON the encoder would take
// for an earlier branch: a NaN or an infinity (a JSON string) after a
// branch written as a string, or a string reading as one after a float.
func unionMistaken(n *anode, taken int, js []byte) bool {
	k := n.branches[taken].kind
	if len(js) == 0 || js[0] != '"' {
		return false
	}
	for _, b := range n.branches[:taken] {
		switch {
		case (k == aFloat || k == aDouble) && jsonClass(b.kind) == 's':
			return true
		case (b.kind == aFloat || b.kind == aDouble) && k == aString:
			var s string
			if json.Unmarshal(js, &s) == nil {
				if f, err := strconv.ParseFloat(s, 64); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
					return true
				}
			}
		}
	}
	return false
}

// minimalTwos reports a two's complement number in the fewest bytes, as
// the encoder writes a bytes decimal.
func minimalTwos(b []byte) bool {
	switch {
	case len(b) == 0:
		return false
	case len(b) == 1:
		return true
	}
	return !(b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0)
}

// plainASCII holds the bytes a JSON string takes as they are: printable
// ASCII but for '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func appendBase64(out, b []byte) []byte {
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, b)
	return append(out, '"')
}

// decimalString renders a big-endian two's complement unscaled value with
// scale digits after the point, exactly.
func decimalString(b []byte, scale int) string {
	return string(appendDecimal(nil, b, scale))
}

// appendDecimal appends decimalString(b, scale) to out; an unscaled value
// of up to 8 bytes takes no allocation.
func appendDecimal(out, b []byte, scale int) []byte {
	if len(b) > 0 && len(b) <= 8 {
		var u uint64
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
		shift := uint(64 - 8*len(b))
		v := int64(u<<shift) >> shift
		var digits [24]byte
		d := strconv.AppendInt(digits[:0], v, 10)
		if v < 0 {
			out, d = append(out, '-'), d[1:]
		}
		if scale <= 0 {
			return append(out, d...)
		}
		if len(d) <= scale {
			out = append(out, '0', '.')
			for i := len(d); i < scale; i++ {
				out = append(out, '0')
			}
			return append(out, d...)
		}
		out = append(out, d[:len(d)-scale]...)
		out = append(out, '.')
		return append(out, d[len(d)-scale:]...)
	}
	return append(out, bigDecimalString(b, scale)...)
}

// bigDecimalString is decimalString for any length of b.
func bigDecimalString(b []byte, scale int) string {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return scaleDigits(v.String(), scale)
}

// scaleDigits puts the point scale digits from the right of an integer.
func scaleDigits(s string, scale int) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// appendClock appends a time of day; one outside the day (or the range
// of a Duration) as the number it is written as (raw), which encodes back.
func appendClock(out []byte, raw, nanos int64, digits int) []byte {
	t := time.Unix(0, nanos).UTC()
	layout := "15:04:05.000"
	if digits == 6 {
		layout = "15:04:05.000000"
	}
	if nanos < 0 || nanos >= int64(24*time.Hour) || raw > math.MaxInt64/int64(time.Millisecond) || raw < 0 {
		return strconv.AppendInt(out, raw, 10)
	}
	return append(t.AppendFormat(append(out, '"'), layout), '"')
}

// writableYear reports a time whose year has the four digits a date or
// timestamp is written and parsed with (0000 to 9999). A date or timestamp
// beyond them (a long holds years from -292 million to 292 million) is
// written as the number it is stored as, which encodes back exactly.
func writableYear(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y <= 9999
}

func appendStamp(out []byte, t time.Time, layout string, zone bool) []byte {
	out = append(out, '"')
	if y := t.Year(); y >= 0 && y <= 9999 {
		out = appendStampDigits(out, t, len(layout)-len("2006-01-02T15:04:05."))
	} else {
		out = t.AppendFormat(out, layout)
	}
	if zone {
		out = append(out, 'Z')
	}
	return append(out, '"')
}

// appendStampDigits appends t (UTC, year 0 to 9999) as
// t.AppendFormat(out, "2006-01-02T15:04:05.000") does, with frac digits
// of the second (3 or 6), without parsing the layout.
func appendStampDigits(out []byte, t time.Time, frac int) []byte {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	out = append(out, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+sec/10), byte('0'+sec%10), '.')
	ns := t.Nanosecond()
	for div := 100000000; frac > 0; frac, div = frac-1, div/10 {
		out = append(out, byte('0'+ns/div%10))
	}
	return out
}

func appendUUID(out, b []byte) []byte {
	const hex = "0123456789abcdef"
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return out
}

// Encode writes doc (JSON as Decode renders it) as an Avro body. It reads
// the document once and writes each value once, so its cost grows with the
// document's size however deep it nests, and it stops with ctx's error
// when ctx ends.
func (s *avroSchema) Encode(ctx context.Context, doc []byte, sel Selector) ([]byte, error) {
	out, _, err := s.encode(ctx, doc, sel)
	return out, err
}

// encode is Encode that also counts the values it wrote or tried.
func (s *avroSchema) encode(ctx context.Context, doc []byte, sel Selector) ([]byte, int, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	v, err := parseOrdered(d, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("the document is not JSON: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, 0, errors.New("the document is not JSON: more than one value")
	}
	w := awriter{ctx: ctx, sized: sel.SizedBlocks, b: make([]byte, 0, len(doc)/2+16)}
	if len(sel.Branches) > 0 {
		w.hints = make(map[string]int, len(sel.Branches))
		for _, b := range sel.Branches {
			w.hints[b.Path] = b.Branch
		}
	}
	if err := w.value(s.root, v, 0); err != nil {
		if stop := w.stopped(); stop != nil {
			return nil, w.visits, stop
		}
		return nil, w.visits, err
	}
	return w.bytes(), w.visits, nil
}

// awriter writes a document's values as Avro. Paths are built only for
// an error, step by step as it returns (within), and where the reader kept
// union branches (hints), as the current path in path.
type awriter struct {
	ctx    context.Context
	b      []byte
	hints  map[string]int // union branches by path, from the decode
	path   []byte         // the path written at, kept only with hints
	sized  bool           // blocks carry their sizes in bytes (negative counts)
	visits int            // values written or tried
	// heads are the sized blocks' counts and sizes, known when a block
	// ends and put in place once at the end (bytes), so that nested
	// blocks are not moved once per level; headBytes is their length.
	heads     []blockHead
	headBytes int
	// dry says the value is only tried (does it fit?); memo keeps whether
	// a record or map type fits an object, so that trying union branches
	// walks each object once per type (nil until a union needs trials).
	dry  bool
	memo map[fitKey]error
}

// blockHead is a sized block's count and size, to go at offset at of
// the written bytes; seq orders heads at one offset (the outer block's,
// ended later, goes first).
type blockHead struct {
	at, seq int
	b       []byte
}

// fitKey is a type and an object of the document.
type fitKey struct {
	n *anode
	o *object
}

// wmark is where a writer was, to go back to when a try fails.
type wmark struct{ b, heads, headBytes, path int }

func (w *awriter) mark() wmark { return wmark{len(w.b), len(w.heads), w.headBytes, len(w.path)} }

func (w *awriter) reset(m wmark) {
	w.b, w.heads, w.headBytes, w.path = w.b[:m.b], w.heads[:m.heads], m.headBytes, w.path[:m.path]
}

// stopped is the error of an encode whose context ended (nil otherwise).
func (w *awriter) stopped() error {
	if w.ctx == nil || w.ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("encoding stopped: %w", w.ctx.Err())
}

// bytes is what was written, the sized blocks' heads in place.
func (w *awriter) bytes() []byte {
	if len(w.heads) == 0 {
		return w.b
	}
	sort.Slice(w.heads, func(i, j int) bool {
		a, b := w.heads[i], w.heads[j]
		return a.at < b.at || a.at == b.at && a.seq > b.seq
	})
	out := make([]byte, 0, len(w.b)+w.headBytes)
	prev := 0
	for _, h := range w.heads {
		out = append(append(out, w.b[prev:h.at]...), h.b...)
		prev = h.at
	}
	return append(out, w.b[prev:]...)
}

// pushField, pushIndex and pushKey enter a field, an index or a map key
// of the path (kept only with hints); pop leaves it for the mark they
// returned.
func (w *awriter) pushField(name string) int {
	m := len(w.path)
	if w.hints != nil {
		if m > 0 {
			w.path = append(w.path, '.')
		}
		w.path = append(w.path, name...)
	}
	return m
}

func (w *awriter) pushIndex(i int) int {
	m := len(w.path)
	if w.hints != nil {
		w.path = append(strconv.AppendInt(append(w.path, '['), int64(i), 10), ']')
	}
	return m
}

func (w *awriter) pushKey(k string) int {
	m := len(w.path)
	if w.hints != nil {
		w.path = append(strconv.AppendQuote(append(w.path, '['), k), ']')
	}
	return m
}

func (w *awriter) pop(m int) { w.path = w.path[:m] }

// block writes one block of count items (items writes them) and the
// closing zero: counted, or with its size when w.sized.
func (w *awriter) block(count int, items func() error) error {
	if count > 0 {
		if !w.sized {
			w.b = binary.AppendVarint(w.b, int64(count))
			if err := items(); err != nil {
				return err
			}
		} else {
			start, inner := len(w.b), w.headBytes
			if err := items(); err != nil {
				return err
			}
			size := len(w.b) - start + w.headBytes - inner
			head := binary.AppendVarint(binary.AppendVarint(nil, -int64(count)), int64(size))
			w.heads = append(w.heads, blockHead{at: start, seq: len(w.heads), b: head})
			w.headBytes += len(head)
		}
	}
	w.b = append(w.b, 0)
	return nil
}

// record writes o's fields as record n.
func (w *awriter) record(n *anode, o *object, depth int) error {
	for _, k := range o.keys {
		if _, ok := n.index[k]; !ok {
			return wfailAt(k, "%s has no such field", n.name)
		}
	}
	for i := range n.fields {
		f := &n.fields[i]
		fv, ok := o.vals[f.name]
		if !ok && !f.node.nullable() {
			return wfailAt(f.name, "missing")
		}
		mark := w.pushField(f.name)
		if err := w.value(f.node, fv, depth+1); err != nil {
			return within(err, f.name)
		}
		w.pop(mark)
	}
	return nil
}

// memoised writes object o as n with write, or, trying (dry) whether it
// fits and known to, does nothing; it keeps the answer once unions try
// branches.
func (w *awriter) memoised(n *anode, o *object, write func() error) error {
	if w.memo == nil {
		return write()
	}
	key := fitKey{n, o}
	if err, ok := w.memo[key]; ok && (err != nil || w.dry) {
		return copyFieldError(err)
	}
	err := write()
	if w.stopped() == nil {
		w.memo[key] = copyFieldError(err)
	}
	return err
}

// copyFieldError is err, a *fieldError copied (its path grows as it
// returns: a kept one is handed out as a copy).
func copyFieldError(err error) error {
	if fe, ok := err.(*fieldError); ok {
		c := *fe
		return &c
	}
	return err
}

// wfail is a problem with the value being written; the callers prefix
// its path as it returns (within).
func wfail(format string, a ...any) error {
	return &fieldError{reason: fmt.Errorf(format, a...)}
}

// wfailAt is wfail at field name of the value being written.
func wfailAt(name string, format string, a ...any) error {
	return &fieldError{path: name, reason: fmt.Errorf(format, a...)}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// valuesPerLook is how many values an encode writes between looks at its
// context.
const valuesPerLook = 1024

func (w *awriter) value(n *anode, v any, depth int) error {
	if depth > maxAvroDepth {
		return wfail("nested too deep")
	}
	if w.visits++; w.visits%valuesPerLook == 1 { // the first value, and every valuesPerLook
		if err := w.stopped(); err != nil {
			return err
		}
	}
	switch n.kind {
	case aNull:
		if v != nil {
			return wfail("want null, have %s", jsonKind(v))
		}
		return nil
	case aBool:
		b, ok := v.(bool)
		if !ok {
			return wfail("want a boolean, have %s", jsonKind(v))
		}
		if b {
			w.b = append(w.b, 1)
		} else {
			w.b = append(w.b, 0)
		}
		return nil
	case aInt, aLong:
		num, ok := v.(json.Number)
		if !ok {
			return wfail("want an integer, have %s", jsonKind(v))
		}
		i, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil {
			return wfail("want an integer, have %s", num)
		}
		if n.kind == aInt && (i < math.MinInt32 || i > math.MaxInt32) {
			return wfail("%d does not fit an int", i)
		}
		w.b = binary.AppendVarint(w.b, i)
		return nil
	case aFloat, aDouble:
		var f float64
		switch t := v.(type) {
		case json.Number:
			var err error
			if f, err = strconv.ParseFloat(string(t), 64); err != nil {
				return wfail("want a number, have %s", t)
			}
		case string: // NaN, Inf as Decode writes them
			var err error
			if f, err = strconv.ParseFloat(t, 64); err != nil || !(math.IsNaN(f) || math.IsInf(f, 0)) {
				return wfail("want a number, have a string")
			}
		default:
			return wfail("want a number, have %s", jsonKind(v))
		}
		switch {
		case n.kind == aFloat && math.IsNaN(f):
			w.b = binary.LittleEndian.AppendUint32(w.b, canonicalNaN32())
		case n.kind == aFloat:
			w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(float32(f)))
		case math.IsNaN(f):
			w.b = binary.LittleEndian.AppendUint64(w.b, canonicalNaN64())
		default:
			w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f))
		}
		return nil
	case aBytes, aFixed:
		str, ok := v.(string)
		if !ok {
			return wfail("want base64 bytes, have %s", jsonKind(v))
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return wfail("not base64: %v", err)
		}
		if n.kind == aFixed {
			if len(b) != n.size {
				return wfail("fixed of %d bytes, have %d", n.size, len(b))
			}
			w.b = append(w.b, b...)
			return nil
		}
		w.b = binary.AppendVarint(w.b, int64(len(b)))
		w.b = append(w.b, b...)
		return nil
	case aString:
		str, ok := v.(string)
		if !ok {
			return wfail("want a string, have %s", jsonKind(v))
		}
		if n.uuid {
			if err := checkUUID(str); err != nil {
				return wfail("%v", err)
			}
		}
		w.b = binary.AppendVarint(w.b, int64(len(str)))
		w.b = append(w.b, str...)
		return nil
	case aRecord:
		o, ok := v.(*object)
		if !ok {
			return wfail("want a %s record, have %s", n.name, jsonKind(v))
		}
		return w.memoised(n, o, func() error { return w.record(n, o, depth) })
	case aEnum:
		str, ok := v.(string)
		if !ok {
			return wfail("want one of %s, have %s", strings.Join(n.symbols, ", "), jsonKind(v))
		}
		for i, s := range n.symbols {
			if s == str {
				w.b = binary.AppendVarint(w.b, int64(i))
				return nil
			}
		}
		return wfail("%q is not one of %s", str, strings.Join(n.symbols, ", "))
	case aArray:
		arr, ok := v.([]any)
		if !ok {
			return wfail("want an array, have %s", jsonKind(v))
		}
		return w.block(len(arr), func() error {
			for i, e := range arr {
				mark := w.pushIndex(i)
				if err := w.value(n.items, e, depth+1); err != nil {
					return within(err, "["+strconv.Itoa(i)+"]")
				}
				w.pop(mark)
			}
			return nil
		})
	case aMap:
		o, ok := v.(*object)
		if !ok {
			return wfail("want a map, have %s", jsonKind(v))
		}
		return w.memoised(n, o, func() error {
			return w.block(len(o.vals), func() error {
				for _, k := range o.keys { // in the document's order, which is the order they were read in
					w.b = binary.AppendVarint(w.b, int64(len(k)))
					w.b = append(w.b, k...)
					mark := w.pushKey(k)
					if err := w.value(n.items, o.vals[k], depth+1); err != nil {
						return within(err, "["+strconv.Quote(k)+"]")
					}
					w.pop(mark)
				}
				return nil
			})
		})
	case aUnion:
		// The branch the decoded value took if it still fits, else the
		// first branch the value fits.
		skip := -1
		var skipErr error
		if h, ok := w.hints[string(w.path)]; ok && h >= 0 && h < len(n.branches) {
			m := w.mark()
			w.b = binary.AppendVarint(w.b, int64(h))
			err := w.value(n.branches[h], v, depth+1)
			if err == nil {
				return nil
			}
			w.reset(m)
			if stop := w.stopped(); stop != nil {
				return stop
			}
			skip, skipErr = h, err
		}
		return w.unionBranches(n, v, depth, skip, skipErr)
	case aDecimal:
		str, ok := v.(string)
		if !ok {
			if num, isNum := v.(json.Number); isNum {
				str = string(num)
			} else {
				return wfail("want a decimal string, have %s", jsonKind(v))
			}
		}
		b, err := decimalBytes(str, n.scale, n.size, n.prec)
		if err != nil {
			return wfail("%v", err)
		}
		if n.size == 0 {
			w.b = binary.AppendVarint(w.b, int64(len(b)))
		}
		w.b = append(w.b, b...)
		return nil
	case aDate:
		if num, ok := v.(json.Number); ok { // beyond the years of four digits, as Decode writes it
			i, err := strconv.ParseInt(string(num), 10, 32)
			if err != nil {
				return wfail("want a date YYYY-MM-DD or a number of days, have %s", num)
			}
			w.b = binary.AppendVarint(w.b, i)
			return nil
		}
		t, err := parseTimeField(v, "2006-01-02")
		if err != nil {
			return wfail("want a date YYYY-MM-DD: %v", err)
		}
		w.b = binary.AppendVarint(w.b, t.Unix()/86400)
		return nil
	case aTimeMillis, aTimeMicros:
		if num, ok := v.(json.Number); ok { // outside the day, as Decode writes it
			i, err := strconv.ParseInt(string(num), 10, 64)
			if err != nil || n.kind == aTimeMillis && (i < math.MinInt32 || i > math.MaxInt32) {
				return wfail("want a time HH:MM:SS.fff or an integer, have %s", num)
			}
			w.b = binary.AppendVarint(w.b, i)
			return nil
		}
		t, err := parseTimeField(v, "15:04:05.999999999")
		if err != nil {
			return wfail("want a time HH:MM:SS.fff: %v", err)
		}
		d := t.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
		if n.kind == aTimeMillis {
			w.b = binary.AppendVarint(w.b, d.Milliseconds())
		} else {
			w.b = binary.AppendVarint(w.b, d.Microseconds())
		}
		return nil
	case aTimestampMillis, aTimestampMicros, aLocalTimestampMillis, aLocalTimestampMicros:
		if num, ok := v.(json.Number); ok { // beyond the years of four digits, as Decode writes it
			i, err := strconv.ParseInt(string(num), 10, 64)
			if err != nil {
				return wfail("want a timestamp or an integer, have %s", num)
			}
			w.b = binary.AppendVarint(w.b, i)
			return nil
		}
		layout := time.RFC3339Nano
		if n.kind == aLocalTimestampMillis || n.kind == aLocalTimestampMicros {
			layout = "2006-01-02T15:04:05.999999999"
		}
		t, err := parseTimeField(v, layout)
		if err != nil {
			return wfail("want a timestamp %s: %v", layout, err)
		}
		if n.kind == aTimestampMillis || n.kind == aLocalTimestampMillis {
			w.b = binary.AppendVarint(w.b, t.UnixMilli())
		} else {
			w.b = binary.AppendVarint(w.b, t.UnixMicro())
		}
		return nil
	case aTimestampNanos, aLocalTimestampNanos:
		if num, ok := v.(json.Number); ok {
			i, err := strconv.ParseInt(string(num), 10, 64)
			if err != nil {
				return wfail("want a timestamp or an integer, have %s", num)
			}
			w.b = binary.AppendVarint(w.b, i)
			return nil
		}
		layout := time.RFC3339Nano
		if n.kind == aLocalTimestampNanos {
			layout = "2006-01-02T15:04:05.999999999"
		}
		t, err := parseTimeField(v, layout)
		if err != nil {
			return wfail("want a timestamp %s: %v", layout, err)
		}
		if t.Before(minNanosTime()) || t.After(maxNanosTime()) {
			return wfail("timestamp %s is outside what nanoseconds since 1970 in a long hold (%s to %s)", t.Format(layout), minNanosTime().Format(time.RFC3339Nano), maxNanosTime().Format(time.RFC3339Nano))
		}
		w.b = binary.AppendVarint(w.b, t.UnixNano())
		return nil
	case aUUIDFixed:
		str, ok := v.(string)
		if !ok {
			return wfail("want a UUID string, have %s", jsonKind(v))
		}
		h := str
		if len(str) != 32 { // 32 hex digits without hyphens are taken too
			if err := checkUUID(str); err != nil {
				return wfail("%v", err)
			}
			h = strings.ReplaceAll(str, "-", "")
		}
		for i := 0; i < 32; i += 2 {
			x, err := strconv.ParseUint(h[i:i+2], 16, 8)
			if err != nil {
				return wfail("%q is not a UUID: %q is not hexadecimal", str, h[i:i+2])
			}
			w.b = append(w.b, byte(x))
		}
		return nil
	case aDuration:
		o, ok := v.(*object)
		if !ok {
			return wfail("want {months, days, milliseconds}, have %s", jsonKind(v))
		}
		obj := o.vals
		for _, k := range []string{"months", "days", "milliseconds"} {
			num, _ := obj[k].(json.Number)
			u, err := strconv.ParseUint(string(num), 10, 32)
			if err != nil {
				return wfailAt(k, "want an unsigned 32-bit integer")
			}
			w.b = binary.LittleEndian.AppendUint32(w.b, uint32(u))
		}
		return nil
	}
	return wfail("unknown type kind %d", n.kind)
}

// checkUUID says why s is not a UUID in its text form: 32 hexadecimal
// digits in groups of 8, 4, 4, 4 and 12 joined by hyphens (nil when it is).
func checkUUID(s string) error {
	if len(s) != 36 {
		return fmt.Errorf("%q is not a UUID: %d characters, want 36 (8-4-4-4-12 hexadecimal digits)", shortText(s), utf8.RuneCountInString(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return fmt.Errorf("%q is not a UUID: want a hyphen at character %d", s, i+1)
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return fmt.Errorf("%q is not a UUID: character %d is not a hexadecimal digit", s, i+1)
		}
	}
	return nil
}

// shortText is s, cut after 40 characters.
func shortText(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// object is a JSON object with its keys in the document's order (a key
// given twice is kept once, with its last value, as encoding/json does).
type object struct {
	keys []string
	vals map[string]any
}

// parseOrdered reads one JSON value from d (UseNumber set): objects as
// *object, arrays as []any, numbers as json.Number.
func parseOrdered(d *json.Decoder, depth int) (any, error) {
	if depth > maxAvroDepth {
		return nil, errors.New("nested too deep")
	}
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := &object{vals: map[string]any{}}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := parseOrdered(d, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[k]; !dup {
				o.keys = append(o.keys, k)
			}
			o.vals[k] = v
		}
		if _, err := d.Token(); err != nil {
			return nil, err
		}
		return o, nil
	case json.Delim('['):
		arr := []any{}
		for d.More() {
			v, err := parseOrdered(d, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := d.Token(); err != nil {
			return nil, err
		}
		return arr, nil
	}
	return t, nil
}

func (n *anode) nullable() bool {
	if n.kind == aNull {
		return true
	}
	if n.kind == aUnion {
		for _, b := range n.branches {
			if b.kind == aNull {
				return true
			}
		}
	}
	return false
}

func parseTimeField(v any, layout string) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("have %s", jsonKind(v))
	}
	return time.Parse(layout, s)
}

// decimalBytes is decimalString's inverse: the two's complement bytes of
// the unscaled value (size bytes for a fixed, the fewest otherwise).
func decimalBytes(s string, scale, size, prec int) ([]byte, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(digits, ".")
	if len(frac) > scale {
		if strings.TrimRight(frac[scale:], "0") != "" {
			return nil, fmt.Errorf("%s has more than %d digits after the point", capDigits(s), scale)
		}
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	v, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok || whole+frac == "" {
		return nil, fmt.Errorf("%q is not a decimal", capDigits(s))
	}
	if prec > 0 && len(strings.TrimLeft(whole+frac, "0")) > prec {
		return nil, fmt.Errorf("%s has more than %d digits", capDigits(s), prec)
	}
	if neg {
		v.Neg(v)
	}
	bl := v.BitLen()
	if v.Sign() < 0 {
		bl = new(big.Int).Not(v).BitLen() // -v-1
	}
	n := bl/8 + 1 // room for the sign bit
	if size > 0 {
		if n > size {
			return nil, fmt.Errorf("%s does not fit %d bytes", capDigits(s), size)
		}
		n = size
	}
	out := make([]byte, n)
	if v.Sign() >= 0 {
		v.FillBytes(out)
		return out, nil
	}
	// two's complement: 2^(8n) + v
	m := new(big.Int).Lsh(big.NewInt(1), uint(n*8))
	m.Add(m, v)
	m.FillBytes(out)
	return out, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any, *object:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
