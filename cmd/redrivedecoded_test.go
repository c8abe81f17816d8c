package cmd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources/demo"
)

// TestRedriveFilterReadsDecodedValues: with a Schema Registry, a
// redrive's filter reads schema and json of the decoded values and
// selects what export selects; a message the expression cannot be
// evaluated on is no match, counted and said, and the run goes on.
func TestRedriveFilterReadsDecodedValues(t *testing.T) {
	cl := typedDemo(t)
	base := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL()}
	_, all, _ := run(t, append(base, "export", demo.TopicPaymentsAvroDLT)...)
	total := strings.Count(all, "\n")
	if total == 0 {
		t.Fatal("the demo's payments dead letters are empty")
	}
	for _, flt := range []string{`schema.version == 3`, `json.amount > 100`, `schema.id == 103 && json.status != ""`} {
		code, out, errOut := run(t, append(base, "export", demo.TopicPaymentsAvroDLT, "--filter", flt)...)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", flt, code, errOut)
		}
		want := strings.Count(out, "\n")
		if want == 0 || want == total {
			t.Fatalf("export %s selects %d of %d: the test needs some but not all", flt, want, total)
		}
		code, plan, errOut := run(t, append(base, "redrive", demo.TopicPaymentsAvroDLT, "--dry-run", "--filter", flt)...)
		line := fmt.Sprintf("%d of %d messages", want, total)
		if code != 0 || !strings.Contains(plan, line) {
			t.Errorf("redrive %s: exit %d, want %q in:\n%s\n%s", flt, code, line, plan, errOut)
		}
	}
	// json.missing is nil on every value: int(json.missing) cannot be evaluated.
	flt := `int(json.missing) == 1 || schema.version == 2`
	code, plan, errOut := run(t, append(base, "redrive", demo.TopicPaymentsAvroDLT, "--dry-run", "--filter", flt)...)
	if code != 0 || !strings.Contains(plan, fmt.Sprintf("0 of %d messages", total)) ||
		!strings.Contains(errOut, fmt.Sprintf("filter on %s (taken as no match): %d messages could not be evaluated: first at %s@", demo.TopicPaymentsAvroDLT, total, demo.TopicPaymentsAvroDLT)) {
		t.Errorf("redrive %s: exit %d:\n%s\n%s", flt, code, plan, errOut)
	}
}
