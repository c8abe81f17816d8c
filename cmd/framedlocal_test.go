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
// say so, naming the framing's id (4294967295, all of its 32 bits, too),
// decoded from the bytes after the framing; an unframed one is the local
// schema's; with no registry the framed ones are the local schema's.
func TestRegistryFramingBeatsLocalRuleInExportAndCensus(t *testing.T) {
	const topic = "orders.mixed"
	c := newSchemaCluster(t, topic)
	id := c.register(t, topic+"-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[{"name":"name","type":"string"}]}`})
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	local := filepath.Join(dir, "t.avsc")
	if err := os.WriteFile(local, []byte(`{"type":"record","name":"T","fields":[{"name":"q","type":"string"},{"name":"m","type":"long"}]}`), 0o600); err != nil {
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
  bare:
    kind: kafka
    brokers: [%s]
    schemas:
      - {pattern: "orders.*", schema: %s}
`, c.addr, c.reg.URL(), local, c.addr, local)), 0o600); err != nil {
		t.Fatal(err)
	}
	const unknown = 9
	body := []byte{4, 'h', 'i', 6} // {"q":"hi","m":3}
	c.produce(t, topic, framedWith(id, []byte{2, 'x'}), framedWith(unknown, body), body, append([]byte{0, 0xff, 0xff, 0xff, 0xff}, body...))

	code, out, errOut := runIn(t, "", "--config", cfg, "export", topic)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	localDoc := `"value_decoded":{"q":"hi","m":3},"value_schema":{"format":"avro","message":"T","local":"` + local + `"`
	for i, want := range []string{
		`"value_decoded":{"name":"x"},"value_schema":{"id":` + fmt.Sprint(id) + `,"subject":"orders.mixed-value","version":1,"format":"avro","message":"R"}`,
		localDoc + `,"framed_id":9}`,
		localDoc + `}`,
		localDoc + `,"framed_id":4294967295}`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Fatalf("line %d: no %s in\n%s", i+1, want, lines[i])
		}
	}

	// With no registry the framed values are the local schema's too.
	code, out, errOut = runIn(t, "", "--config", cfg, "--connection", "bare", "export", topic)
	if code != 0 {
		t.Fatalf("export without a registry: %d %s", code, errOut)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], localDoc+`,"framed_id":9}`) || !strings.Contains(lines[2], localDoc+`}`) ||
		!strings.Contains(lines[3], localDoc+`,"framed_id":4294967295}`) {
		t.Fatalf("export without a registry:\n%s", out)
	}

	// schema.id is the framing's id, whichever schema decoded the value.
	for _, conn := range []string{"shop", "bare"} {
		code, out, errOut = runIn(t, "", "--config", cfg, "--connection", conn, "export", topic, "--filter", "schema.id == 4294967295")
		if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"framed_id":4294967295`) {
			t.Fatalf("%s: schema.id == 4294967295: %d %s\n%s", conn, code, errOut, out)
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
	if r := rows["id 4294967295"]; !r.Framed || r.Local != local || r.Count != 1 {
		t.Fatalf("id 0xFFFFFFFF row %+v in %s", r, out)
	}
	if r := rows["avro"]; r.Framed || r.Local != local || r.Count != 1 {
		t.Fatalf("local row %+v in %s", r, out)
	}
}
