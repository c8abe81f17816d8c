package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/hamba/avro/v2"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/schema"
)

// typedDemo is the demo with its Schema Registry, no live trickle.
func typedDemo(t *testing.T) *demo.Cluster {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 120, TrickleEvery: -1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// records reads an export's lines as capture records.
func records(t *testing.T, out string) []capture.Record {
	t.Helper()
	var recs []capture.Record
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var r capture.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %s: %v", l, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// registrySchema fetches a schema's text by id over HTTP, as any client does.
func registrySchema(t *testing.T, base string, id int) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/schemas/ids/%d", base, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Schema string `json:"schema"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Schema
}

// payment is what the test reads of a payment with hamba, independently
// of mqscope's decoder.
type payment struct {
	PaymentID string   `avro:"paymentId"`
	OrderID   string   `avro:"orderId"`
	Amount    *big.Rat `avro:"amount"`
	Currency  string   `avro:"currency"`
	Status    string   `avro:"status"`
}

// decodedPayment is the same fields of an export line's value_decoded.
type decodedPayment struct {
	PaymentID string `json:"paymentId"`
	OrderID   string `json:"orderId"`
	Amount    string `json:"amount"`
	Currency  string `json:"currency"`
	Status    string `json:"status"`
}

// TestExportDecodesSchemas: an export of the demo's Avro and Protobuf
// topics keeps the bytes and adds what the registry's schemas decode them
// to (checked against hamba reading the registry's schema on its own), the
// schema that did, and kcat's schema ids; tail prints decoded values;
// --decode=false leaves them out.
func TestExportDecodesSchemas(t *testing.T) {
	cl := typedDemo(t)
	sr := cl.SchemaRegistryURL()
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", sr, "export", demo.TopicPaymentsAvro)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := records(t, out)
	if len(recs) < 60 {
		t.Fatalf("%d payments exported", len(recs))
	}
	versions := map[int]int{}
	schemas := map[int]avro.Schema{}
	for i, r := range recs {
		m, err := r.Message()
		if err != nil {
			t.Fatal(err)
		}
		id, body, err := schema.ParseHeader(m.Value)
		if err != nil {
			t.Fatalf("record %d: the raw value is not kept: %v", i, err)
		}
		vs := r.ValueSchema
		if vs == nil || vs.ID == nil || *vs.ID != id || *vs.ID != 100+vs.Version || vs.Subject != demo.SubjectPaymentsAvro || vs.Format != "avro" || r.ValueSchemaError != nil {
			t.Fatalf("record %d: value_schema %+v error %+v (framing id %d)", i, vs, r.ValueSchemaError, id)
		}
		versions[vs.Version]++
		if schemas[id] == nil {
			schemas[id] = avro.MustParse(registrySchema(t, sr, id))
		}
		var want payment
		if err := avro.Unmarshal(schemas[id], body, &want); err != nil {
			t.Fatal(err)
		}
		var got decodedPayment
		if err := json.Unmarshal(r.ValueDecoded, &got); err != nil {
			t.Fatalf("record %d: value_decoded %s: %v", i, r.ValueDecoded, err)
		}
		scale := 2
		if vs.Version == 3 {
			scale = 4
		}
		if got != (decodedPayment{want.PaymentID, want.OrderID, want.Amount.FloatString(scale), want.Currency, want.Status}) {
			t.Fatalf("record %d: decoded %+v, hamba %+v", i, got, want)
		}
		// v3 producers write Avro keys: decoded to the order id.
		if vs.Version == 3 {
			if r.KeySchema == nil || r.KeySchema.ID == nil || *r.KeySchema.ID != 104 || r.KeySchema.Subject != demo.SubjectPaymentsAvroKey || string(r.KeyDecoded) != `"`+want.OrderID+`"` {
				t.Fatalf("record %d: key_schema %+v key_decoded %s", i, r.KeySchema, r.KeyDecoded)
			}
		} else if r.KeySchema != nil || r.KeyDecoded != nil || *r.Key != want.OrderID {
			t.Fatalf("record %d: a plain key decoded: %+v %s", i, r.KeySchema, r.KeyDecoded)
		}
	}
	if versions[1] == 0 || versions[2] == 0 || versions[3] == 0 {
		t.Fatalf("versions %v", versions)
	}

	// Protobuf: ShipmentEvent (message [1]) with the referenced address.
	code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", sr, "export", demo.TopicShipmentsProto, "--limit", "30")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for i, r := range records(t, out) {
		var ev struct {
			OrderID     string `json:"order_id"`
			Destination struct {
				City string `json:"city"`
			} `json:"destination"`
			Parcels []struct {
				ID string `json:"parcel_id"`
			} `json:"parcels"`
		}
		vs := r.ValueSchema
		if vs == nil || vs.Format != "protobuf" || vs.Message != "acme.shipments.v1.ShipmentEvent" || vs.ID == nil || *vs.ID != 201+vs.Version || json.Unmarshal(r.ValueDecoded, &ev) != nil {
			t.Fatalf("shipment %d: %+v %s", i, vs, r.ValueDecoded)
		}
		if ev.OrderID != *r.Key || ev.Destination.City == "" || len(ev.Parcels) == 0 || !strings.HasPrefix(ev.Parcels[0].ID, "prc-"+ev.OrderID[4:]) {
			t.Fatalf("shipment %d: %+v (key %s)", i, ev, *r.Key)
		}
	}

	// kcat's schema ids.
	code, out, _ = run(t, "--kafka", cl.Addr(), "--schema-registry", sr, "export", demo.TopicPaymentsAvro, "--format", "kcat", "--filter", "schema.version == 3", "--limit", "3")
	if code != 0 || strings.Count(out, `"value_schema_id":103`) != 3 || strings.Count(out, `"key_schema_id":104`) != 3 {
		t.Fatalf("kcat:\n%s", out)
	}
	// tail prints decoded values.
	code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", sr, "tail", demo.TopicPaymentsAvro, "--from", "oldest", "--limit", "5")
	if code != 0 || strings.Count(out, "[avro payments.avro-value v") != 5 || strings.Count(out, `"orderId":"ord-`) != 5 {
		t.Fatalf("tail exit %d %s:\n%s", code, errOut, out)
	}
	// --decode=false: the bytes only.
	code, out, _ = run(t, "--kafka", cl.Addr(), "--schema-registry", sr, "export", demo.TopicPaymentsAvro, "--decode=false", "--limit", "5")
	if code != 0 || strings.Contains(out, "_decoded") || strings.Contains(out, "_schema") || strings.Count(out, "\n") != 5 {
		t.Fatalf("--decode=false:\n%s", out)
	}
	// Without a registry the framed values say so.
	code, out, _ = run(t, "--kafka", cl.Addr(), "--config", filepath.Join(t.TempDir(), "none.yaml"), "export", demo.TopicPaymentsAvro, "--limit", "5")
	if code != 0 || strings.Contains(out, "value_decoded") {
		t.Fatalf("without a registry:\n%s", out)
	}
}

