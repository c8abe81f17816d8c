package capture

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRawStringKeepsBytesNotUTF8: a JSON string's escapes are resolved
// as encoding/json resolves them, and bytes that are not UTF-8 are kept
// as they are, where encoding/json writes U+FFFD.
func TestRawStringKeepsBytesNotUTF8(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []byte
	}{
		{`"plain é"`, []byte("plain é")},
		{"\"a\xd2b\xff\"", []byte("a\xd2b\xff")},
		{`"\u0000\"\\\/\b\f\n\r\t"`, []byte("\x00\"\\/\b\f\n\r\t")},
		{`"\ud83d\ude00 \u00e9"`, []byte("😀 é")},
		{`"\ud83d x"`, []byte("\uFFFD x")},
		{`""`, []byte{}},
		{`null`, nil},
	} {
		got, err := rawString(json.RawMessage(c.in))
		if err != nil || !bytes.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("rawString(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if json.Valid([]byte(c.in)) && bytes.Equal(c.want, bytes.ToValidUTF8(c.want, []byte("\uFFFD"))) && c.want != nil {
			var s string
			if err := json.Unmarshal([]byte(c.in), &s); err != nil || s != string(c.want) {
				t.Errorf("encoding/json reads %q as %q", c.in, s)
			}
		}
	}
	for _, bad := range []string{`"a\`, `"\x"`, `"\u12"`, `7`} {
		if _, err := rawString(json.RawMessage(bad)); err == nil {
			t.Errorf("rawString(%q): no error", bad)
		}
	}
}
