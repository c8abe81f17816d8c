package kafka_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// threeWithOversized are three messages, the second over the producer's
// size limit.
func threeWithOversized() []sources.Message {
	return []sources.Message{
		{Partition: sources.NoPartition, Key: []byte("k1"), Value: []byte("v1")},
		{Partition: sources.NoPartition, Key: []byte("k2"), Value: make([]byte, 2<<20)},
		{Partition: sources.NoPartition, Key: []byte("k3"), Value: []byte("v3")},
	}
}

// checkPlacedAroundOversized: placed has the three messages, the second
// not delivered, and the topic holds exactly the first and the third, at
// the partitions and offsets placed says.
func checkPlacedAroundOversized(t *testing.T, placed []sources.Placement, got []sources.Message) {
	t.Helper()
	if len(placed) != 3 || placed[0].NotDelivered != nil || placed[2].NotDelivered != nil ||
		placed[1].NotDelivered == nil || !strings.Contains(placed[1].NotDelivered.Error(), "MaxMessageBytes") {
		t.Fatalf("placed %+v", placed)
	}
	if sources.CountNotDelivered(placed) != 1 || !strings.HasPrefix(placed[1].String(), "not delivered: ") {
		t.Fatalf("placed %+v", placed)
	}
	var keys []string
	for _, m := range got {
		keys = append(keys, string(m.Key))
		want := placed[0]
		if string(m.Key) == "k3" {
			want = placed[2]
		}
		if m.Partition != want.Partition || m.Offset != want.Offset {
			t.Fatalf("%s at p%d@%d, placed at %s", m.Key, m.Partition, m.Offset, want)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"k1", "k3"}) {
		t.Fatalf("topic holds %v, want [k1 k3]", keys)
	}
}

// TestPublishOversizedReportsTheOthersSentWithIt: Publish places every
// message it handed over, the ones after the oversized one included.
func TestPublishOversizedReportsTheOthersSentWithIt(t *testing.T) {
	_, addr := cluster(t, "partial-pub")
	c := dial(t, addr)
	placed, err := c.Publish(context.Background(), sources.PublishRequest{Target: sources.Target{Stream: "partial-pub"}, Partition: sources.NoPartition, Messages: threeWithOversized()})
	if err == nil || !strings.Contains(err.Error(), "message 2 not delivered: ") {
		t.Fatalf("err %v", err)
	}
	checkPlacedAroundOversized(t, placed, readAll(t, c, "partial-pub", sources.ReadOptions{}))
}

// TestSinkOversizedReportsTheOthersSentWithIt: replay's sink is a
// PlacingSink that says the same.
func TestSinkOversizedReportsTheOthersSentWithIt(t *testing.T) {
	_, addr := cluster(t, "partial-sink")
	c := dial(t, addr)
	s, err := c.OpenSink(context.Background(), sources.Target{Stream: "partial-sink"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ps, ok := s.(sources.PlacingSink)
	if !ok {
		t.Fatalf("%T is not a PlacingSink", s)
	}
	placed, err := ps.WritePlaced(context.Background(), threeWithOversized())
	if err == nil || !strings.Contains(err.Error(), "message 2 not delivered: ") {
		t.Fatalf("err %v", err)
	}
	checkPlacedAroundOversized(t, placed, readAll(t, c, "partial-sink", sources.ReadOptions{}))
}
