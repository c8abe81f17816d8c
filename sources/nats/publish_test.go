package nats_test

import (
	"bytes"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// TestPublishOneMessageReadBack: a message published to a stream by its
// name goes to the subject the key names, and reads back byte for byte
// at the sequence the PubAck gave.
func TestPublishOneMessageReadBack(t *testing.T) {
	c := open(t)
	_, name := plainStream(t, c.JetStream(), "PUB")
	value := []byte("{\"n\":1}\n\x00")
	placed, err := c.Publish(ctxT(t), sources.PublishRequest{Target: sources.Target{Stream: name}, Partition: sources.NoPartition,
		Messages: []sources.Message{{Key: []byte(name + ".created"), Value: value, Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(placed) != 1 || placed[0].Stream != name || placed[0].Offset != 1 || placed[0].String() != name+" #1" {
		t.Fatalf("placed %+v (%s)", placed, placed[0])
	}
	got := read(t, c, name, sources.ReadOptions{})
	if len(got) != 1 || got[0].Offset != 1 || string(got[0].Key) != name+".created" || !bytes.Equal(got[0].Value, value) {
		t.Fatalf("read back %+v", got)
	}
	if v, ok := got[0].Header("tenant"); !ok || string(v) != "acme" {
		t.Fatalf("headers %+v", got[0].Headers)
	}
	if _, err := c.Publish(ctxT(t), sources.PublishRequest{Target: sources.Target{Stream: name}, Partition: sources.NoPartition,
		Messages: []sources.Message{{Value: value}}}); err == nil {
		t.Fatal("a message without a subject, to a stream of a wildcard subject, was published")
	}
}
