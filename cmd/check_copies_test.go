package cmd

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// valued is a record of topic's partition part with key and a JSON value.
func valued(topic string, part int32, key, value string, at int) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{Topic: topic, Partition: part, Key: sarama.StringEncoder(key), Value: sarama.StringEncoder(value),
		Timestamp: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(at) * time.Second)}
}

// TestCheckCopiesCountForGapsNotForSplits: a copy of a's message in
// another partition is a duplicate, no split, at any window; b's own
// messages in two partitions are a split at any window; c's seq 1 to 6
// come as pairs sharing an id (m1, m1, m2, m2, m3, m3): three duplicates,
// and no gap, every number having arrived.
func TestCheckCopiesCountForGapsNotForSplits(t *testing.T) {
	const topic = "check-copies"
	addr := kfakeTopics(t, 2, topic)
	msgs := []*sarama.ProducerMessage{
		valued(topic, 0, "a", `{"id":"a1","seq":1}`, 1),
		valued(topic, 0, "a", `{"id":"a2","seq":2}`, 2),
		valued(topic, 1, "a", `{"id":"a1","seq":1}`, 3), // a re-publish to another partition
		valued(topic, 0, "b", `{"id":"b1","seq":1}`, 4),
		valued(topic, 1, "b", `{"id":"b2","seq":2}`, 5), // b split
	}
	for i := 1; i <= 6; i++ {
		msgs = append(msgs, valued(topic, 0, "c", fmt.Sprintf(`{"id":"m%d","seq":%d}`, (i+1)/2, i), 5+i))
	}
	writeRecords(t, addr, msgs)
	for _, window := range []string{"", "1"} {
		args := []string{"--kafka", addr, "check", topic, "--id-path", "json.id", "--sequence", "json.seq"}
		if window != "" {
			args = append(args, "--window", window)
		}
		code, r, errOut := checkJSON(t, args...)
		d := r.Duplicates
		if code != exitFindings || d.Count+d.Possible != 4 || r.Gaps.Count != 0 {
			t.Errorf("--window %q: exit %d, duplicates %d+%d possible, gaps %+v %s", window, code, d.Count, d.Possible, r.Gaps, errOut)
		}
		if s := r.SplitKeys; s.Count != 1 || s.Examples[0].Entity != "b" {
			t.Errorf("--window %q: split %+v", window, s)
		}
	}
}

// TestCheckOneRedriveHeaderMarksARedrive: a copy carrying only
// x-mqscope-redrive-id, right after its first, is a redrive, not a retry.
func TestCheckOneRedriveHeaderMarksARedrive(t *testing.T) {
	const topic = "check-redrive-id"
	addr := kfakeTopics(t, 1, topic)
	first := event(topic, 0, "a", 1)
	again := event(topic, 0, "a", 1, sarama.RecordHeader{Key: []byte("x-mqscope-redrive-id"), Value: []byte("rd-7")})
	writeRecords(t, addr, []*sarama.ProducerMessage{first, again})
	code, r, errOut := checkJSON(t, "--kafka", addr, "check", topic)
	if d := r.Duplicates; code != exitFindings || d.Count != 1 || d.Redrive != 1 || d.Retry != 0 {
		t.Fatalf("exit %d, duplicates %+v: %s", code, d, errOut)
	}
}
