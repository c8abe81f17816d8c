package health

import (
	"fmt"
	"strconv"
	"strings"
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
// its quotes) and whether doc has it. It allocates nothing.
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
	v := doc
	for _, step := range p.steps {
		var ok bool
		if v, ok = field(v, step); !ok {
			return nil, false
		}
	}
	i := skipSpace(v, 0)
	if i >= len(v) {
		return nil, false
	}
	end := skipValue(v, i)
	if end < 0 {
		return nil, false
	}
	return v[i:end], true
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

// field returns what follows the member name of the object at the start of
// v (the value's text and what comes after it).
func field(v []byte, name string) ([]byte, bool) {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(v, i)
		if i >= len(v) || v[i] != '"' {
			return nil, false
		}
		end := skipString(v, i)
		if end < 0 {
			return nil, false
		}
		key := v[i+1 : end-1]
		i = skipSpace(v, end)
		if i >= len(v) || v[i] != ':' {
			return nil, false
		}
		i = skipSpace(v, i+1)
		if string(key) == name {
			return v[i:], true
		}
		if i = skipValue(v, i); i < 0 {
			return nil, false
		}
		i = skipSpace(v, i)
		if i >= len(v) || v[i] != ',' {
			return nil, false
		}
		i++
	}
}

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\n' || d[i] == '\t' || d[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at d[i] ('"'), or -1.
func skipString(d []byte, i int) int {
	for i++; i < len(d); i++ {
		switch d[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at d[i], or -1.
func skipValue(d []byte, i int) int {
	if i >= len(d) {
		return -1
	}
	switch d[i] {
	case '"':
		return skipString(d, i)
	case '{', '[':
		depth := 0
		for ; i < len(d); i++ {
			switch d[i] {
			case '"':
				j := skipString(d, i)
				if j < 0 {
					return -1
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for ; i < len(d); i++ {
		switch d[i] {
		case ',', '}', ']', ' ', '\n', '\t', '\r':
			return i
		}
	}
	return i
}
