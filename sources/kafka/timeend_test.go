package kafka_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// at is a message to partition p of topic stamped ts.
func at(topic string, p int32, ts time.Time, value string) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{Topic: topic, Partition: p, Timestamp: ts, Value: sarama.StringEncoder(value)}
}

// followUntil follows topic from start to the time end and reads it to
// its end.
func followUntil(t *testing.T, c *kafka.Conn, topic string, start sources.Start, end time.Time, produced func()) []sources.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := c.Read(ctx, topic, sources.ReadOptions{Start: start, Follow: true, End: &sources.Start{Kind: sources.StartTime, Time: end}})
	if err != nil {
		t.Fatalf("read %s until %s: %v", topic, end, err)
	}
	if produced != nil {
		produced()
	}
	got, err := sources.Drain(ctx, sub, 0)
	if err != nil {
		t.Fatalf("read %s until %s: %d messages, then %v", topic, end, len(got), err)
	}
	return got
}

// TestFollowedReadOfAHeldTimeEnd: a followed read whose time end every
// partition already holds a record past is the bounded read to the first
// such record of each partition: it returns the messages stamped at or
// before the end (the followed read's own end, to the millisecond the
// records carry) and ends.
func TestFollowedReadOfAHeldTimeEnd(t *testing.T) {
	const topic = "held-time-end"
	_, addr := cluster(t, topic)
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	seedTen(t, addr, topic, base) // offset i of each partition is stamped base+i minutes
	c := dial(t, addr)
	for _, tc := range []struct {
		name  string
		start sources.Start
		end   time.Time
		ends  int64 // each partition's bounded end
		want  []int64
	}{
		{"on a record", sources.Start{Kind: sources.StartOldest}, base.Add(4 * time.Minute), 5, []int64{0, 1, 2, 3, 4}},
		{"within its millisecond", sources.Start{Kind: sources.StartOldest}, base.Add(4*time.Minute + 500*time.Microsecond), 5, []int64{0, 1, 2, 3, 4}},
		{"a millisecond before a record", sources.Start{Kind: sources.StartOldest}, base.Add(4*time.Minute - time.Millisecond), 4, []int64{0, 1, 2, 3}},
		{"from an offset", sources.Start{Kind: sources.StartOffset, Offset: 2}, base.Add(6 * time.Minute), 7, []int64{2, 3, 4, 5, 6}},
		{"before the start", sources.Start{Kind: sources.StartOffset, Offset: 7}, base.Add(4 * time.Minute), 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end := &sources.Start{Kind: sources.StartTime, Time: tc.end}
			held, ends, err := kafka.TimeEndHeld(c, topic, sources.ReadOptions{Start: tc.start, Follow: true, End: end})
			if err != nil || !held {
				t.Fatalf("held %v, %v", held, err)
			}
			if want := map[int32]int64{0: tc.ends, 1: tc.ends, 2: tc.ends}; !maps.Equal(ends, want) {
				t.Fatalf("bounded ends %v, want %v", ends, want)
			}
			got := countPerPartition(followUntil(t, c, topic, tc.start, tc.end, nil))
			for p := int32(0); p < 3; p++ {
				if !slices.Equal(got[p], tc.want) {
					t.Fatalf("partition %d: offsets %v, want %v", p, got[p], tc.want)
				}
			}
		})
	}
}

// TestFollowedReadOfATimeEndNotHeld: a time end a partition holds no
// record past yet is followed: messages written after the read started
// arrive, those at or before the end delivered, and the read ends once
// every partition has a record past it.
func TestFollowedReadOfATimeEndNotHeld(t *testing.T) {
	t.Run("in the future", func(t *testing.T) {
		const topic = "future-time-end"
		_, addr := cluster(t, topic)
		now := time.Now()
		seedTen(t, addr, topic, now.Add(-time.Hour))
		c := dial(t, addr)
		end := now.Add(time.Hour)
		held, _, err := kafka.TimeEndHeld(c, topic, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true,
			End: &sources.Start{Kind: sources.StartTime, Time: end}})
		if err != nil || held {
			t.Fatalf("held %v, %v", held, err)
		}
		got := followUntil(t, c, topic, sources.Start{Kind: sources.StartNewest}, end, func() {
			var msgs []*sarama.ProducerMessage
			for p := int32(0); p < 3; p++ {
				msgs = append(msgs, at(topic, p, now, fmt.Sprintf("new-%d", p)), at(topic, p, end.Add(time.Minute), "past"))
			}
			produce(t, addr, msgs...)
		})
		if len(got) != 3 {
			t.Fatalf("%d messages, want the 3 written after the start", len(got))
		}
		for _, m := range got {
			if m.Offset != 10 || string(m.Value) != fmt.Sprintf("new-%d", m.Partition) {
				t.Fatalf("got %d/%d %q", m.Partition, m.Offset, m.Value)
			}
		}
	})
	t.Run("held by some partitions", func(t *testing.T) {
		const topic = "partly-held-time-end"
		_, addr := cluster(t, topic)
		base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		seedTen(t, addr, topic, base)
		end := base.Add(30 * time.Minute)
		produce(t, addr, at(topic, 0, end.Add(time.Minute), "past"), at(topic, 1, end.Add(time.Minute), "past"))
		c := dial(t, addr)
		held, _, err := kafka.TimeEndHeld(c, topic, sources.ReadOptions{Follow: true, End: &sources.Start{Kind: sources.StartTime, Time: end}})
		if err != nil || held {
			t.Fatalf("held %v, %v", held, err)
		}
		got := countPerPartition(followUntil(t, c, topic, sources.Start{Kind: sources.StartOldest}, end, func() {
			produce(t, addr, at(topic, 2, end, "late"), at(topic, 2, end.Add(time.Millisecond), "past"))
		}))
		want := map[int32][]int64{0: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 1: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
		for p := int32(0); p < 3; p++ {
			if !slices.Equal(got[p], want[p]) {
				t.Fatalf("partition %d: offsets %v, want %v", p, got[p], want[p])
			}
		}
	})
}
