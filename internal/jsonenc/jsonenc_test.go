package jsonenc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/safetext"
)

var seeds = []string{"", "a", "<>&", "\xff", "\u2028\u2029", "\x00\"\\\b\f\n\r\t\x1f", "ünï 😀",
	"\u009b31m \u009d52;c;x\u0007", "\u202etxt.exe\u202c \u2066\u2069 \u200e\u200f \u061c", "\xc2\x9b\x1b]0;t\x07"}

func FuzzAppendString(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}

// rawControls says which terminal controls stand unescaped in b.
func rawControls(b []byte) string {
	var found []string
	for _, r := range string(b) {
		if safetext.Unsafe(r) {
			found = append(found, string(safetext.AppendCode(nil, r)))
		}
	}
	return strings.Join(found, " ")
}

// FuzzSafeStrings checks that every terminal-safe encoding decodes to the
// value (invalid UTF-8 as U+FFFD) and leaves no control standing raw.
func FuzzSafeStrings(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := string([]rune(s)) // each invalid byte as U+FFFD
		marshalled, _ := json.Marshal(s)
		for name, got := range map[string][]byte{
			"AppendStringSafe":          AppendStringSafe(nil, s),
			"AppendStringUnescapedHTML": AppendStringUnescapedHTML(nil, s),
			"EscapeControls":            EscapeControls(marshalled),
		} {
			if !utf8.Valid(got) {
				t.Fatalf("%s(%q): not UTF-8: %q", name, s, got)
			}
			if raw := rawControls(got); raw != "" {
				t.Fatalf("%s(%q) = %q: raw %s", name, s, got, raw)
			}
			var back string
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("%s(%q) = %q: %v", name, s, got, err)
			}
			if back != want {
				t.Fatalf("%s(%q) decodes to %q", name, s, back)
			}
		}
	})
}

func TestEscapeControlsInADocument(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"k\u202e": []string{"\u009b2J", "ok"}})
	got := EscapeControls(doc)
	if string(got) != `{"k\u202e":["\u009b2J","ok"]}` {
		t.Fatalf("got %s", got)
	}
	plain := []byte(`{"a":"é"}`)
	if out := EscapeControls(plain); &out[0] != &plain[0] {
		t.Fatal("a clean document was copied")
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 12, 1, 7, 30, 0, 123456789, time.UTC),
		time.Date(2026, 12, 1, 7, 30, 0, 0, time.FixedZone("x", -5*3600)),
		{},
	} {
		want, _ := json.Marshal(tm)
		got, ok := AppendTime(nil, tm)
		if !ok || string(got) != string(want) {
			t.Errorf("%v: got %s want %s", tm, got, want)
		}
	}
	if _, ok := AppendTime(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("year 10000 accepted")
	}
}

func TestAppendStringUnescapedHTML(t *testing.T) {
	for in, want := range map[string]string{
		"plain <&> ü 😀":            `"plain <&> ü 😀"`,
		"\"\\\n\r\t\b\f\x01":       `"\"\\\n\r\t\u0008\u000c\u0001"`,
		"\u2028\u009b\u202e\u2066": `"\u2028\u009b\u202e\u2066"`,
		"a\xffb":                   `"a\ufffdb"`,
	} {
		if got := string(AppendStringUnescapedHTML(nil, in)); got != want {
			t.Errorf("%q: got %s want %s", in, got, want)
		}
	}
}
