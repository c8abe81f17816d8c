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

// DeletedSubject is a Kafka cluster with a topic whose 3 values are
// framed with the registry id of "<topic>-value" v1 (an Avro record t.L),
// the subject's only version, soft-deleted after they were written: the
// id has no live subject version.
type DeletedSubject struct {
	Addr, Registry string
	Topic          string
	ID             int
}

// NewDeletedSubject makes it; the cluster and the registry close with the
// test.
func NewDeletedSubject(t testing.TB, topic string) DeletedSubject {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	d := DeletedSubject{Addr: kf.ListenAddrs()[0], Registry: reg.URL(), Topic: topic}
	if d.ID, _, err = reg.RegisterSchema(topic+"-value", sr.Schema{Schema: `{"type":"record","name":"L","namespace":"t","fields":[{"name":"id","type":"string"}]}`}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var msgs []*sarama.ProducerMessage
	for i, id := range []string{"a", "b", "c"} {
		v := append(schema.AppendHeader(nil, d.ID), byte(2*len(id)))
		v = append(v, id...)
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(v), Timestamp: t0.Add(time.Duration(i) * time.Second)})
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer([]string{d.Addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SendMessages(msgs); err != nil {
		t.Fatal(err)
	}
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.DeleteSchema(context.Background(), topic+"-value", 1, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	return d
}
