package demo_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

func TestDemoManyTopics(t *testing.T) {
	const n, parts = 120, 4
	cl := start(t, demo.Options{History: -1, TrickleEvery: -1, Topics: n, TopicPartitions: parts})
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	streams, err := c.ListStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, s := range streams {
		byName[s.Name] = i
	}
	dlts := 0
	for i := 0; i < n; i++ {
		name := demo.ManyTopicName(i)
		at, ok := byName[name]
		if !ok {
			t.Fatalf("topic %d (%s) missing", i, name)
		}
		s := streams[at]
		if len(s.Partitions) != parts || s.Messages != int64(i%5) {
			t.Fatalf("%s: %d partitions, %d messages; want %d, %d", name, len(s.Partitions), s.Messages, parts, i%5)
		}
		if s.DeadLetter {
			dlts++
			if s.DeadLetterFor != demo.ManyTopicName(i-1) {
				t.Fatalf("%s serves %q, want %q", name, s.DeadLetterFor, demo.ManyTopicName(i-1))
			}
		}
	}
	if dlts != n/40 {
		t.Fatalf("%d dead-letter topics among %d, want %d", dlts, n, n/40)
	}
}
