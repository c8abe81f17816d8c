// Package msgdiff compares two messages field by field: where they are,
// their keys, headers, broker properties, and their values (JSON values
// and values decoded with a schema field by field along their paths, text
// line by line).
package msgdiff

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// maxRows bounds a diff (a value with more fields is cut).
const maxRows = 5000

// previewText bounds the text of a value shown whole in one row.
const previewText = 4096

// Change says how a field differs.
type Change int

const (
	// Same is a field both messages hold alike.
	Same Change = iota
	// Changed is a field both hold, differently.
	Changed
	// Added is a field only the right message holds.
	Added
	// Removed is a field only the left message holds.
	Removed
)

// Mark is the change's one-character sign.
func (c Change) Mark() string {
	return [...]string{"=", "≠", "+", "-"}[c]
}

// String names the change.
func (c Change) String() string {
	return [...]string{"same", "changed", "added", "removed"}[c]
}

// MarshalText writes the change's name (in JSON output).
func (c Change) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Row is one field of the comparison.
type Row struct {
	Section string `json:"section"` // "message", "headers", "properties", "value"
	Field   string `json:"field"`
	Left    string `json:"left"`
	Right   string `json:"right"`
	Change  Change `json:"change"`
	// LeftNull and RightNull say a side's header has no value at all
	// (null), which Left and Right, "" for it, do not tell from an empty one.
	LeftNull  bool `json:"left_null,omitempty"`
	RightNull bool `json:"right_null,omitempty"`
	// Note says in words what the row alone does not: on the "(bytes)"
	// row, that the decoded fields are equal but the bytes are not.
	Note string `json:"note,omitempty"`
}

// BytesField is the field of the row that says two values whose fields
// compare equal differ in their bytes.
const BytesField = "(bytes)"

// Notes are the notes of rows that carry one, as "section: note".
func Notes(rows []Row) []string {
	var out []string
	for _, r := range rows {
		if r.Note != "" {
			out = append(out, r.Section+": "+r.Note)
		}
	}
	return out
}

// Messages compares a (left) with b (right).
func Messages(a, b *sources.Message) []Row { return MessagesDecoded(a, b, nil, nil) }

// Schematic reports whether d is a value decoded with a schema (a registry
// or a local one) into a document.
func Schematic(d *schema.Decoded) bool {
	return d != nil && d.Err == nil && d.JSON != nil && d.Ref.Origin != schema.OriginContent
}

// Decode decodes m's value with dec when it is schema-framed (registry or
// local schema); nil otherwise. It may ask the registry: call it where
// I/O is allowed.
func Decode(ctx context.Context, dec *schema.Decoder, m *sources.Message) *schema.Decoded {
	if dec == nil {
		return nil
	}
	c := dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	if c.Origin == schema.OriginContent {
		return nil
	}
	d := dec.Decode(ctx, c)
	return &d
}

// MessagesDecoded compares a with b; when both values decoded with a
// schema (da and db, from schema.Decoder), the values are compared by the
// decoded documents' fields along their paths, after a row naming each
// side's schema ("avro id 103 payments.avro-value v3 Payment").
func MessagesDecoded(a, b *sources.Message, da, db *schema.Decoded) []Row {
	var rows []Row
	add := func(section, field string, l, r *string) {
		if len(rows) >= maxRows {
			return
		}
		row := Row{Section: section, Field: field}
		switch {
		case l == nil && r == nil:
			return
		case l == nil:
			row.Right, row.Change = *r, Added
		case r == nil:
			row.Left, row.Change = *l, Removed
		default:
			row.Left, row.Right = *l, *r
			if *l != *r {
				row.Change = Changed
			}
		}
		rows = append(rows, row)
	}
	str := func(s string) *string { return &s }
	add("message", "stream", str(a.Stream), str(b.Stream))
	add("message", "position", str(a.Where()), str(b.Where()))
	add("message", "timestamp", str(a.Timestamp.UTC().Format("2006-01-02 15:04:05.000Z")), str(b.Timestamp.UTC().Format("2006-01-02 15:04:05.000Z")))
	add("message", "key", bytesOrNil(a.Key), bytesOrNil(b.Key))

	la, lb := headerFields(a.Headers), headerFields(b.Headers)
	na, nb := nullHeaders(a.Headers), nullHeaders(b.Headers)
	for _, k := range unionKeys(la, lb) {
		at := len(rows)
		add("headers", k, la[k], lb[k])
		if at < len(rows) && (na[k] || nb[k]) {
			r := &rows[at]
			r.LeftNull, r.RightNull = na[k] && la[k] != nil, nb[k] && lb[k] != nil
			if r.Change == Same && r.LeftNull != r.RightNull {
				r.Change = Changed // null against ""
			}
		}
	}
	pa, pb := propertyFields(a.Properties), propertyFields(b.Properties)
	for _, k := range unionKeys(pa, pb) {
		add("properties", k, pa[k], pb[k])
	}
	va, vb := a.Value, b.Value
	if Schematic(da) && Schematic(db) {
		add("value", "(schema)", str(da.Ref.String()), str(db.Ref.String()))
		va, vb = da.JSON, db.JSON
	}
	ja, aJSON := flattenJSON(va)
	jb, bJSON := flattenJSON(vb)
	switch {
	case aJSON && bJSON:
		from, differ := len(rows), false
		for _, k := range unionKeys(ja, jb) {
			add("value", k, ja[k], jb[k])
		}
		for _, r := range rows[from:] {
			differ = differ || r.Change != Same
		}
		if !differ && !bytes.Equal(a.Value, b.Value) && len(rows) < maxRows {
			rows = append(rows, bytesRow(a.Value, b.Value))
		}
	case bytes.Equal(a.Value, b.Value):
		add("value", "value", str(hexPreview(a.Value)), str(hexPreview(b.Value)))
	case utf8.Valid(a.Value) && utf8.Valid(b.Value):
		la, lb := strings.Split(string(a.Value), "\n"), strings.Split(string(b.Value), "\n")
		for i := 0; i < max(len(la), len(lb)); i++ {
			var l, r *string
			if i < len(la) {
				l = &la[i]
			}
			if i < len(lb) {
				r = &lb[i]
			}
			add("value", "line "+strconv.Itoa(i+1), l, r)
		}
	default:
		add("value", "value", str(hexPreview(a.Value)), str(hexPreview(b.Value)))
	}
	return rows
}

