package versions_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

// TestCensusOfPaymentsDLT: the demo's 300 payments are 100 v1, 150 v2 and
// 50 v3; 45 of its 50 dead letters are v3 and 5 v2. The census finds 90%
// v3 in payments.avro.DLT and, over the span the dead letters' originals
// were written in, 17% v3 in payments.avro, names each id's subject
// version and asks the registry about its compatibility with the latest.
func TestCensusOfPaymentsDLT(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 300, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "demo", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	r, err := versions.Run(context.Background(), versions.Params{
		Open: conn.Read, Decoder: dec, Stream: demo.TopicPaymentsAvroDLT,
		Options:  sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}},
		Progress: func(*versions.Builder) { steps++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Scanned != 50 || r.DeadLetters != 50 || len(r.Rows) != 2 {
		t.Fatalf("DLT census: %+v", r.Census)
	}
	v3, v2 := r.Rows[0], r.Rows[1]
	if v3.ID != 103 || v3.Subject != demo.SubjectPaymentsAvro || v3.Version != 3 || v3.Latest != 3 || v3.Format != schema.FormatAvro ||
		v3.Count != 45 || versions.Percent(v3.Share) != 90 || v3.Compatible == nil || !*v3.Compatible || v3.Compat() != "latest" {
		t.Fatalf("v3 row %+v", v3)
	}
	if v2.ID != 102 || v2.Version != 2 || v2.Count != 5 || v2.Compatible == nil || v2.Compat() != "compatible with v3" {
		t.Fatalf("v2 row %+v (%s)", v2, v2.Compat())
	}
	if len(v3.Partitions) == 0 || v3.First.IsZero() || v3.Last.Before(v3.First) {
		t.Fatalf("v3 span %v..%v partitions %v", v3.First, v3.Last, v3.Partitions)
	}

	// The origin: payments.avro from the first dead letter's original
	// (order 5, a v3 payment) to the last's (order 293, v3): orders 5 to
	// 293, 289 payments of which 49 are v3 (every sixth).
	o := r.Origin
	if o == nil || o.Stream != demo.TopicPaymentsAvro {
		t.Fatalf("origin %+v", o)
	}
	all := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro)
	want := map[int]int64{}
	var inSpan int64
	for _, m := range all {
		if m.Timestamp.Before(r.OriginFrom) || m.Timestamp.After(r.OriginTo) {
			continue
		}
		id, _, err := schema.ParseHeader(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		want[id]++
		inSpan++
	}
	if o.Scanned != inSpan || inSpan != 289 || want[103] != 49 {
		t.Fatalf("origin read %d messages, %d in the span; v3 %d", o.Scanned, inSpan, want[103])
	}
	for _, row := range o.Rows {
		if row.Count != want[row.ID] || row.Subject != demo.SubjectPaymentsAvro || row.Compatible == nil {
			t.Errorf("origin row %+v, want %d", row, want[row.ID])
		}
	}
	if ov3 := o.Row(103); ov3 == nil || versions.Percent(ov3.Share) != 17 {
		t.Fatalf("origin v3 %+v", ov3)
	}
	if r.Comparison != "payments.avro.DLT: 90% carry v3; payments.avro: 17% v3" {
		t.Fatalf("comparison %q", r.Comparison)
	}

	// A row's filter selects its messages, and only them.
	f, err := filter.Compile(v3.Filter)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvroDLT) {
		ok, err := f.Match(&m)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			n++
		}
	}
	if n != 45 || v3.Filter != "schema.id == 103" {
		t.Fatalf("filter %s selects %d", v3.Filter, n)
	}

	// A budget stops the census early and says so.
	b := versions.NewBuilder(demo.TopicPaymentsAvro, dec, nil, 40)
	sub, err := conn.Read(context.Background(), demo.TopicPaymentsAvro, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Read(context.Background(), sub, nil); err != nil {
		t.Fatal(err)
	}
	if c := b.Census(); c.Scanned != 40 || !c.Budget {
		t.Fatalf("budget census %+v", c)
	}
}

// TestCensusWithoutRegistry: without a registry the census still counts
// by id and by format, and says the registry is missing.
func TestCensusWithoutRegistry(t *testing.T) {
	b := versions.NewBuilder("t", nil, nil, 0)
	for i, v := range [][]byte{schema.AppendHeader(nil, 7), schema.AppendHeader(nil, 7), []byte(`{"a":1}`), nil} {
		b.Add(&sources.Message{Stream: "t", Partition: int32(i % 2), Value: v})
	}
	b.Resolve(context.Background())
	c := b.Census()
	if len(c.Rows) != 3 || c.Rows[0].ID != 7 || c.Rows[0].Count != 2 || c.Rows[0].Err != "no registry" || c.Rows[0].Label() != "id 7" || c.Rows[0].Compat() != "?" {
		t.Fatalf("rows %+v", c.Rows)
	}
	if len(c.Rows[0].Partitions) != 2 || c.Rows[1].Format != schema.FormatJSON && c.Rows[1].Format != schema.FormatNull {
		t.Fatalf("rows %+v", c.Rows)
	}
}
