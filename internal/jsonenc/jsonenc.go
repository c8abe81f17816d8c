// Package jsonenc appends JSON values byte for byte as encoding/json
// renders them, without reflection, for the lines written once a message
// on hot paths (journals, audit logs, rendered headers).
package jsonenc

import (
	"time"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString quotes s as encoding/json does: HTML-safe (<, >, &
// escaped), U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func AppendString(dst []byte, s string) []byte { return appendString(dst, s, true) }

// AppendStringUnescapedHTML appends s as a JSON string with only the
// escapes JSON requires (no HTML escaping, no U+2028/U+2029 escapes), as
// exports write values byte for byte. s must be valid UTF-8.
func AppendStringUnescapedHTML(dst []byte, s string) []byte { return appendString(dst, s, false) }

// appendString quotes s; asEncodingJSON escapes what encoding/json does
// beyond what JSON requires.
func appendString(dst []byte, s string, asEncodingJSON bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf || !asEncodingJSON {
			if b >= 0x20 && b != '"' && b != '\\' && (!asEncodingJSON || b != '<' && b != '>' && b != '&') {
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
			case b == '\b' && asEncodingJSON:
				dst = append(dst, '\\', 'b')
			case b == '\f' && asEncodingJSON:
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
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
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