// TestExportDecodedReplaysByteExact: a decoded export replayed into
// another topic gives back the same keys, values and headers.
func TestExportDecodedReplaysByteExact(t *testing.T) {
	cl := typedDemo(t)
	const copyTopic = "payments.avro.copy"
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic(copyTopic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	file := filepath.Join(t.TempDir(), "payments.jsonl")
	code, _, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "export", demo.TopicPaymentsAvro, "--partition", "0", "-o", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(data), `"value_decoded":{`) {
		t.Fatalf("export not decoded: %v", err)
	}
	if code, _, errOut := run(t, "--kafka", cl.Addr(), "replay", file, "--to", copyTopic, "--yes"); code != 0 {
		t.Fatalf("replay exit %d: %s", code, errOut)
	}
	var copied string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, copied, _ = run(t, "--kafka", cl.Addr(), "export", copyTopic, "--decode=false")
		if strings.Count(copied, "\n") == strings.Count(string(data), "\n") {
			break
		}
	}
	orig, dup := records(t, string(data)), records(t, copied)
	if len(orig) == 0 || len(dup) != len(orig) {
		t.Fatalf("%d copied of %d", len(dup), len(orig))
	}
	for i := range orig {
		a, err := orig[i].Message()
		if err != nil {
			t.Fatal(err)
		}
		b, err := dup[i].Message()
		if err != nil {
			t.Fatal(err)
		}
		if string(a.Key) != string(b.Key) || string(a.Value) != string(b.Value) {
			t.Fatalf("record %d differs:\n%q %x\n%q %x", i, a.Key, a.Value, b.Key, b.Value)
		}
		for _, h := range a.Headers {
			if !hasHeader(b.Headers, h.Key, string(h.Value)) {
				t.Fatalf("record %d: header %s lost", i, h.Key)
			}
		}
	}
}

