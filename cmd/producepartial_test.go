package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
)

// oversizedJSONL writes n export lines to topic, keys k1…kn, values v1…vn,
// but line 2's value is 2 MB (over the producer's 1 MB limit).
func oversizedJSONL(t *testing.T, topic string, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		value := fmt.Sprintf("v%d", i)
		if i == 2 {
			value = strings.Repeat("x", 2<<20)
		}
		fmt.Fprintf(&b, `{"stream":%q,"timestamp":null,"key":"k%d","value":%q}`+"\n", topic, i, value)
	}
	file := filepath.Join(t.TempDir(), "big.jsonl")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// auditOf reads the audit log's records of action.
func auditOf(t *testing.T, action string) []replay.AuditRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(os.Getenv("XDG_STATE_HOME"), "mqscope", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []replay.AuditRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r replay.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if r.Action == action {
			out = append(out, r)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// topicKeys are the keys of the topic's messages, sorted.
func topicKeys(t *testing.T, addr, topic string) []string {
	t.Helper()
	var keys []string
	for _, m := range exported(t, addr, topic) {
		keys = append(keys, string(m.Key))
	}
	slices.Sort(keys)
	return keys
}

// TestProduceKafkaOversizedLineCountsTheOnesAfterIt: of three lines, the
// second over the size limit, the third was handed to the producer with it
// and is written: the summary counts it (2 of 3 published), the audit has
// lines 1 and 3 published, each once, and line 2 not delivered, the exit
// status is 1, and the topic holds exactly lines 1 and 3.
func TestProduceKafkaOversizedLineCountsTheOnesAfterIt(t *testing.T) {
	addr := produceCluster(t, "pp-big3")
	file := oversizedJSONL(t, "pp-big3", 3)
	code, out, errOut := run(t, "--kafka", addr, "produce", "pp-big3", "--format", "jsonl", "-f", file, "--yes")
	if code != 1 || !strings.Contains(errOut, "publish to pp-big3: 2 of 3 published, message 2 not delivered: ") ||
		!strings.Contains(errOut, "MaxMessageBytes") || strings.Contains(errOut, "not attempted") {
		t.Fatalf("produce: %d\n%s\n%s", code, out, errOut)
	}
	if strings.Count(out, "published: pp-big3 p") != 2 || strings.Count(out, "not delivered: ") != 1 {
		t.Fatalf("produce said %q", out)
	}
	if got := topicKeys(t, addr, "pp-big3"); !slices.Equal(got, []string{"k1", "k3"}) {
		t.Fatalf("topic holds %v, want [k1 k3]", got)
	}
	results := map[string][]string{}
	for _, r := range auditOf(t, "publish") {
		results[r.Position] = append(results[r.Position], r.Result)
	}
	if len(results) != 3 || len(results["1"]) != 1 || len(results["2"]) != 1 || len(results["3"]) != 1 ||
		!strings.HasPrefix(results["1"][0], "published: pp-big3 p") || !strings.HasPrefix(results["3"][0], "published: pp-big3 p") ||
		!strings.HasPrefix(results["2"][0], "not delivered: ") {
		t.Fatalf("audit: %v", results)
	}
	runs := auditOf(t, "publish-run")
	if len(runs) != 1 || runs[0].Counts["published"] != 2 || runs[0].Counts["not_delivered"] != 1 || runs[0].Counts["total"] != 3 ||
		!strings.HasPrefix(runs[0].Result, "failed: ") {
		t.Fatalf("publish-run: %+v", runs)
	}
}

// TestProduceKafkaOversizedLineStopsLaterChunks: messages of the chunk a
// failed one went in are all written or reported; those of later chunks
// are not sent, and the error names them.
func TestProduceKafkaOversizedLineStopsLaterChunks(t *testing.T) {
	addr := produceCluster(t, "pp-chunks")
	file := oversizedJSONL(t, "pp-chunks", 1003)
	code, _, errOut := run(t, "--kafka", addr, "produce", "pp-chunks", "--format", "jsonl", "-f", file, "--yes")
	if code != 1 || !strings.Contains(errOut, "999 of 1003 published, message 2 not delivered: ") ||
		!strings.Contains(errOut, "; messages 1001 to 1003 (lines 1001 to 1003) not attempted: nothing of them sent") {
		t.Fatalf("produce: %d %s", code, errOut)
	}
	got := topicKeys(t, addr, "pp-chunks")
	want := []string{"k1"}
	for i := 3; i <= 1000; i++ {
		want = append(want, fmt.Sprintf("k%d", i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("topic holds %d messages, want the %d of lines 1 and 3 to 1000", len(got), len(want))
	}
	published := 0
	for _, r := range auditOf(t, "publish") {
		if strings.HasPrefix(r.Result, "published: ") {
			published++
		}
	}
	if published != 999 {
		t.Fatalf("%d audited published, want 999", published)
	}
}

// TestReplayKafkaOversizedLineCountsTheOnesAfterIt: replay to Kafka of the
// same three lines writes lines 1 and 3, audits them acknowledged once
// each and line 2 failed, and exits non-zero.
func TestReplayKafkaOversizedLineCountsTheOnesAfterIt(t *testing.T) {
	addr := produceCluster(t, "pp-replay")
	file := oversizedJSONL(t, "pp-src", 3)
	code, out, errOut := run(t, "--kafka", addr, "replay", file, "--to", "pp-replay", "--yes")
	if code == 0 || !strings.Contains(errOut, "capture line 2 not delivered (the 2 others of its batch written): ") || !strings.Contains(errOut, "MaxMessageBytes") {
		t.Fatalf("replay: %d\n%s\n%s", code, out, errOut)
	}
	if got := topicKeys(t, addr, "pp-replay"); !slices.Equal(got, []string{"k1", "k3"}) {
		t.Fatalf("topic holds %v, want [k1 k3]", got)
	}
	results := map[string][]string{}
	for _, r := range auditOf(t, "replay") {
		results[r.Position] = append(results[r.Position], r.Result)
	}
	if len(results) != 3 || !slices.Equal(results["1"], []string{"acknowledged"}) || !slices.Equal(results["3"], []string{"acknowledged"}) ||
		len(results["2"]) != 1 || !strings.HasPrefix(results["2"][0], "failed: ") {
		t.Fatalf("audit: %v\n%s\n%s", results, out, errOut)
	}
}