// bytesRow is the row for two values whose fields compare equal and
// whose bytes do not: each side's size and its bytes from the first that
// differs.
func bytesRow(a, b []byte) Row {
	d := schema.DiffBytes(a, b)
	side := func(v []byte) string {
		s := fmt.Sprintf("%d bytes", len(v))
		if d.Offset < len(v) {
			w := v[d.Offset:min(d.Offset+16, len(v))]
			s += fmt.Sprintf("; from offset %d: %s", d.Offset, hex.EncodeToString(w))
			if d.Offset+16 < len(v) {
				s += "…"
			}
		}
		return s
	}
	return Row{Section: "value", Field: BytesField, Left: side(a), Right: side(b), Change: Changed,
		Note: "decoded fields equal; bytes differ (" + d.String() + ")"}
}

// Differences counts the rows that are not Same.
func Differences(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Change != Same {
			n++
		}
	}
	return n
}

func bytesOrNil(b []byte) *string {
	if b == nil {
		return nil
	}
	s := text(b)
	return &s
}

// text is b as text, or hex when it is not UTF-8.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return "⟨hex⟩ " + hex.EncodeToString(b)
}

// hexPreview is a value as text (the start of it), or the start of its
// hex form when it is not UTF-8.
func hexPreview(b []byte) string {
	if utf8.Valid(b) {
		if len(b) > previewText {
			cut := previewText
			for cut > 0 && !utf8.RuneStart(b[cut]) {
				cut--
			}
			return string(b[:cut]) + "…"
		}
		return string(b)
	}
	if len(b) > 32 {
		return fmt.Sprintf("⟨hex⟩ %s… (%d bytes)", hex.EncodeToString(b[:32]), len(b))
	}
	return "⟨hex⟩ " + hex.EncodeToString(b)
}

// headerFields keys headers by name; a repeated name gets [1], [2]...
func headerFields(hs []sources.Header) map[string]*string {
	out := map[string]*string{}
	seen := map[string]int{}
	for _, h := range hs {
		k := h.Key
		if n := seen[h.Key]; n > 0 {
			k = fmt.Sprintf("%s[%d]", h.Key, n)
		}
		seen[h.Key]++
		v := text(h.Value)
		out[k] = &v
	}
	return out
}

// nullHeaders are the fields of headerFields whose header has no value.
func nullHeaders(hs []sources.Header) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, h := range hs {
		k := h.Key
		if n := seen[h.Key]; n > 0 {
			k = fmt.Sprintf("%s[%d]", h.Key, n)
		}
		seen[h.Key]++
		if h.Value == nil {
			out[k] = true
		}
	}
	return out
}

func propertyFields(ps []sources.Property) map[string]*string {
	out := map[string]*string{}
	for _, p := range ps {
		v := p.Value
		out[p.Name] = &v
	}
	return out
}

func unionKeys(a, b map[string]*string) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// flattenJSON turns a JSON value into its leaves by path (a.b[2].c), the
// leaves as compact JSON; ok is false when v is not JSON.
func flattenJSON(v []byte) (map[string]*string, bool) {
	if len(bytes.TrimSpace(v)) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil || dec.More() {
		return nil, false
	}
	out := map[string]*string{}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		if len(out) >= maxRows {
			return
		}
		switch t := x.(type) {
		case map[string]any:
			if len(t) == 0 {
				s := "{}"
				out[path] = &s
			}
			for k, v := range t {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, v)
			}
		case []any:
			if len(t) == 0 {
				s := "[]"
				out[path] = &s
			}
			for i, v := range t {
				walk(fmt.Sprintf("%s[%d]", path, i), v)
			}
		default:
			b, _ := json.Marshal(t)
			s := string(b)
			if path == "" {
				path = "(value)"
			}
			out[path] = &s
		}
	}
	walk("", x)
	return out, true
}
