package filter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// TestInfAndNaNAreNotNumbers: Inf and NaN written in an expression are a
// syntax error that says why; a JSON field, header or value whose text is
// one of Go's other spellings of a number (NaN, Inf, Infinity, 0x1p4,
// 1_0, 1e400) stays text, so it never compares as a number; plain decimal
// text does. A JSON value with a bare -Infinity is not JSON.
func TestInfAndNaNAreNotNumbers(t *testing.T) {
	for _, src := range []string{`json.x > +Inf`, `json.x < -Inf`, `json.x == NaN`, `number(value) < Infinity`, `number(headers.h) != nan`} {
		_, err := filter.Compile(src)
		var se *filter.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "is not a number a filter compares with") || se.Line != 1 || se.Column < 8 {
			t.Errorf("%s: %v", src, err)
		}
	}

	for _, text := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "Infinity", "-infinity", "0x1p4", "0x10", "1_0", "1e400", " 5", "5 ", ".", "1e", "--1"} {
		m := sources.Message{Stream: "s", Value: []byte(text), Headers: []sources.Header{{Key: "h", Value: []byte(text)}}}
		js := sources.Message{Stream: "s", Value: []byte(`{"x":"` + text + `"}`)}
		for _, c := range []struct {
			src string
			m   *sources.Message
		}{
			{`number(headers.h) > 0 || number(headers.h) <= 0`, &m},
			{`number(value) > 0 || number(value) <= 0`, &m},
			{`json.x > 0 || json.x <= 0`, &js},
			{`json.x == 16 || json.x == 10 || json.x == 5`, &js},
		} {
			f, err := filter.Compile(c.src)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := f.Match(c.m); ok {
				t.Errorf("%s on %q: compared as a number", c.src, text)
			}
		}
		f, _ := filter.Compile(`json.x == "` + text + `" && number(headers.h) == "` + text + `"`)
		both := sources.Message{Stream: "s", Value: js.Value, Headers: m.Headers}
		if ok, err := f.Match(&both); !ok || err != nil {
			t.Errorf("%q does not compare as text: %v %v", text, ok, err)
		}
	}

	for _, text := range []string{"120.5000", "-3", "+7", "1e2", "0.5", ".5", "5."} {
		m := sources.Message{Stream: "s", Value: []byte(`{"x":"` + text + `"}`), Headers: []sources.Header{{Key: "h", Value: []byte(text)}}}
		f, _ := filter.Compile(`json.x > -10 && number(headers.h) < 200`)
		if ok, err := f.Match(&m); !ok || err != nil {
			t.Errorf("%q is a number: %v %v", text, ok, err)
		}
	}

	for _, value := range []string{`{"x":-Infinity}`, `{"x":0x10}`, `{"x":1_0}`, `{"x":-NaN}`} {
		m := sources.Message{Stream: "s", Value: []byte(value)}
		for _, src := range []string{`json == nil`, `json?.x == nil`} {
			f, _ := filter.Compile(src)
			if ok, err := f.Match(&m); !ok || err != nil {
				t.Errorf("%s on %s: %v %v", src, value, ok, err)
			}
		}
	}
}
