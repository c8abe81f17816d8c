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
	walkStrings(doc, func(raw []byte, f *docFrame, at func() string) {
		s := raw[1:max(len(raw)-1, 1)]
		if f != nil {
			var k string
			if json.Unmarshal(raw, &k) != nil {
				k = string(s)
			}
			f.key = k
		}
		if !utf8.Valid(s) {
			if found {
				more++
			} else {
				first, found = at(), true
			}
		}
	})
	return first, more, found
}

// docFrame is an object or array of a JSON document open where a walk is.
type docFrame struct {
	obj   bool
	key   string   // in an object: the member being read
	idx   int      // in an array: the element being read
	names *nameSet // in an object: the names its members had (duplicateKeys)
}

// walkStrings walks a JSON document and calls visit for each string with
// its bytes, quotes included, the frame of the object it names a member
// of (nil when it is no member's name) and the path of where it is.
func walkStrings(doc []byte, visit func(raw []byte, member *docFrame, at func() string)) {
	var stack []docFrame
	at := func() string {
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
			stack = append(stack, docFrame{obj: true})
		case '[':
			stack = append(stack, docFrame{})
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
			var member *docFrame
			if n := len(stack); n > 0 && stack[n-1].obj && len(rest) > 0 && rest[0] == ':' {
				member = &stack[n-1]
			}
			visit(doc[i:end], member, at)
			i = end
			continue
		}
		i++
	}
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
	walkStrings(doc, func(raw []byte, f *docFrame, at func() string) {
		if f == nil {
			return
		}
		k := string(raw[1:max(len(raw)-1, 1)])
		if strings.IndexByte(k, '\\') >= 0 {
			var u string
			if json.Unmarshal(raw, &u) == nil {
				k = u
			}
		}
		f.key = k
		if f.names == nil {
			f.names = &nameSet{}
		}
		if f.names.add(k) {
			if found {
				more++
			} else {
				first, found = at(), true
			}
		}
	})
	return first, more, found
}

// nameSet is the member names an object has had: a short list, a map
// once it holds many.
type nameSet struct {
	keys []string
	seen map[string]bool
}

// add adds k and says whether the set had it already.
func (n *nameSet) add(k string) bool {
	if n.seen != nil {
		dup := n.seen[k]
		n.seen[k] = true
		return dup
	}
	dup := slices.Contains(n.keys, k)
	n.keys = append(n.keys, k)
	if len(n.keys) > 16 {
		n.seen = make(map[string]bool, 2*len(n.keys))
		for _, x := range n.keys {
			n.seen[x] = true
		}
		n.keys = nil
	}
	return dup
}
