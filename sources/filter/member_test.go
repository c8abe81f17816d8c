package filter

import "testing"

// TestMember: a member's JSON text whole (strings keep their quotes,
// objects and arrays their brackets), names compared decoded; no member
// in what is not an object or breaks off.
func TestMember(t *testing.T) {
	for _, c := range []struct{ doc, name, want string }{
		{`{"a":1,"b":"two"}`, "b", `"two"`},
		{` { "a" : {"x":[1,2]} , "b":3}`, "a", `{"x":[1,2]}`},
		{`{"\u0062":true}`, "b", "true"},
		{`{"a":1}`, "b", "(none)"},
		{`[{"b":1}]`, "b", "(none)"},
		{`{"a":1,"b":`, "b", "(none)"},
		{`{"a" 1, "b":2}`, "b", "(none)"},
	} {
		got := "(none)"
		if v, ok := Member([]byte(c.doc), c.name); ok {
			got = string(v)
		}
		if got != c.want {
			t.Errorf("%s %s: %s, want %s", c.doc, c.name, got, c.want)
		}
	}
}
