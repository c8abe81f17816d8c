package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/versions"
)

// TestSchemasCensusOfDemoDLT: mqscope schemas on the demo's
// payments.avro.DLT prints its versions (90% v3), its origin's over the
// same span (17% v3), the compatibility and the comparison line; --json
// has the same numbers.
func TestSchemasCensusOfDemoDLT(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 300, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "schemas", demo.TopicPaymentsAvroDLT)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"payments.avro.DLT: 50 messages read (50 dead letters)",
		"payments.avro: 289 messages read",
		"payments.avro.DLT: 90% carry v3; payments.avro: 17% v3",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	var v3 string
	for _, l := range lines {
		if strings.Contains(l, " v3 ") && strings.Contains(l, "103") {
			v3 = l
			break
		}
	}
	if f := strings.Fields(v3); len(f) < 10 || f[0] != "45" || f[1] != "90%" || f[2] != demo.SubjectPaymentsAvro || f[5] != "avro" || f[len(f)-1] != "latest" {
		t.Fatalf("v3 line %q in\n%s", v3, out)
	}
	if !strings.Contains(out, "compatible with v3") {
		t.Fatalf("no compatibility of v1/v2 in\n%s", out)
	}

	code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "schemas", demo.TopicPaymentsAvroDLT, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r versions.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0].Count != 45 || r.Rows[0].Version != 3 || r.Origin == nil || r.Origin.Row(103).Count != 49 {
		t.Fatalf("json %s", out)
	}

	// Without a registry: counted by id, and said so.
	code, out, _ = run(t, "--kafka", cl.Addr(), "schemas", demo.TopicPaymentsAvro, "--max-scan", "100")
	if code != 0 || !strings.Contains(out, "payments.avro: 100 messages read") || !strings.Contains(out, "stopped at --max-scan") || !strings.Contains(out, "no registry") {
		t.Fatalf("without a registry:\n%s", out)
	}
}
