package cmd

import (
	"context"
	"strconv"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
)

// schemaCluster is an in-process Kafka cluster with topics and a Schema
// Registry.
type schemaCluster struct {
	addr string
	reg  *srfake.Registry
}

func newSchemaCluster(t *testing.T, topics ...string) schemaCluster {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	reg := srfake.New()
	t.Cleanup(reg.Close)
	return schemaCluster{addr: kf.ListenAddrs()[0], reg: reg}
}

// register adds a schema under subject and returns its id.
func (c schemaCluster) register(t *testing.T, subject string, s sr.Schema) int {
	t.Helper()
	id, _, err := c.reg.RegisterSchema(subject, s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// produce writes values to topic, each keyed with its index.
func (c schemaCluster) produce(t *testing.T, topic string, values ...[]byte) {
	t.Helper()
	pc := sarama.NewConfig()
	pc.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer([]string{c.addr}, pc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i, v := range values {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(strconv.Itoa(i)), Value: sarama.ByteEncoder(v)}); err != nil {
			t.Fatal(err)
		}
	}
}

// args are the flags that reach the cluster and its registry.
func (c schemaCluster) args() []string {
	return []string{"--kafka", c.addr, "--schema-registry", c.reg.URL()}
}

// framedWith is body framed with registry id (and Protobuf message
// indexes when given).
func framedWith(id int, body []byte, indexes ...int) []byte {
	out := schema.AppendHeader(nil, id)
	if indexes != nil {
		out = schema.AppendIndexes(out, indexes)
	}
	return append(out, body...)
}

// readTopic is the values of every message of topic, in order.
func readTopic(t *testing.T, addr, topic string) [][]byte {
	t.Helper()
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out [][]byte
	for _, m := range testbroker.ReadAll(t, conn, topic) {
		out = append(out, m.Value)
	}
	return out
}
