package cmd

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/versions"
)

// TestSchemasOfANameLinkedDLT: mqscope schemas of a DLT linked to its
// origin by name only compares the two, in text and --json; the origin's
// soft-deleted v1 is named and marked (deleted); the DLT's value framed
// with a schema that does not compile shows its subject and version.
func TestSchemasOfANameLinkedDLT(t *testing.T) {
	n := testbroker.NewNamedDLT(t, "orders.DLT")
	args := []string{"--kafka", n.Addr, "--schema-registry", n.Registry, "schemas", "orders.DLT"}
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"orders.DLT: 10 messages read",
		"origin (by the stream's name, over the dead letters' span)",
		"orders: 6 messages read",
		"orders.DLT: 90% carry v3; orders: 17% v3",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in\n%s", want, out)
		}
	}
	var deleted, bad []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && f[2] == "orders-value" && f[3] == "v1" {
			deleted = f
		}
		if len(f) > 5 && f[2] == n.BadSubject {
			bad = f
		}
	}
	if len(deleted) < 6 || deleted[0] != "3" || deleted[4] != "(deleted)" || deleted[5] != strconv.Itoa(n.IDs[0]) {
		t.Fatalf("the deleted v1 line %q in\n%s", deleted, out)
	}
	if len(bad) < 6 || bad[3] != "v1" || bad[4] != strconv.Itoa(n.BadID) || !strings.Contains(strings.Join(bad, " "), "bad schema") {
		t.Fatalf("the bad schema's line %q in\n%s", bad, out)
	}

	code, out, errOut = run(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r versions.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Comparison != "orders.DLT: 90% carry v3; orders: 17% v3" || !r.OriginByName || r.Origin == nil {
		t.Fatalf("json %s", out)
	}
	if v1 := r.Origin.Row(n.IDs[0]); v1 == nil || !v1.Deleted || v1.Subject != "orders-value" || v1.Version != 1 || !strings.Contains(out, `"deleted": true`) {
		t.Fatalf("json v1 %+v in %s", v1, out)
	}
	if b := r.Row(n.BadID); b == nil || b.Subject != n.BadSubject || b.Version != 1 || b.Err == "" {
		t.Fatalf("json bad row %+v", b)
	}
}

// TestTriageByVersionComparesWithTheOrigin: mqscope triage --by version of
// a DLT linked to its origin by name only says how its commonest
// version's share compares with the origin's, in text and --json.
func TestTriageByVersionComparesWithTheOrigin(t *testing.T) {
	n := testbroker.NewNamedDLT(t, "orders.dead-letter")
	args := []string{"--kafka", n.Addr, "--schema-registry", n.Registry, "triage", "orders.dead-letter", "--by", "version"}
	code, out, errOut := run(t, args...)
	if code != 0 || !strings.Contains(out, "orders.dead-letter: 90% carry v3; orders: 17% v3") {
		t.Fatalf("triage by version: %d %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, append(args, "--json")...)
	var r struct{ Comparison string }
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Comparison != "orders.dead-letter: 90% carry v3; orders: 17% v3" {
		t.Fatalf("triage by version --json: %d %s %s", code, out, errOut)
	}
	// By failure: no census, no comparison.
	if code, out, _ = run(t, "--kafka", n.Addr, "triage", "orders.dead-letter"); code != 0 || strings.Contains(out, "carry") {
		t.Fatalf("triage by failure: %d %s", code, out)
	}
}
