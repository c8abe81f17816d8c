package health

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/sources/filter"
)

// Path is a field of a message's value as a JSON path names it
// ("json.order.id"): the steps below the document's root. It reads the
// value's JSON, or the document a schema decodes it to (Avro, Protobuf).
type Path struct {
	text  string
	steps []string
}

// ParsePath reads "json.a.b" (or "a.b"); an empty text is no path.
func ParsePath(s string) (Path, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Path{}, nil
	}
	rest := strings.TrimPrefix(s, "json.")
	if rest == "json" || rest == "" {
		return Path{}, fmt.Errorf("path %q: name a field, as in json.orderId", s)
	}
	steps := strings.Split(rest, ".")
	for _, st := range steps {
		if st == "" {
			return Path{}, fmt.Errorf("path %q: an empty field name", s)
		}
	}
	return Path{text: "json." + rest, steps: steps}, nil
}

// String is the path as given, "json.a.b".
func (p Path) String() string { return p.text }

// Set reports a path that names a field.
func (p Path) Set() bool { return len(p.steps) > 0 }

// Lookup returns the raw JSON token of the field in doc (a string without
// its quotes, its escapes kept) and whether doc has it (null: it has
// not). It allocates nothing unless a member name carries escapes.
func (p Path) Lookup(doc []byte) ([]byte, bool) {
	tok, ok := p.Token(doc)
	if !ok {
		return nil, false
	}
	if tok[0] == '"' && len(tok) >= 2 {
		return tok[1 : len(tok)-1], true
	}
	if string(tok) == "null" {
		return nil, false
	}
	return tok, true
}

// Token returns the field's raw JSON token in doc: a string with its
// quotes, a number, true, false, null, an object or an array. It
// allocates nothing.
func (p Path) Token(doc []byte) ([]byte, bool) {
	if len(p.steps) == 0 {
		return nil, false
	}
	tok := doc
	for _, step := range p.steps {
		var ok bool
		if tok, ok = filter.Member(tok, step); !ok {
			return nil, false
		}
	}
	if len(tok) == 0 {
		return nil, false
	}
	return tok, true
}

// Int reads the field as a whole number: a JSON number that is an exact
// integer (1e3 is 1000, 1.5 is none) or a string of one.
func (p Path) Int(doc []byte) (int64, bool) {
	tok, ok := p.Token(doc)
	if !ok {
		return 0, false
	}
	return sequenceOf(tok)
}

// parseInt reads a decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		if len(b) > 19 {
			n, err := strconv.ParseInt(string(b), 10, 64)
			return n, err == nil
		}
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
