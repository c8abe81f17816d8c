package redis_test

import (
	"bytes"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestPublishOneEntryReadBack: a published message is an entry whose
// value and headers read back byte for byte, at the id Publish returned.
func TestPublishOneEntryReadBack(t *testing.T) {
	e := newEnv(t, redis.Options{})
	stream := e.key("published")
	value := []byte("caf\xc3\xa9 \x00\xff\n")
	placed, err := e.conn.Publish(e.ctx, sources.PublishRequest{Target: sources.Target{Stream: stream}, Partition: sources.NoPartition,
		Messages: []sources.Message{{Value: value, Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}, {Key: "bin", Value: []byte{0, 1, 2}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(placed) != 1 || placed[0].ID == "" || placed[0].Stream != stream {
		t.Fatalf("placed %+v", placed)
	}
	got := e.read(stream, sources.ReadOptions{})
	if len(got) != 1 {
		t.Fatalf("read %d messages", len(got))
	}
	m := got[0]
	if id, _ := propertyOf(m, redis.PropID); id != placed[0].ID {
		t.Errorf("entry id %q, Publish said %q", id, placed[0].ID)
	}
	if !bytes.Equal(m.Value, value) || len(m.Headers) != 2 || string(m.Headers[0].Value) != "acme" || !bytes.Equal(m.Headers[1].Value, []byte{0, 1, 2}) {
		t.Fatalf("read back %q %+v", m.Value, m.Headers)
	}
	if _, err := e.conn.Publish(e.ctx, sources.PublishRequest{Target: sources.Target{Stream: stream}, Partition: 2, Messages: got}); err == nil {
		t.Fatal("a partition was accepted on a Redis stream")
	}
}

func propertyOf(m sources.Message, name string) (string, bool) {
	for _, p := range m.Properties {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}
