package testbroker

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources/schema"
)

// NamedDLT is a Kafka cluster with a topic orders and its dead-letter
// topic linked to it by name only (no provenance headers), framed with a
// registry's ids: orders holds 6 values (3 v1, 2 v2, 1 v3 of
// orders-value, whose v1 is soft-deleted afterwards), the DLT 10 (9 v3,
// and 1 framed with BadID, a schema of subject BadSubject that does not
// compile). The DLT's timestamps span the origin's.
type NamedDLT struct {
	Addr, Registry string
	DLT            string
	IDs            [3]int // v1, v2, v3 of orders-value
	BadID          int
	BadSubject     string
}

// NewNamedDLT makes it; dlt is the dead-letter topic's name (orders.DLT,
// orders-dlq, orders.dead-letter). The cluster and the registry close
// with the test.
func NewNamedDLT(t testing.TB, dlt string) NamedDLT {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders", dlt))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	n := NamedDLT{Addr: kf.ListenAddrs()[0], Registry: reg.URL(), DLT: dlt, BadSubject: dlt + "-value"}
	texts := []string{
		`{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`,
		`{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""}]}`,
		`{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""},{"name":"qty","type":"int","default":0}]}`,
	}
	for i, text := range texts {
		if n.IDs[i], _, err = reg.RegisterSchema("orders-value", sr.Schema{Schema: text}); err != nil {
			t.Fatal(err)
		}
	}
	if n.BadID, _, err = reg.RegisterSchema(n.BadSubject, sr.Schema{Schema: `{"type":"record","name":"Broken","fields":[{"name":"x","type":"no.such.Type"}]}`}); err != nil {
		t.Fatal(err)
	}
	bodies := [][]byte{[]byte("\x02a"), []byte("\x02a\x02b"), []byte("\x02a\x02b\x06")}
	value := func(v int) []byte { return append(schema.AppendHeader(nil, n.IDs[v]), bodies[v]...) }
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var msgs []*sarama.ProducerMessage
	for i, v := range []int{0, 0, 0, 1, 1, 2} {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: "orders", Value: sarama.ByteEncoder(value(v)), Timestamp: t0.Add(time.Duration(i+1) * time.Second)})
	}
	for i := range 10 {
		v := value(2)
		if i == 9 {
			v = append(schema.AppendHeader(nil, n.BadID), 1, 2, 3)
		}
		msgs = append(msgs, &sarama.ProducerMessage{Topic: dlt, Value: sarama.ByteEncoder(v), Timestamp: t0.Add(time.Duration(i) * time.Second)})
	}
	sendAll(t, n.Addr, msgs)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.DeleteSchema(context.Background(), "orders-value", 1, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	return n
}

// sendAll writes msgs to the cluster at addr, each acknowledged.
func sendAll(t testing.TB, addr string, msgs []*sarama.ProducerMessage) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SendMessages(msgs); err != nil {
		t.Fatal(err)
	}
}