// TestExportFiltersDecodedFields: --filter reads the decoded Avro value
// (json) and its schema (schema.version...), natively and with expr.
func TestExportFiltersDecodedFields(t *testing.T) {
	cl := typedDemo(t)
	args := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "export", demo.TopicPaymentsAvro}
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	type pos struct {
		p int32
		o int64
	}
	all := records(t, out)
	want := map[string]map[pos]bool{"pending": {}, "v3": {}, "amount": {}, "v3pending": {}}
	for _, r := range all {
		var p decodedPayment
		if err := json.Unmarshal(r.ValueDecoded, &p); err != nil {
			t.Fatal(err)
		}
		k := pos{r.Partition, r.Offset}
		amount, _ := new(big.Rat).SetString(p.Amount)
		if p.Status == "PENDING_REVIEW" {
			want["pending"][k] = true
		}
		if r.ValueSchema.Version == 3 {
			want["v3"][k] = true
			if p.Status == "PENDING_REVIEW" {
				want["v3pending"][k] = true
			}
		}
		if amount.Cmp(big.NewRat(100, 1)) > 0 {
			want["amount"][k] = true
		}
	}
	if len(want["pending"]) == 0 || len(want["pending"]) != len(want["v3pending"]) || len(want["v3"]) <= len(want["pending"]) ||
		len(want["amount"]) == 0 || len(want["amount"]) == len(all) {
		t.Fatalf("the demo's data: %d records, %d pending review (%d of them v3), %d v3, %d over 100", len(all),
			len(want["pending"]), len(want["v3pending"]), len(want["v3"]), len(want["amount"]))
	}
	for _, c := range []struct{ name, filter string }{
		{"pending", `json.status == "PENDING_REVIEW"`},
		{"v3", `schema.version == 3`},
		{"v3", `schema.id == 103 && schema.subject == "payments.avro-value" && schema.format == "avro"`},
		{"amount", `json.amount > 100`},
		{"v3pending", `schema.version == 3 && json.status == "PENDING_REVIEW"`},
	} {
		code, out, errOut := run(t, append(args, "--filter", c.filter)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.filter, code, errOut)
		}
		got := records(t, out)
		if len(got) != len(want[c.name]) {
			t.Errorf("%s: %d matched, want %d", c.filter, len(got), len(want[c.name]))
		}
		for _, r := range got {
			if !want[c.name][pos{r.Partition, r.Offset}] {
				t.Errorf("%s: matched %d@%d (%s)", c.filter, r.Partition, r.Offset, r.ValueDecoded)
			}
		}
	}
}

// hasHeader reports a header with the key and value.
func hasHeader(hs []sources.Header, key, value string) bool {
	for _, h := range hs {
		if h.Key == key && string(h.Value) == value {
			return true
		}
	}
	return false
}
