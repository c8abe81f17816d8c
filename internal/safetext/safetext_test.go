package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// poison holds every kind of sequence a message could use against a terminal.
var poison = []string{
	"\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",        // OSC 52: write the clipboard
	"\x1b]0;owned\x1b\\",                        // OSC: window title, ST-terminated
	"\x1b[2J\x1b[H\x1b[31m",                     // CSI: clear, home, colour
	"\x1bP+q544e\x1b\\",                         // DCS
	"\x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\", // APC, PM, SOS
	"\u009b2J\u009d0;t\u009c\u0090q\u009c",      // C1 CSI, OSC, ST, DCS
	"\x9b2J\x9d",                                // raw 8-bit C1 bytes (invalid UTF-8)
	"\u202eexe.txt\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202d",
	"bell\x07 bs\x08 del\x7f cr\r nl\n tab\t nul\x00 sep\u2028\u2029",
}

// bad names the first rune of s that must not reach a terminal, or "".
func bad(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		if Unsafe(r) {
			return string(AppendCode(nil, r))
		}
	}
	return ""
}

func TestStringLeavesNoControl(t *testing.T) {
	for _, p := range poison {
		got := String("x" + p + "y")
		if b := bad(got); b != "" {
			t.Errorf("String(%q) = %q: %s", p, got, b)
		}
		if !strings.HasPrefix(got, "x") || !strings.HasSuffix(got, "y") {
			t.Errorf("String(%q) = %q: text lost", p, got)
		}
	}
}

func TestStringShowsWhatItReplaces(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              "plain",
		"ünï 😀":              "ünï 😀",
		"\x1b]52;c;x\x07":    "␛]52;c;x␇",
		"a\tb\nc\rd\x00\x7f": "a    b⏎c␍d␀␡",
		"\u009b2J":           "⟨U+009B⟩2J",
		"\u202eabc":          "⟨U+202E⟩abc",
		"\u2066\u200f\u061c": "⟨U+2066⟩⟨U+200F⟩⟨U+061C⟩",
		"a\xffb":             "a\uFFFDb",
		"\u2028":             "⟨U+2028⟩",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextKeepsLines(t *testing.T) {
	if got := Text("a\n\tb\r\x1b[2J\u202e"); got != "a\n\tb␍␛[2J⟨U+202E⟩" {
		t.Fatalf("got %q", got)
	}
	for _, p := range poison {
		if b := bad(strings.NewReplacer("\n", "", "\t", "").Replace(Text(p))); b != "" {
			t.Errorf("Text(%q) kept %s", p, b)
		}
	}
}

func TestClean(t *testing.T) {
	if !Clean("multi\nline\ttext\r\n é") {
		t.Error("plain text not clean")
	}
	for _, p := range poison {
		if Clean(p) {
			t.Errorf("%q called clean", p)
		}
	}
}

func TestFrameKeepsStylesOnly(t *testing.T) {
	styled := "\x1b[1;38;5;12mtitle\x1b[0m\nrow \x1b[7msel\x1b[m"
	if got := Frame(styled); got != styled {
		t.Fatalf("styles changed: %q", got)
	}
	got := Frame("\x1b[31mred\x1b[0m " + strings.Join(poison, " "))
	rest := strings.TrimPrefix(got, "\x1b[31mred\x1b[0m ")
	if rest == got {
		t.Fatalf("styles lost: %q", got)
	}
	if b := frameBad(rest); b != "" {
		t.Fatalf("frame kept %s: %q", b, rest)
	}
	if !strings.Contains(rest, "␛]52;c;") || !strings.Contains(rest, "⟨U+202E⟩") {
		t.Fatalf("poison not shown: %q", rest)
	}
}

// frameBad names what in a frame must not reach a terminal: an ESC that
// does not start an SGR sequence, or what bad finds outside them.
func frameBad(got string) string {
	stripped := got
	for i := strings.IndexByte(stripped, 0x1b); i >= 0; i = strings.IndexByte(stripped, 0x1b) {
		n := sgrLen(stripped[i:])
		if n == 0 {
			return "an ESC that is not SGR"
		}
		stripped = stripped[:i] + stripped[i+n:]
	}
	return bad(strings.ReplaceAll(stripped, "\n", ""))
}

func FuzzSanitize(f *testing.F) {
	for _, p := range poison {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := String(s); bad(got) != "" {
			t.Fatalf("String(%q) = %q: %s", s, got, bad(got))
		}
		if got := Frame(s); frameBad(got) != "" {
			t.Fatalf("Frame(%q) = %q: %s", s, got, frameBad(got))
		}
	})
}
