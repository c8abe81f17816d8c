package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// protoDecimal is the full name of Confluent's decimal message
// (confluent/type/decimal.proto): bytes value (the big-endian two's
// complement unscaled value), uint32 precision, int32 scale.
const protoDecimal = "confluent.type.Decimal"

// hasDecimal reports a message that holds a confluent.type.Decimal at any
// depth, so that only those documents are walked again.
func hasDecimal(md protoreflect.MessageDescriptor) bool {
	return decimalWithin(md, map[protoreflect.FullName]bool{})
}

func decimalWithin(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if md.FullName() == protoDecimal {
		return true
	}
	if seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fs := md.Fields()
	for i := 0; i < fs.Len(); i++ {
		f := fs.Get(i)
		if f.IsMap() {
			f = f.MapValue()
		}
		if m := f.Message(); m != nil && decimalWithin(m, seen) {
			return true
		}
	}
	return false
}

// fieldFor finds the field a protojson key names (the proto name, as the
// decoder writes it, or the JSON name, as an edit may).
func fieldFor(md protoreflect.MessageDescriptor, key string) protoreflect.FieldDescriptor {
	fs := md.Fields()
	if f := fs.ByName(protoreflect.Name(key)); f != nil {
		return f
	}
	return fs.ByJSONName(key)
}

// decimalsToStrings rewrites, in a compact protojson document of md, each
// confluent.type.Decimal object ({"value":base64,"precision":p,"scale":s})
// as its exact decimal string ("-1234.50"), everything else byte for byte.
func decimalsToStrings(doc []byte, md protoreflect.MessageDescriptor) ([]byte, error) {
	return walkDecimals(doc, md, func(raw json.RawMessage) ([]byte, error) {
		var d struct {
			Value     []byte          `json:"value"`
			Precision uint32          `json:"precision"`
			Scale     json.RawMessage `json:"scale"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		scale := 0
		if len(d.Scale) > 0 {
			var err error // protojson writes an int32 as a number
			if scale, err = strconv.Atoi(string(d.Scale)); err != nil {
				return nil, fmt.Errorf("decimal scale %s: %w", capDigits(string(d.Scale)), err)
			}
		}
		var s string
		if len(d.Value) == 0 {
			s = scaleDigits("0", max(scale, 0))
		} else {
			s = protoDecimalString(d.Value, scale)
		}
		if d.Precision > 0 && significantDigits([]byte(s)) > int(d.Precision) {
			return nil, fmt.Errorf("%s has %d digits, more than the precision %d", capDigits(s), significantDigits([]byte(s)), d.Precision)
		}
		return strconv.AppendQuote(nil, s), nil
	})
}

// protoDecimalString renders an unscaled two's complement value with
// scale (negative: zeros appended) exactly.
func protoDecimalString(b []byte, scale int) string {
	if scale >= 0 {
		return decimalString(b, scale)
	}
	v := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return v.String() + strings.Repeat("0", -scale)
}

// stringsToDecimals is decimalsToStrings' inverse for an edited document:
// a decimal string becomes {"value","precision","scale"} again, scale the
// digits after its point and precision its digits; an object is kept.
func stringsToDecimals(doc []byte, md protoreflect.MessageDescriptor) ([]byte, error) {
	return walkDecimals(doc, md, func(raw json.RawMessage) ([]byte, error) {
		t := bytes.TrimSpace(raw)
		if len(t) == 0 || t[0] == '{' || string(t) == "null" {
			return raw, nil
		}
		var s string
		if t[0] == '"' {
			if err := json.Unmarshal(t, &s); err != nil {
				return nil, err
			}
		} else {
			s = string(t) // a number: its text is the decimal
		}
		_, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
		b, err := decimalBytes(s, len(frac), 0, 0)
		if err != nil {
			return nil, err
		}
		digits := max(len(strings.TrimLeft(strings.NewReplacer("-", "", "+", "", ".", "").Replace(s), "0")), 1)
		out := []byte(`{"value":"`)
		out = base64.StdEncoding.AppendEncode(out, b)
		out = append(out, `","precision":`...)
		out = strconv.AppendInt(out, int64(digits), 10)
		out = append(out, `,"scale":`...)
		out = strconv.AppendInt(out, int64(len(frac)), 10)
		return append(out, '}'), nil
	})
}

// walkDecimals copies the JSON document of md, replacing the value of each
// field whose type is confluent.type.Decimal (alone, repeated or a map's
// value) with what conv makes of it.
func walkDecimals(doc []byte, md protoreflect.MessageDescriptor, conv func(json.RawMessage) ([]byte, error)) ([]byte, error) {
	if md.FullName() == protoDecimal {
		return conv(doc)
	}
	t := bytes.TrimSpace(doc)
	if len(t) == 0 || t[0] != '{' {
		return doc, nil // null, or a well-known type's own form
	}
	var fields []struct {
		key string
		raw json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("an object key is not a string")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		fields = append(fields, struct {
			key string
			raw json.RawMessage
		}{k, raw})
	}
	out := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(jsonenc.AppendStringUnescapedHTML(out, f.key), ':')
		fd := fieldFor(md, f.key)
		v := []byte(f.raw)
		if fd != nil {
			var err error
			if v, err = walkField(f.raw, fd, conv); err != nil {
				return nil, &fieldError{path: f.key, reason: err}
			}
		}
		out = append(out, v...)
	}
	return append(out, '}'), nil
}

// walkField is walkDecimals for one field's value.
func walkField(raw json.RawMessage, fd protoreflect.FieldDescriptor, conv func(json.RawMessage) ([]byte, error)) ([]byte, error) {
	elem := fd
	if fd.IsMap() {
		elem = fd.MapValue()
	}
	m := elem.Message()
	if m == nil || !hasDecimal(m) {
		return raw, nil
	}
	t := bytes.TrimSpace(raw)
	switch {
	case fd.IsMap() && len(t) > 0 && t[0] == '{':
		var entries map[string]json.RawMessage // keys are re-sorted; protojson sorts map keys too
		if err := json.Unmarshal(t, &entries); err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(entries))
		for k := range entries {
			keys = append(keys, k)
		}
		sortStrings(keys)
		out := []byte{'{'}
		for i, k := range keys {
			if i > 0 {
				out = append(out, ',')
			}
			v, err := walkDecimals(entries[k], m, conv)
			if err != nil {
				return nil, fmt.Errorf("[%s]: %w", k, err)
			}
			out = append(append(jsonenc.AppendStringUnescapedHTML(out, k), ':'), v...)
		}
		return append(out, '}'), nil
	case fd.IsList() && len(t) > 0 && t[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(t, &items); err != nil {
			return nil, err
		}
		out := []byte{'['}
		for i, it := range items {
			if i > 0 {
				out = append(out, ',')
			}
			v, err := walkDecimals(it, m, conv)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, v...)
		}
		return append(out, ']'), nil
	}
	return walkDecimals(raw, m, conv)
}
