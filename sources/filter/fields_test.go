package filter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// TestFieldsCompile: every name Fields lists compiles in an expression
// and has a doc; every name of the environment is listed.
func TestFieldsCompile(t *testing.T) {
	fields := Fields()
	seen := map[string]bool{}
	for _, f := range fields {
		if f.Name == "" || f.Doc == "" {
			t.Fatalf("a field without a name or a doc: %+v", f)
		}
		seen[f.Name] = true
		expr := strings.TrimSuffix(f.Name, ".*") // json.*, schema.*: the whole of it
		if _, err := Compile(fmt.Sprintf("%s == %s", expr, expr)); err != nil {
			t.Fatalf("%s does not compile: %v", f.Name, err)
		}
	}
	for _, want := range []string{"key", "value", "json.*", `headers["x"]`, "partition", "offset", "timestamp", "deadLetter.reason", "schema.version", "tombstone"} {
		if !seen[want] {
			t.Fatalf("Fields lacks %s: %v", want, fields)
		}
	}
	if _, err := Compile("nope == 1"); err == nil {
		t.Fatal("an unknown name compiled: the test above proves nothing")
	}
}

// TestDeadLetterFieldsAreTheMapsKeys: the deadLetter keys Fields lists are
// exactly those an expression finds on a dead letter.
func TestDeadLetterFieldsAreTheMapsKeys(t *testing.T) {
	m := sources.Message{Value: []byte("x"), DeadLetter: &sources.DeadLetter{Scheme: "spring", OriginStream: "orders",
		ExceptionClass: "com.acme.Boom", ExceptionMessage: "boom", Reason: "exception", Count: 2, ConsumerGroup: "g"}}
	n := 0
	for _, f := range Fields() {
		name, ok := strings.CutPrefix(f.Name, "deadLetter.")
		if !ok || name == "*" {
			continue
		}
		n++
		// reading fingerprint has the filter compute it (it costs more than the rest)
		flt, err := Compile(`"` + name + `" in deadLetter && deadLetter.fingerprint != nil`)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := flt.Match(&m); !ok || err != nil {
			t.Fatalf("deadLetter has no %s (%v)", name, err)
		}
	}
	flt, err := Compile(fmt.Sprintf("len(deadLetter) == %d && deadLetter.fingerprint != nil", n))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := flt.Match(&m); !ok || err != nil {
		t.Fatalf("deadLetter holds other than the %d keys listed (%v)", n, err)
	}
}

func TestOperatorExamplesCompile(t *testing.T) {
	for _, op := range Operators() {
		if _, err := Compile(op.Example); err != nil {
			t.Fatalf("%s: %s does not compile: %v", op.Name, op.Example, err)
		}
	}
}
