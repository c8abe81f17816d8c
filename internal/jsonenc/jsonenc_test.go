package jsonenc

import (
	"encoding/json"
	"testing"
	"time"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "<>&", "\xff", "\u2028\u2029", "\x00\"\\\b\f\n\r\t\x1f", "ünï 😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
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
		"plain <&> ü 😀 \u2028": `"plain <&> ü 😀 ` + "\u2028" + `"`,
		"\"\\\n\r\t\b\f\x01":   `"\"\\\n\r\t\u0008\u000c\u0001"`,
	} {
		if got := string(AppendStringUnescapedHTML(nil, in)); got != want {
			t.Errorf("%q: got %s want %s", in, got, want)
		}
	}
}
