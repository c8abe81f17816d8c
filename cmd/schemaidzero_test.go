package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/IBM/sarama"
)

// TestSchemaIDZeroIsNamed: a value framed with schema id 0 (an id the
// registry does not have) names id 0 as any other id: in export's
// value_schema_error, kcat's value_schema_id, tail's line and a filter's
// schema.id; an unframed value names none.
func TestSchemaIDZeroIsNamed(t *testing.T) {
	cl := typedDemo(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic("framed0", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	// magic byte 0, id 0, a body; then a plain JSON value
	in := `{"stream":"framed0","key":"a","value_b64":"AAAAAAABAg=="}` + "\n" + `{"stream":"framed0","key":"b","value":"{\"x\":1}"}` + "\n"
	if code, _, errOut := runIn(t, in, "--kafka", cl.Addr(), "replay", "-", "--to", "framed0", "--yes"); code != 0 {
		t.Fatal(errOut)
	}
	reg := cl.SchemaRegistryURL()
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", reg, "export", "framed0")
	recs := records(t, out)
	if code != 0 || len(recs) != 2 {
		t.Fatalf("exit %d %s:\n%s", code, errOut, out)
	}
	if e := recs[0].ValueSchemaError; e == nil || e.ID == nil || *e.ID != 0 || e.Kind != "unknown schema id" || !strings.Contains(out, `"value_schema_error":{"id":0,`) {
		t.Fatalf("framed with id 0: %+v\n%s", e, out)
	}
	if recs[1].ValueSchemaError != nil || recs[1].ValueSchema != nil {
		t.Fatalf("plain JSON: %+v", recs[1])
	}

	code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", reg, "export", "framed0", "--format", "kcat")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("kcat: exit %d %s:\n%s", code, errOut, out)
	}
	var kcat []map[string]any
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		kcat = append(kcat, v)
	}
	if id, ok := kcat[0]["value_schema_id"]; !ok || id != float64(0) {
		t.Fatalf("kcat line of the framed value: %s", lines[0])
	}
	if _, ok := kcat[1]["value_schema_id"]; ok {
		t.Fatalf("kcat line of the plain value: %s", lines[1])
	}

	code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", reg, "tail", "framed0", "--from", "oldest", "--limit", "2")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("tail: exit %d %s:\n%s", code, errOut, out)
	}
	if !strings.Contains(lines[0], "[schema id 0]") || !strings.Contains(lines[0], "unknown schema id") || strings.Contains(lines[1], "[schema") {
		t.Fatalf("tail:\n%s", out)
	}

	for _, c := range []struct{ filter, key string }{{`schema.id == 0`, "a"}, {`schema.id == nil`, "b"}, {`schema.error == nil`, "b"}, {`schema.error != nil`, "a"}} {
		code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", reg, "export", "framed0", "--filter", c.filter)
		if recs := records(t, out); code != 0 || len(recs) != 1 || *recs[0].Key != c.key {
			t.Fatalf("--filter %s: exit %d %s:\n%s", c.filter, code, errOut, out)
		}
	}
}
