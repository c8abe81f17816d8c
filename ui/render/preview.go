// Package render turns raw message bytes into text for the screen: one-line
// previews, pretty-printed and highlighted JSON, hex dumps. It is pure: no
// I/O, no Bubble Tea.
package render

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/safetext"
)

// previewScan bounds how many bytes a one-line preview looks at.
const previewScan = 512

// Preview renders the start of v on one line: text with control characters
// and runs of white space folded to one space, or a short hex form for binary
// values. It reads at most previewScan bytes of v.
func Preview(v []byte, width int) string {
	if v == nil {
		return "∅ null"
	}
	if len(v) == 0 {
		return "(empty)"
	}
	head := v
	if len(head) > previewScan {
		head = head[:previewScan]
	}
	if !IsText(head) {
		return binaryPreview(v, width)
	}
	var b strings.Builder
	b.Grow(min(len(head), width*4))
	space := false
	n := 0
	text := string(head)
	for i, r := range text {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(text[i:]); size <= 1 {
				break // a rune cut at previewScan (a U+FFFD in the text is shown)
			}
		}
		if r == ' ' || safetext.Unsafe(r) {
			if !space && n > 0 {
				b.WriteByte(' ')
				n++
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
		n++
		if n >= width {
			break
		}
	}
	return b.String()
}

func binaryPreview(v []byte, width int) string {
	prefix := "⟨bin " + Size(len(v)) + "⟩"
	room := (width - utf8.RuneCountInString(prefix)) / 3
	var b strings.Builder
	b.WriteString(prefix)
	const hexd = "0123456789abcdef"
	for i := 0; i < len(v) && i < room; i++ {
		b.WriteByte(' ')
		b.WriteByte(hexd[v[i]>>4])
		b.WriteByte(hexd[v[i]&0xf])
	}
	return b.String()
}

// IsText reports whether v reads as text: valid UTF-8 (a rune cut at the end
// is allowed) with few control characters.
func IsText(v []byte) bool {
	ctrl := 0
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
				ctrl++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && size <= 1 {
			if len(v)-i < utf8.UTFMax && !utf8.FullRune(v[i:]) {
				break // cut in the middle of a rune
			}
			return false
		}
		i += size
	}
	return ctrl == 0 || ctrl*100 < len(v) && ctrl < 4
}

// Size renders a byte count: 512 B, 1.5 KiB, 3.2 MiB.
func Size(n int) string {
	switch {
	case n < 1024:
		return strconv.Itoa(n) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	case n < 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	default:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	}
}

// Missing stands for a field one side of a comparison does not hold,
// apart from an empty value ("").
const Missing = "(none)"

// Field renders a field's text (a header, a JSON leaf, a line of a value)
// on one line of at most width characters: sanitised (controls as their
// pictures, invalid UTF-8 as U+FFFD), cut with …, and "" when empty. It
// reads at most what width needs of s.
func Field(s string, width int) string {
	if s == "" {
		return `""`
	}
	width = max(width, 1)
	cut := len(s) > 4*width
	if cut {
		end := 4 * width
		for end > 0 && !utf8.RuneStart(s[end]) {
			end--
		}
		s = s[:end]
	}
	line := Sanitize(s)
	if n := utf8.RuneCountInString(line); n > width || cut {
		r := []rune(line)
		line = string(r[:min(len(r), width-1)]) + "…"
	}
	return line
}

// Sanitize makes text from a message safe to draw on one line
// (safetext.String): tabs become spaces, control characters (an ESC could
// drive the terminal) their visible pictures, C1 and bidi controls
// ⟨U+XXXX⟩, invalid UTF-8 U+FFFD.
func Sanitize(s string) string { return safetext.String(s) }

// Line renders s, which is text whatever its bytes (a failure's reason, a
// name), on one line: white space runs folded to one space, controls as
// their pictures (ESC ␛, see safetext.String), cut to width runes with "…".
func Line(s string, width int) string {
	out := safetext.String(strings.Join(strings.Fields(s), " "))
	if width <= 0 || utf8.RuneCountInString(out) <= width {
		return out
	}
	n := 0
	for i := range out {
		if n == width-1 {
			return out[:i] + "…"
		}
		n++
	}
	return out
}
