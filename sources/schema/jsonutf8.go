package schema

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// replacementChar is what a byte sequence that is not UTF-8 is shown as.
var replacementChar = []byte("\uFFFD")

// invalidUTF8Strings finds the strings (values and keys) of a JSON
// document that are not UTF-8: the path of the first ("" for a string
// that is the whole document) and how many more there are. JSON outside
// its strings is ASCII, so a valid document that is not UTF-8 has such a
// string.
func invalidUTF8Strings(doc []byte) (first string, more int, found bool) {
	type frame struct {
		obj bool
		key string
		idx int
	}
	var stack []frame
	path := func() string {
		p := ""
		for _, f := range stack {
			switch {
			case !f.obj:
				p += "[" + strconv.Itoa(f.idx) + "]"
			case plainKey(f.key):
				p = joinPath(p, f.key)
			default:
				p += "[" + strconv.Quote(f.key) + "]"
			}
		}
		return p
	}
	for i := 0; i < len(doc); {
		switch doc[i] {
		case '{':
			stack = append(stack, frame{obj: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && !stack[n-1].obj {
				stack[n-1].idx++
			}
		case '"':
			end := stringEnd(doc, i)
			s := doc[i+1 : max(end-1, i+1)]
			rest := bytes.TrimLeft(doc[end:], " \t\r\n")
			if n := len(stack); n > 0 && stack[n-1].obj && len(rest) > 0 && rest[0] == ':' {
				var k string
				if json.Unmarshal(doc[i:end], &k) != nil {
					k = string(s)
				}
				stack[n-1].key = k
			}
			if !utf8.Valid(s) {
				if found {
					more++
				} else {
					first, found = path(), true
				}
			}
			i = end
			continue
		}
		i++
	}
	return first, more, found
}

// stringEnd is the index after the closing quote of the JSON string that
// starts at doc[start] (len(doc) when it does not end).
func stringEnd(doc []byte, start int) int {
	for i := start + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(doc)
}

// plainKey reports a key a path can name after a dot.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// duplicateKeys finds the members of a JSON document's objects whose
// names (unescaped) an earlier member of the same object has: the path
// of the first such member and how many more there are.
func duplicateKeys(doc []byte) (first string, more int, found bool) {
	type frame struct {
		obj  bool
		key  string
		idx  int
		keys []string
		seen map[string]bool // for an object of many members
	}
	var stack []frame
	path := func() string {
		p := ""
		for _, f := range stack {
			switch {
			case !f.obj:
				p += "[" + strconv.Itoa(f.idx) + "]"
			case plainKey(f.key):
				p = joinPath(p, f.key)
			default:
				p += "[" + strconv.Quote(f.key) + "]"
			}
		}
		return p
	}
	for i := 0; i < len(doc); {
		switch doc[i] {
		case '{':
			stack = append(stack, frame{obj: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && !stack[n-1].obj {
				stack[n-1].idx++
			}
		case '"':
			end := stringEnd(doc, i)
			rest := bytes.TrimLeft(doc[end:], " \t\r\n")
			if n := len(stack); n > 0 && stack[n-1].obj && len(rest) > 0 && rest[0] == ':' {
				k := string(doc[i+1 : max(end-1, i+1)])
				if strings.IndexByte(k, '\\') >= 0 {
					var u string
					if json.Unmarshal(doc[i:end], &u) == nil {
						k = u
					}
				}
				f := &stack[n-1]
				f.key = k
				dup := false
				if f.seen != nil {
					dup = f.seen[k]
					f.seen[k] = true
				} else {
					dup = slices.Contains(f.keys, k)
					f.keys = append(f.keys, k)
					if len(f.keys) > 16 {
						f.seen = make(map[string]bool, 2*len(f.keys))
						for _, x := range f.keys {
							f.seen[x] = true
						}
						f.keys = nil
					}
				}
				if dup {
					if found {
						more++
					} else {
						first, found = path(), true
					}
				}
			}
			i = end
			continue
		}
		i++
	}
	return first, more, found
}
