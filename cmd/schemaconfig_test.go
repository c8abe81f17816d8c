package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

const registrySecret = "sr-pw-81Kq2z"

// TestConfiguredSchemas: a connection's schema_registry (basic auth with a
// password from the environment) and local schemas decode its exports;
// config check names the password's source, never the password; the TUI
// gets the decoders; a schema that does not load names the connection.
func TestConfiguredSchemas(t *testing.T) {
	cl := typedDemo(t)
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	t.Setenv("MQ_TEST_SR_PW", registrySecret)
	orderSchema := filepath.Join(dir, "order.json")
	if err := os.WriteFile(orderSchema, []byte(`{"type":"object","required":["orderId"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	writeCfg := func(extra string) {
		t.Helper()
		body := fmt.Sprintf(`default: shop
connections:
  shop:
    kind: kafka
    brokers: [%s]
    schema_registry:
      url: %s
      username: mqscope
      password_env: MQ_TEST_SR_PW
    schemas:
      - {pattern: "ord*s", schema: %s}
%s`, cl.Addr(), cl.SchemaRegistryURL(), orderSchema, extra)
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg("")
	code, out, errOut := runIn(t, "", "--config", cfg, "export", demo.TopicPaymentsAvro, "--limit", "5")
	if code != 0 || strings.Count(out, `"value_schema":{"id":10`) != 5 || !strings.Contains(out, `"value_decoded":{"paymentId":`) {
		t.Fatalf("exit %d %s:\n%s", code, errOut, out)
	}
	code, out, errOut = runIn(t, "", "--config", cfg, "export", "orders", "--limit", "3")
	if code != 0 || strings.Count(out, `"value_schema":{"format":"jsonschema","local":"`+orderSchema+`"}`) != 3 {
		t.Fatalf("local schema: exit %d %s:\n%s", code, errOut, out)
	}
	code, out, _ = runIn(t, "", "--config", cfg, "config", "check")
	if code != 0 || !strings.Contains(out, "registry "+cl.SchemaRegistryURL()+" (mqscope / password $MQ_TEST_SR_PW), 1 local rule") || strings.Contains(out, registrySecret) {
		t.Fatalf("config check:\n%s", out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "test.log"))
	if strings.Contains(string(log), registrySecret) {
		t.Fatal("the registry's password is in the log")
	}

	// The TUI's decoders: by connection name.
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	e.root = newRoot(e)
	e.flags.config = cfg
	specs, err := e.connSpecs()
	if err != nil {
		t.Fatal(err)
	}
	if decs := e.tuiDecoders(specs); len(decs) != 1 || decs["shop"] == nil || decs["shop"].Registry() == nil {
		t.Fatalf("decoders %v", decs)
	}
	// --kafka with --schema-registry: the connection named after its broker.
	e = &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	e.root = newRoot(e)
	_ = e.root.PersistentFlags().Set("kafka", cl.Addr())
	e.flags.schemaRegistry = cl.SchemaRegistryURL()
	if specs, err = e.connSpecs(); err != nil {
		t.Fatal(err)
	}
	decs := e.tuiDecoders(specs)
	conn, err := e.connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(conn)
	if decs[conn[0].Name()] == nil {
		t.Fatalf("no decoder for %s: %v", conn[0].Name(), decs)
	}

	// Local Protobuf sources that do not load: the export says which connection.
	writeCfg("    protos: [" + filepath.Join(dir, "missing.proto") + "]\n")
	code, _, errOut = runIn(t, "", "--config", cfg, "export", "orders", "--limit", "1")
	if code == 0 || !strings.Contains(errOut, "connection shop: schemas:") || !strings.Contains(errOut, "--decode=false") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut = runIn(t, "", "--config", cfg, "export", "orders", "--limit", "1", "--decode=false"); code != 0 {
		t.Fatalf("--decode=false: %s", errOut)
	}
}

// TestExportSaysWhyAValueDidNotDecode: a value framed with an id the
// registry does not have keeps its bytes and says why, with the id; a
// filter finds it by schema.error.
func TestExportSaysWhyAValueDidNotDecode(t *testing.T) {
	cl := typedDemo(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic("framed", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	// id 9999, then a body; and a plain JSON value
	in := `{"stream":"framed","key":"a","value_b64":"AAAAJw8BAg=="}` + "\n" + `{"stream":"framed","key":"b","value":"{\"x\":1}"}` + "\n"
	if code, _, errOut := runIn(t, in, "--kafka", cl.Addr(), "replay", "-", "--to", "framed", "--yes"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "export", "framed")
	recs := records(t, out)
	if code != 0 || len(recs) != 2 {
		t.Fatalf("exit %d %s:\n%s", code, errOut, out)
	}
	e := recs[0].ValueSchemaError
	m, err := recs[0].Message()
	if err != nil {
		t.Fatal(err)
	}
	if e == nil || e.ID == nil || *e.ID != 9999 || e.Kind != "unknown schema id" || !strings.Contains(e.Error, "9999") || recs[0].ValueDecoded != nil || string(m.Value) != "\x00\x00\x00\x27\x0f\x01\x02" {
		t.Fatalf("line %+v error %+v", recs[0], e)
	}
	if recs[1].ValueSchemaError != nil || recs[1].ValueSchema != nil || recs[1].ValueDecoded != nil {
		t.Fatalf("plain JSON: %+v", recs[1])
	}
	code, out, _ = run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "export", "framed", "--filter", `schema.error != "" && schema.id == 9999`)
	if recs := records(t, out); code != 0 || len(recs) != 1 || *recs[0].Key != "a" {
		t.Fatalf("filter on schema.error:\n%s", out)
	}
}

// TestDemoConnectionDecodes: the demo's Kafka connection gets the demo's
// Schema Registry (the TUI's decoder and the session's commands alike).
func TestDemoConnectionDecodes(t *testing.T) {
	cl := typedDemo(t)
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	e.root = newRoot(e)
	dec, err := e.demoDecoder(cl)
	if err != nil || dec == nil || dec.Registry() == nil {
		t.Fatalf("decoder %v %v", dec, err)
	}
	if again, _ := e.decoderFor(demoConn, "kafka"); again != dec {
		t.Fatal("the session's commands get another decoder")
	}
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: demoConn, Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if d, _ := e.decoder(conn); d != dec {
		t.Fatal("the demo connection has another decoder")
	}
	sub, err := conn.Read(context.Background(), demo.TopicPaymentsAvro, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sources.Drain(context.Background(), sub, 3)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%d messages: %v", len(msgs), err)
	}
	for _, m := range msgs {
		d := dec.Value(context.Background(), &m)
		if d.Err != nil || d.Ref.Subject != demo.SubjectPaymentsAvro || !strings.Contains(string(d.JSON), `"orderId":"ord-`) {
			t.Fatalf("decoded %+v %s", d.Ref, d.JSON)
		}
	}
}
