package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/triage"
)

// TestTriageOfADLTWithoutProvenance: mqscope triage of orders.DLT, 13 of
// whose 16 messages carry no provenance headers, counts all 16 as dead
// letters in every grouping, as --json and as a table; each group's
// filter, given to mqscope export --filter, selects exactly its messages.
func TestTriageOfADLTWithoutProvenance(t *testing.T) {
	n := testbroker.NewMixedDLT(t)
	want := map[string]map[string]int64{
		"failure":  {"no-provenance": 13},
		"origin":   {"orders": 15, "payments": 1},
		"consumer": {"(unknown)": 13, "order-service": 2, "payment-service": 1},
		"version": {fmt.Sprintf("orders-value v3 (id %d)", n.IDs[2]): 9, "json": 5, "text": 1,
			fmt.Sprintf("%s v1 (id %d)", n.BadSubject, n.BadID): 1},
	}
	for _, by := range []string{"failure", "origin", "consumer", "version"} {
		code, out, errOut := run(t, "--kafka", n.Addr, "--schema-registry", n.Registry, "triage", n.DLT, "--by", by, "--json")
		var r triage.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("by %s: exit %d: %s", by, code, errOut)
		}
		if r.Scanned != 16 || r.DeadLetters != 16 || r.NoProvenance != 13 || !r.DeadLetterStream || r.NameOrigin != "orders" {
			t.Fatalf("by %s: %+v", by, r)
		}
		var sum int64
		for _, g := range r.Groups {
			if w, ok := want[by][g.Key]; ok && w != g.Count {
				t.Errorf("by %s: group %s has %d, want %d", by, g.Key, g.Count, w)
			}
			sum += g.Count
			for _, reg := range [][]string{nil, {"--schema-registry", n.Registry}} { // json: the decoded values too
				code, sel, errOut := run(t, append(append([]string{"--kafka", n.Addr}, reg...), "export", n.DLT, "--filter", g.Filter)...)
				if code != 0 || int64(strings.Count(sel, "\n")) != g.Count || strings.Contains(errOut, "taken as no match") {
					t.Errorf("by %s %v: %s selects %d, the group %s has %d: %s", by, reg, g.Filter, strings.Count(sel, "\n"), g.Key, g.Count, errOut)
				}
			}
		}
		if sum != 16 || len(r.Groups) != map[string]int{"failure": 3, "origin": 2, "consumer": 3, "version": 4}[by] {
			t.Errorf("by %s: %d groups hold %d", by, len(r.Groups), sum)
		}
		code, table, errOut := run(t, "--kafka", n.Addr, "--schema-registry", n.Registry, "triage", n.DLT, "--by", by)
		if code != 0 || !strings.Contains(table, "orders.DLT: 16 dead letters in 16 messages read") ||
			!strings.Contains(table, "13 messages without provenance headers counted as dead letters (a dead-letter stream), origin orders by the stream's name") {
			t.Fatalf("by %s: %s\n%s", by, errOut, table)
		}
		switch by {
		case "failure":
			if !strings.Contains(table, "no-provenance  no provenance headers") || !strings.Contains(table, "no-provenance  13  --filter 'deadLetter == nil'  from orders 13  by (unknown) 13\n") {
				t.Errorf("by failure:\n%s", table)
			}
		case "origin":
			if !strings.Contains(table, `orders  15  --filter 'deadLetter == nil || deadLetter.origin == "orders"'  (13 without provenance headers, by the stream's name)`) {
				t.Errorf("by origin:\n%s", table)
			}
		}
	}
}

// TestTriageOfADLTWithProvenanceUnchanged: a stream that is not a
// dead-letter stream counts only the messages with provenance.
func TestTriageOfADLTWithProvenanceUnchanged(t *testing.T) {
	n := testbroker.NewMixedDLT(t)
	code, out, errOut := run(t, "--kafka", n.Addr, "export", n.DLT, "--format", "jsonl")
	if code != 0 {
		t.Fatal(errOut)
	}
	file := filepath.Join(t.TempDir(), "copy.jsonl")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "--kafka", n.Addr, "replay", file, "--to", "orders", "--yes"); code != 0 {
		t.Fatal(errOut)
	}
	code, js, errOut := run(t, "--kafka", n.Addr, "triage", "orders", "--by", "origin", "--json")
	var r triage.Report
	if code != 0 || json.Unmarshal([]byte(js), &r) != nil {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if r.Scanned != 22 || r.DeadLetters != 3 || r.DeadLetterStream || r.NoProvenance != 0 || len(r.Groups) != 2 || r.Groups[0].Filter != `deadLetter.origin == "orders"` {
		t.Fatalf("%+v", r)
	}
}
