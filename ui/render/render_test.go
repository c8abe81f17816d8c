package render_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/ui/render"
)

func TestPreview(t *testing.T) {
	cases := []struct {
		in    []byte
		width int
		want  string
	}{
		{nil, 80, "∅ null"},
		{[]byte{}, 80, "(empty)"},
		{[]byte("{\n  \"a\": 1,\n\t\"b\": 2\n}"), 80, `{ "a": 1, "b": 2 }`},
		{[]byte("héllo wörld"), 5, "héllo"},
		{[]byte{0, 1, 0xff}, 80, "⟨bin 3 B⟩ 00 01 ff"},
		{[]byte{0, 1, 0xff}, 14, "⟨bin 3 B⟩ 00"},
		{[]byte("byte \ufffd at 4"), 80, "byte \ufffd at 4"}, // a replacement character is text, not the end
	}
	for _, c := range cases {
		if got := render.Preview(c.in, c.width); got != c.want {
			t.Errorf("Preview(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := map[string]render.Kind{
		`{"a":1}`:        render.KindJSON,
		` [1,2] `:        render.KindJSON,
		`{"a":`:          render.KindText,
		"plain":          render.KindText,
		"\x00\x01\x02ab": render.KindBinary,
		"\xff\xfe":       render.KindBinary,
		"":               render.KindEmpty,
	}
	for in, want := range cases {
		if got := render.Classify([]byte(in)); got != want {
			t.Errorf("Classify(%q) = %v, want %v", in, got, want)
		}
	}
	if render.Classify(nil) != render.KindNull {
		t.Error("nil is not null")
	}
}

func TestHighlightJSON(t *testing.T) {
	tag := func(name string) func(string) string {
		return func(s string) string { return "<" + name + ">" + s + "</>" }
	}
	p := render.Palette{Key: tag("k"), String: tag("s"), Number: tag("n"), Bool: tag("b"), Null: tag("z")}
	got := render.HighlightJSON([]byte(`{"a":"x\"y","n":-1.5e3,"t":true,"z":null,"l":[false]}`), p)
	want := `{
  <k>"a"</>: <s>"x\"y"</>,
  <k>"n"</>: <n>-1.5e3</>,
  <k>"t"</>: <b>true</>,
  <k>"z"</>: <z>null</>,
  <k>"l"</>: [
    <b>false</>
  ]
}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestValueTruncatesAndHexDumps(t *testing.T) {
	big := []byte(strings.Repeat("x", 100))
	b := render.Value(big, 10, render.Palette{})
	if !b.Truncated || b.Shown != 10 || b.Lines[0] != "xxxxxxxxxx" {
		t.Fatalf("%+v", b)
	}
	b = render.Value([]byte{0, 1, 2, 0xff}, 0, render.Palette{})
	if b.Kind != render.KindBinary || !strings.HasPrefix(b.Lines[0], "00000000  00 01 02 ff") {
		t.Fatalf("%+v", b)
	}
}

func FuzzHighlightJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,"b",{"c":null}]}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		_ = render.Value(v, 1<<16, render.Palette{})
		out := render.HighlightJSON(v, render.Palette{})
		if render.Classify(v) == render.KindJSON && strings.Join(strings.Fields(out), "") == "" {
			t.Fatalf("JSON %q rendered empty", v)
		}
	})
}

func TestRenderingsLeaveNoTerminalControl(t *testing.T) {
	poison := "\u009b2J \u202eevil\u202c \u2066x\u2069 \x1b]52;c;eA==\x07"
	doc, _ := json.Marshal(map[string]string{"k\u009d": poison})
	outs := []string{render.Preview([]byte(poison), 200), render.Sanitize(poison)}
	outs = append(outs, render.Value(doc, 0, render.Palette{}).Lines...)
	outs = append(outs, render.Value([]byte(poison+"\nline two \u200f"), 0, render.Palette{}).Lines...)
	for _, out := range outs {
		for _, r := range out {
			if safetext.Unsafe(r) {
				t.Fatalf("%q reached the screen in %q", r, out)
			}
		}
	}
}

func TestField(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"", 10, `""`},
		{"plain", 10, "plain"},
		{"a\x1b[2J\tb\nc", 40, "a␛[2J    b⏎c"},
		{"bad \x9b byte", 40, "bad \ufffd byte"},
		{"abcdefghij", 5, "abcd…"},
		{strings.Repeat("é", 1000), 3, "éé…"},
	}
	for _, c := range cases {
		if got := render.Field(c.in, c.width); got != c.want {
			t.Errorf("Field(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}
