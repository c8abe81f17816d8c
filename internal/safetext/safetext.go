// Package safetext makes text that came from a broker safe to write to a
// terminal. Every character that could drive the terminal (C0 and C1
// controls, DEL, the ESC or C1 introducer of CSI, OSC, DCS, APC, PM and SOS
// sequences) or reorder what is shown (bidi embeddings, overrides, isolates
// and marks, line and paragraph separators) is replaced by a visible
// stand-in, and invalid UTF-8 by U+FFFD. It is pure and imports nothing of
// the project, so every layer can use it.
package safetext

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789ABCDEF"

// Unsafe reports whether r must not reach a terminal as it is: a C0 or C1
// control, DEL, a bidi control (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069) or a line or paragraph separator (U+2028, U+2029).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r < 0x61c:
		return false
	}
	return r == 0x61c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e ||
		r >= 0x2066 && r <= 0x2069 || r == 0x2028 || r == 0x2029
}

// Clean reports whether s is valid UTF-8 with no Unsafe rune but tab,
// newline and carriage return: text a terminal shows as it is.
func Clean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			return false
		}
		i += size
	}
	return true
}

// plain reports whether s is printable ASCII only (String returns it as is).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// String returns s for one line of a terminal: a tab becomes four spaces, a
// newline ⏎, other C0 controls their control pictures (ESC is ␛, BEL ␇),
// DEL ␡, C1 and bidi controls and the separators ⟨U+XXXX⟩, and invalid
// UTF-8 U+FFFD. Other text is kept.
func String(s string) string {
	if plain(s) {
		return s
	}
	if Clean(s) && !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return string(Append(make([]byte, 0, len(s)+16), s))
}

// Text is String for text of several lines: newlines and tabs are kept,
// everything else String replaces is replaced (a carriage return too: it
// could write over what the line showed).
func Text(s string) string {
	if Clean(s) && !strings.ContainsRune(s, '\r') {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	for _, r := range s {
		if r == '\n' || r == '\t' {
			b = append(b, byte(r))
			continue
		}
		b = appendRune(b, r)
	}
	return string(b)
}

// Bytes is String for a byte slice.
func Bytes(b []byte) string { return String(string(b)) }

// Append appends String(s) to dst.
func Append(dst []byte, s string) []byte {
	if plain(s) {
		return append(dst, s...)
	}
	for _, r := range s { // invalid UTF-8 comes as U+FFFD
		dst = appendRune(dst, r)
	}
	return dst
}

// appendRune appends r, or its visible stand-in when it is Unsafe.
func appendRune(dst []byte, r rune) []byte {
	switch {
	case r == '\t':
		return append(dst, "    "...)
	case r == '\n':
		return utf8.AppendRune(dst, '⏎')
	case r < 0x20:
		return utf8.AppendRune(dst, 0x2400+r)
	case r == 0x7f:
		return utf8.AppendRune(dst, '␡')
	case Unsafe(r):
		return AppendCode(dst, r)
	}
	return utf8.AppendRune(dst, r)
}

// AppendCode appends the visible name of r: ⟨U+202E⟩.
func AppendCode(dst []byte, r rune) []byte {
	dst = append(dst, "⟨U+"...)
	dst = append(dst, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
	return append(dst, "⟩"...)
}

// Frame makes a rendered screen safe to write: it keeps newlines and the
// SGR sequences (ESC [ digits and semicolons m) that styles draw with, and
// treats everything else as String does, so a field drawn without being
// sanitised can colour text at most, never move the cursor, set a title,
// write the clipboard or reorder the line.
func Frame(s string) string {
	if frameClean(s) {
		return s
	}
	b := make([]byte, 0, len(s)+64)
	for i := 0; i < len(s); {
		if n := sgrLen(s[i:]); n > 0 {
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\n' {
			b = append(b, '\n')
		} else {
			b = appendRune(b, r)
		}
		i += size
	}
	return string(b)
}

// frameClean reports whether Frame would return s unchanged.
func frameClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			n := sgrLen(s[i:])
			if n == 0 {
				return false
			}
			i += n
		case c == '\n' || c >= 0x20 && c < 0x7f:
			i++
		case c < utf8.RuneSelf:
			return false
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || Unsafe(r) {
				return false
			}
			i += size
		}
	}
	return true
}

// sgrLen is the length of the SGR sequence s starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9' || c == ';' || c == ':':
		default:
			return 0
		}
	}
	return 0
}
