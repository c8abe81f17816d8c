package cmd

import (
	"strings"
	"testing"

	"github.com/IBM/sarama"
)

// TestCheckCountsMessagesLackingTheSequence: messages without the
// sequence and with one that is no integer are counted and said; 2e0 is
// the integer 2; a path no message has is said of every message.
func TestCheckCountsMessagesLackingTheSequence(t *testing.T) {
	const topic = "check-seq-values"
	addr := kfakeTopics(t, 1, topic)
	var msgs []*sarama.ProducerMessage
	for i, v := range []string{`{"seq":1}`, `{"seq":2e0}`, `{"seq":3}`, `{"x":1}`, `{"seq":1.5}`, `{"seq":true}`, `{"seq":null}`} {
		msgs = append(msgs, valued(topic, 0, "k", v, i))
	}
	writeRecords(t, addr, msgs)
	code, r, errOut := checkJSON(t, "--kafka", addr, "check", topic, "--sequence", "json.seq")
	if code != 0 || r.NoSequence != 1 || r.SequenceNotInteger != 3 || r.Gaps.Count != 0 || r.Ordering.Count != 0 {
		t.Fatalf("exit %d, no sequence %d, not integer %d, gaps %d, ordering %d: %s", code, r.NoSequence, r.SequenceNotInteger, r.Gaps.Count, r.Ordering.Count, errOut)
	}
	code, out, _ := run(t, "--kafka", addr, "check", topic, "--sequence", "json.seq")
	if code != 0 || !strings.Contains(out, "  1 message lacked the sequence: checked by event time") ||
		!strings.Contains(out, "  3 messages had a sequence that is not an integer") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, "--kafka", addr, "check", topic, "--sequence", "json.nope")
	if code != 0 || !strings.Contains(out, "  7 messages lacked the sequence") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestCheckIdentitiesCompareByTypeAndValue: --id-path ids compare as JSON
// values: 1 and 1.0 are one, 1 and "1" are not, true and "true" are not;
// an empty, null or absent id is one the message lacks.
func TestCheckIdentitiesCompareByTypeAndValue(t *testing.T) {
	const topic = "check-id-values"
	addr := kfakeTopics(t, 1, topic)
	var msgs []*sarama.ProducerMessage
	for i, v := range []string{`{"id":1,"n":1}`, `{"id":"1","n":2}`, `{"id":1.0,"n":3}`, `{"id":true,"n":4}`, `{"id":"true","n":5}`,
		`{"id":"","n":6}`, `{"id":null,"n":7}`, `{"n":8}`} {
		msgs = append(msgs, valued(topic, 0, "k", v, i))
	}
	writeRecords(t, addr, msgs)
	code, r, errOut := checkJSON(t, "--kafka", addr, "check", topic, "--id-path", "json.id", "--sequence", "none")
	d := r.Duplicates
	if code != exitFindings || d.Count != 1 || d.Examples[0].First.Offset != 0 || d.Examples[0].Second.Offset != 2 || r.ByFallback != 3 {
		t.Fatalf("exit %d, duplicates %+v, fallback %d: %s", code, d, r.ByFallback, errOut)
	}
	code, out, _ := run(t, "--kafka", addr, "check", topic, "--id-path", "json.id", "--sequence", "none")
	if code != exitFindings || !strings.Contains(out, "  3 messages lacked json.id (absent, null or empty): told apart by the fallback") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
