package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/versions"
)

// TestRegistryFramingBeatsLocalRuleInExportAndCensus: on a stream a local
// schema is mapped to, a value framed with an id the registry has is
// exported and counted with the registry's schema; one framed with an id
// it does not have is decoded with the local schema and its line and row
// say so, naming the framing's id; an unframed one is the local schema's.
func TestRegistryFramingBeatsLocalRuleInExportAndCensus(t *testing.T) {
	const topic = "orders.mixed"
	c := newSchemaCluster(t, topic)
	id := c.register(t, topic+"-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[{"name":"name","type":"string"}]}`})
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	local := filepath.Join(dir, "orders.avsc")
	// Five ints then a string: the framing's five bytes fit it too.
	if err := os.WriteFile(local, []byte(`{"type":"record","name":"L","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"int"},{"name":"d","type":"int"},{"name":"e","type":"int"},{"name":"s","type":"string"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`default: shop
connections:
  shop:
    kind: kafka
    brokers: [%s]
    schema_registry:
      url: %s
    schemas:
      - {pattern: "orders.*", schema: %s}
`, c.addr, c.reg.URL(), local)), 0o600); err != nil {
		t.Fatal(err)
	}
	const unknown = 9
	c.produce(t, topic, framedWith(id, []byte{2, 'x'}), framedWith(unknown, []byte{2, 'y'}), []byte{2, 4, 6, 8, 10, 2, 'z'})

	code, out, errOut := runIn(t, "", "--config", cfg, "export", topic)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for i, want := range []string{
		`"value_decoded":{"name":"x"},"value_schema":{"id":` + fmt.Sprint(id) + `,"subject":"orders.mixed-value","version":1,"format":"avro","message":"R"}`,
		`"value_decoded":{"a":0,"b":0,"c":0,"d":0,"e":-5,"s":"y"},"value_schema":{"format":"avro","message":"L","local":"` + local + `","framed_id":9}`,
		`"value_decoded":{"a":1,"b":2,"c":3,"d":4,"e":5,"s":"z"},"value_schema":{"format":"avro","message":"L","local":"` + local + `"}`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Fatalf("line %d: no %s in\n%s", i+1, want, lines[i])
		}
	}

	code, out, errOut = runIn(t, "", "--config", cfg, "export", topic, "--format", "text")
	if code != 0 || !strings.Contains(out, "framed with id 9, which the registry does not have") {
		t.Fatalf("text export: %d %s\n%s", code, errOut, out)
	}

	code, out, errOut = runIn(t, "", "--config", cfg, "schemas", topic, "--json")
	if code != 0 {
		t.Fatalf("schemas: %d %s", code, errOut)
	}
	var rep versions.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rows := map[string]versions.Row{}
	for _, r := range rep.Rows {
		rows[r.Label()] = r
	}
	if r := rows["v1"]; r.ID != id || r.Subject != "orders.mixed-value" || r.Local != "" || r.Count != 1 {
		t.Fatalf("registry row %+v in %s", r, out)
	}
	if r := rows["id 9"]; !r.Framed || r.Local != local || r.Format != "avro" || !strings.Contains(r.Err, "not in the registry; decoded with the local schema "+local) {
		t.Fatalf("unknown id row %+v in %s", r, out)
	}
	if r := rows["avro"]; r.Framed || r.Local != local || r.Count != 1 {
		t.Fatalf("local row %+v in %s", r, out)
	}
}
