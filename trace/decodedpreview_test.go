package trace_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/IBM/sarama"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/trace"
)

// TestHitsOfSchemaValuesCarryTheDocument: a hit whose value a schema
// decodes carries the decoded document, and its preview and event type
// come from it, whether the value was found by a correlation header (an
// Avro value framed for the registry) or inside the document; a hit of a
// plain JSON value previews its bytes.
func TestHitsOfSchemaValuesCarryTheDocument(t *testing.T) {
	ctx := context.Background()
	cl, err := demo.Start(ctx, demo.Options{Port: -1, History: 120, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const avsc = `{"type":"record","name":"Refund","namespace":"acme","fields":[{"name":"type","type":"string"},{"name":"orderId","type":"string"}]}`
	rc, err := sr.NewClient(sr.URLs(cl.SchemaRegistryURL()))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := rc.CreateSchema(ctx, "refunds.avro-value", sr.Schema{Schema: avsc})
	if err != nil {
		t.Fatal(err)
	}
	body, err := avro.Marshal(avro.MustParse(avsc), map[string]any{"type": "RefundIssued", "orderId": "ord-refund-1"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"refunds.avro", "refunds.json"} {
		if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
	}
	admin.Close()
	corr := []sarama.RecordHeader{{Key: []byte("correlation-id"), Value: []byte("corr-refund-1")}}
	records := []*sarama.ProducerMessage{
		{Topic: "refunds.avro", Value: sarama.ByteEncoder(append(schema.AppendHeader(nil, ss.ID), body...)), Headers: corr},
		{Topic: "refunds.json", Value: sarama.StringEncoder(`{"type":"RefundLogged","orderId":"ord-refund-1"}`), Headers: corr},
	}
	if err := demo.Fill(cl.Addr(), len(records), func(i int) *sarama.ProducerMessage { return records[i] }); err != nil {
		t.Fatal(err)
	}
	conn, err := kafka.Dial(ctx, kafka.Options{Name: "demo", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	opts := trace.Options{Decoders: map[string]*schema.Decoder{"demo": dec}}
	res, err := trace.Run(ctx, []sources.Conn{conn}, "corr-refund-1", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]trace.Hit{}
	for _, h := range res.Hits {
		by[h.Stream] = h
	}
	avroHit, jsonHit := by["refunds.avro"], by["refunds.json"]
	if avroHit.Via != "correlation-id" || string(avroHit.Decoded) != `{"type":"RefundIssued","orderId":"ord-refund-1"}` ||
		string(avroHit.Preview()) != string(avroHit.Decoded) || avroHit.Event != "RefundIssued" {
		t.Fatalf("the Avro hit: %+v", avroHit)
	}
	if jsonHit.Decoded != nil || string(jsonHit.Preview()) != string(jsonHit.Message.Value) || jsonHit.Event != "RefundLogged" {
		t.Fatalf("the JSON hit: %+v", jsonHit)
	}

	// Found inside the decoded value: the demo's payments.avro.
	dead := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvroDLT)[0]
	var p struct {
		OrderID string `json:"orderId"`
	}
	if d := dec.Value(ctx, &dead); d.Err != nil || json.Unmarshal(d.JSON, &p) != nil || p.OrderID == "" {
		t.Fatalf("dead letter value: %+v", d)
	}
	res, err = trace.Run(ctx, []sources.Conn{conn}, p.OrderID, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range res.Hits {
		if h.Stream != demo.TopicPaymentsAvro && h.Stream != demo.TopicPaymentsAvroDLT {
			continue
		}
		n++
		var doc struct {
			OrderID string `json:"orderId"`
		}
		if json.Unmarshal(h.Preview(), &doc) != nil || doc.OrderID != p.OrderID || string(h.Preview()) != string(h.Decoded) {
			t.Fatalf("hit %s@%d previews %q", h.Stream, h.Offset, h.Preview())
		}
	}
	if n < 2 {
		t.Fatalf("%d payment hits in %+v", n, res.Hits)
	}
}
