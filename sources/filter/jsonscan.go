package filter

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
)

// jsonUse finds how an expression reads json: when every use is a member
// access with a constant name (json.status, json["total"]), only those
// top-level fields need decoding.
type jsonUse struct {
	idents, members int
	keys            map[string]bool
}

func (u *jsonUse) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		if x.Value == "json" {
			u.idents++
		}
	case *ast.MemberNode:
		id, ok := x.Node.(*ast.IdentifierNode)
		if !ok || id.Value != "json" {
			return
		}
		if s, ok := x.Property.(*ast.StringNode); ok {
			u.members++
			u.keys[s.Value] = true
		}
	}
}

// topLevel decodes only the named fields of a JSON object; it returns nil
// when data is not an object.
func topLevel(data []byte, keys map[string]bool) map[string]any {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil
	}
	out := make(map[string]any, len(keys))
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) {
			return nil
		}
		if data[i] == '}' {
			return out
		}
		if data[i] == ',' {
			i++
			continue
		}
		if data[i] != '"' {
			return nil
		}
		kEnd := skipString(data, i)
		if kEnd < 0 {
			return nil
		}
		name, ok := quoted(data[i:kEnd])
		if !ok {
			return nil
		}
		i = skipSpace(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return nil
		}
		i = skipSpace(data, i+1)
		vEnd := skipValue(data, i)
		if vEnd < 0 {
			return nil
		}
		if keys[name] {
			v, ok := decodeValue(data[i:vEnd])
			if !ok {
				return nil
			}
			out[name] = v
			if len(out) == len(keys) {
				return out
			}
		}
		i = vEnd
	}
}

// quoted decodes a JSON string token; one without escapes is read as is.
func quoted(tok []byte) (string, bool) {
	inner := tok[1 : len(tok)-1]
	if !bytes.ContainsAny(inner, "\\") && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", false
	}
	return s, true
}

// decodeValue decodes one JSON value as encoding/json would into an any,
// with quick paths for plain strings, numbers and literals.
func decodeValue(tok []byte) (any, bool) {
	switch {
	case len(tok) == 0:
		return nil, false
	case tok[0] == '"':
		return quoted(tok)
	case string(tok) == "true":
		return true, true
	case string(tok) == "false":
		return false, true
	case string(tok) == "null":
		return nil, true
	case tok[0] == '-' || tok[0] >= '0' && tok[0] <= '9':
		// JSON's numbers only, as encoding/json reads them: not -Infinity,
		// 0x10 or 1_0, which strconv would take.
		if !jsonNumber(tok) {
			return nil, false
		}
		return numberOf(string(tok)), true
	}
	return decodeJSON(tok)
}

// Member returns the JSON text of the member called name of the object at
// the start of doc (a string with its quotes, an object or array whole)
// and whether the object has it. Names are compared decoded; the scan
// allocates nothing unless a name carries escapes. Text that is not an
// object, or breaks off before the member, has none.
func Member(doc []byte, name string) ([]byte, bool) {
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(doc, i)
		if i >= len(doc) {
			return nil, false
		}
		switch doc[i] {
		case '}':
			return nil, false
		case ',':
			i++
			continue
		case '"':
		default:
			return nil, false
		}
		kEnd := skipString(doc, i)
		if kEnd < 0 {
			return nil, false
		}
		key := doc[i+1 : kEnd-1]
		same := string(key) == name
		if !same && bytes.IndexByte(key, '\\') >= 0 {
			decoded, ok := quoted(doc[i:kEnd])
			same = ok && decoded == name
		}
		i = skipSpace(doc, kEnd)
		if i >= len(doc) || doc[i] != ':' {
			return nil, false
		}
		i = skipSpace(doc, i+1)
		vEnd := skipValue(doc, i)
		if vEnd < 0 {
			return nil, false
		}
		if same {
			return doc[i:vEnd], true
		}
		i = vEnd
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
	for j := i + 1; j < len(d); j++ {
		switch d[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at d[i], or -1.
func skipValue(d []byte, i int) int {
	if i >= len(d) {
		return -1
	}
	switch d[i] {
	case '"':
		return skipString(d, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(d); j++ {
			switch d[j] {
			case '"':
				k := skipString(d, j)
				if k < 0 {
					return -1
				}
				j = k - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(d) && d[j] != ',' && d[j] != '}' && d[j] != ']' && d[j] != ' ' && d[j] != '\n' && d[j] != '\t' && d[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
