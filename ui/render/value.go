package render

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// Kind is how a value is shown.
type Kind int

const (
	// KindNull is a null value (a Kafka tombstone).
	KindNull Kind = iota
	// KindEmpty is a zero-length value.
	KindEmpty
	// KindJSON is a valid JSON document.
	KindJSON
	// KindText is UTF-8 text that is not JSON.
	KindText
	// KindBinary is anything else, shown as a hex dump.
	KindBinary
)

// String names the kind for the screen.
func (k Kind) String() string {
	return [...]string{"null", "empty", "JSON", "text", "binary"}[k]
}

// Classify says how v would be shown.
func Classify(v []byte) Kind {
	switch {
	case v == nil:
		return KindNull
	case len(v) == 0:
		return KindEmpty
	case !IsText(v):
		return KindBinary
	case looksJSON(v) && json.Valid(v):
		return KindJSON
	default:
		return KindText
	}
}

func looksJSON(v []byte) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[' || t[0] == '"')
}

// Palette styles the parts of highlighted JSON. Each function wraps a token;
// nil functions leave it plain.
type Palette struct {
	Key, String, Number, Bool, Null, Punct func(string) string
}

// Body is a rendered value: its lines, what kind it is, and whether the
// rendering was cut at the limit.
type Body struct {
	Kind  Kind
	Lines []string
	// Shown is how many bytes of the value the lines cover.
	Shown int
	// Truncated reports the rendering stopped at the limit.
	Truncated bool
}

// Value renders v for the detail view: JSON pretty-printed and highlighted,
// text as is, binary as a hex dump. At most limit bytes of v are rendered
// (limit <= 0 renders everything).
func Value(v []byte, limit int, p Palette) Body {
	k := Classify(v)
	b := Body{Kind: k}
	src := v
	if limit > 0 && len(src) > limit {
		src, b.Truncated = src[:limit], true
	}
	b.Shown = len(src)
	switch k {
	case KindNull:
		b.Lines = []string{"∅ null (tombstone)"}
	case KindEmpty:
		b.Lines = []string{"(empty value)"}
	case KindJSON:
		if b.Truncated { // a cut document is not valid JSON: show the text
			b.Lines = textLines(src)
		} else {
			b.Lines = strings.Split(HighlightJSON(v, p), "\n")
		}
	case KindText:
		b.Lines = textLines(src)
	case KindBinary:
		b.Lines = strings.Split(strings.TrimRight(hex.Dump(src), "\n"), "\n")
	}
	return b
}

func textLines(v []byte) []string {
	s := strings.ReplaceAll(string(v), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Sanitize(l)
	}
	return lines
}

// HighlightJSON pretty-prints a valid JSON document with two-space indent
// and colours its tokens with p.
func HighlightJSON(v []byte, p Palette) string {
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, bytes.TrimSpace(v), "", "  "); err != nil {
		return string(v)
	}
	src := pretty.Bytes()
	var out strings.Builder
	out.Grow(len(src) * 2)
	apply := func(f func(string) string, s string) {
		if f == nil {
			out.WriteString(s)
			return
		}
		out.WriteString(f(s))
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j++ // closing quote
			tok := Sanitize(string(src[min(i, len(src)):min(j, len(src))]))
			k := j
			for k < len(src) && src[k] == ' ' {
				k++
			}
			if k < len(src) && src[k] == ':' {
				apply(p.Key, tok)
			} else {
				apply(p.String, tok)
			}
			i = j
		case c == '-' || c >= '0' && c <= '9':
			j := i
			for j < len(src) && strings.IndexByte("+-0123456789.eE", src[j]) >= 0 {
				j++
			}
			apply(p.Number, string(src[i:j]))
			i = j
		case bytes.HasPrefix(src[i:], []byte("true")):
			apply(p.Bool, "true")
			i += 4
		case bytes.HasPrefix(src[i:], []byte("false")):
			apply(p.Bool, "false")
			i += 5
		case bytes.HasPrefix(src[i:], []byte("null")):
			apply(p.Null, "null")
			i += 4
		case strings.IndexByte("{}[],:", c) >= 0:
			apply(p.Punct, string(c))
			i++
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.String()
}
