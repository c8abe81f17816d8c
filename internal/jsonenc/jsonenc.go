// Package jsonenc appends JSON values byte for byte as encoding/json
// renders them, without reflection, for the lines written once a message
// on hot paths (journals, audit logs, rendered headers). The Safe variants
// also escape what could drive a terminal that shows the line (DEL, C1 and
// bidi controls, see safetext.Unsafe) as \uXXXX, so a JSON line written from
// message data can be printed as it is.
package jsonenc

import (
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/safetext"
)

const hexDigits = "0123456789abcdef"

// escapes says which escapes beyond what JSON requires appendString writes.
type escapes struct {
	html     bool // as encoding/json: <, >, & and \b, \f by name
	terminal bool // DEL, C1 and bidi controls, U+2028 and U+2029
	lineSeps bool // U+2028 and U+2029 (encoding/json does)
}

// AppendString quotes s as encoding/json does: HTML-safe (<, >, &
// escaped), U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func AppendString(dst []byte, s string) []byte {
	return appendString(dst, s, escapes{html: true, lineSeps: true})
}

// AppendStringSafe is AppendString that also escapes C1 and bidi controls
// as \uXXXX: the same value once decoded, safe on a terminal.
func AppendStringSafe(dst []byte, s string) []byte {
	return appendString(dst, s, escapes{html: true, lineSeps: true, terminal: true})
}

// AppendStringUnescapedHTML appends s as a JSON string with the escapes
// JSON requires and those a terminal needs (C1 and bidi controls, U+2028,
// U+2029 as \uXXXX), no HTML escaping, as exports write values: decoding
// gives s back byte for byte. Invalid UTF-8 becomes \ufffd; callers give
// base64 for bytes that are not UTF-8.
func AppendStringUnescapedHTML(dst []byte, s string) []byte {
	return appendString(dst, s, escapes{terminal: true, lineSeps: true})
}

// appendString quotes s with the escapes e asks for.
func appendString(dst []byte, s string, e escapes) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!e.html || b != '<' && b != '>' && b != '&') && (!e.terminal || b != 0x7f) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch {
			case b == '\\' || b == '"':
				dst = append(dst, '\\', b)
			case b == '\n':
				dst = append(dst, '\\', 'n')
			case b == '\r':
				dst = append(dst, '\\', 'r')
			case b == '\t':
				dst = append(dst, '\\', 't')
			case b == '\b' && e.html:
				dst = append(dst, '\\', 'b')
			case b == '\f' && e.html:
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case e.lineSeps && (r == '\u2028' || r == '\u2029'), e.terminal && safetext.Unsafe(r):
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape appends r (below U+10000) as \uxxxx.
func appendEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// EscapeControls rewrites, in a JSON document that encoding/json wrote
// (valid UTF-8), every DEL, C1 and bidi control as \uXXXX: such a rune can only
// stand inside a string, where the escape decodes to the same value. It
// returns b itself when there is nothing to escape.
func EscapeControls(b []byte) []byte {
	first := -1
	for i := 0; i < len(b); {
		if b[i] == 0x7f {
			first = i
			break
		}
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if safetext.Unsafe(r) {
			first = i
			break
		}
		i += size
	}
	if first < 0 {
		return b
	}
	out := append(make([]byte, 0, len(b)+32), b[:first]...)
	for i := first; i < len(b); {
		if b[i] == 0x7f {
			out = appendEscape(out, 0x7f)
			i++
			continue
		}
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if safetext.Unsafe(r) {
			out = appendEscape(out, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// AppendTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted). ok is false for a year MarshalJSON refuses.
func AppendTime(dst []byte, t time.Time) (_ []byte, ok bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, false
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), true
}
