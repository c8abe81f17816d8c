package cmd

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/health"
)

// kfakeTopics starts a one-broker cluster holding topics of parts
// partitions and returns its address.
func kfakeTopics(t *testing.T, parts int32, topics ...string) string {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(parts, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	return kf.ListenAddrs()[0]
}

// checkJSON runs check with --json and decodes its report.
func checkJSON(t *testing.T, args ...string) (int, health.Report, string) {
	t.Helper()
	code, out, errOut := run(t, append(args, "--json")...)
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	return code, r, errOut
}

// TestCheckCountWindowFindsAdjacentCopies: each key written twice back to
// back; every copy is within the last message of its first, so every
// window of messages finds all of them, exactly.
func TestCheckCountWindowFindsAdjacentCopies(t *testing.T) {
	const topic = "check-window"
	addr := kfakeTopics(t, 1, topic)
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 25; i++ {
		m := event(topic, 0, fmt.Sprintf("k%d", i), i+1)
		msgs = append(msgs, m, m)
	}
	writeRecords(t, addr, msgs)
	for _, w := range []string{"1", "2", "3", "5", "10m", "1ms", ""} {
		args := []string{"--kafka", addr, "check", topic}
		if w != "" {
			args = append(args, "--window", w)
		}
		code, r, errOut := checkJSON(t, args...)
		if code != exitFindings || r.Duplicates.Count != 25 || r.Duplicates.Retry != 25 || r.Duplicates.Possible != 0 {
			t.Errorf("--window %q: exit %d, duplicates %+v %s", w, code, r.Duplicates, errOut)
		}
	}
}
