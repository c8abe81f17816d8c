package cmd

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestExportNamesDeletedVersion: values framed with the id of a subject
// version that was soft-deleted are exported with the subject and version,
// marked deleted, and a filter on schema.version still finds them.
func TestExportNamesDeletedVersion(t *testing.T) {
	d := testbroker.NewDeletedSubject(t, "lt")
	code, out, errOut := run(t, "--kafka", d.Addr, "--schema-registry", d.Registry, "export", d.Topic, "--filter", "schema.version == 1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"deleted":true`) {
		t.Fatalf("no deleted mark in %s", out)
	}
	recs := records(t, out)
	if len(recs) != 3 {
		t.Fatalf("%d records exported, want 3: %s", len(recs), errOut)
	}
	for i, r := range recs {
		vs := r.ValueSchema
		if vs == nil || vs.ID == nil || *vs.ID != d.ID || vs.Subject != "lt-value" || vs.Version != 1 || !vs.Deleted || vs.Format != "avro" || vs.Message != "t.L" || r.ValueSchemaError != nil {
			t.Fatalf("record %d: value_schema %+v error %+v", i, vs, r.ValueSchemaError)
		}
	}
}
