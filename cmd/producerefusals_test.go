package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// TestProduceKafkaRefusesForeignFlags: --exchange, --routing-key and
// --property have no meaning on Kafka: each is refused with a clear
// message and nothing is written, to the topic or to one the flag names.
func TestProduceKafkaRefusesForeignFlags(t *testing.T) {
	addr := produceCluster(t, "s19-t")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"produce", "s19-t", "--exchange", "s19-t", "--value", "x"}, "Kafka has no exchanges"},
		{[]string{"produce", "s19-t", "--routing-key", "rk", "--value", "x"}, "Kafka has no routing keys"},
		{[]string{"produce", "s19-t", "--property", "content-type=text/plain", "--value", "x"}, "Kafka records have no properties (content-type)"},
		{[]string{"produce", "s19-t", "--format", "bogus", "--value", "x"}, `--format "bogus": unknown format: want value, jsonl, kcat`},
	} {
		code, _, errOut := run(t, append([]string{"--kafka", addr}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Fatalf("%v: %d %s\nwant %q", tc.args, code, errOut, tc.want)
		}
	}
	if got := exported(t, addr, "s19-t"); len(got) != 0 {
		t.Fatalf("written: %+v", got)
	}
}

// TestProduceLinesSkipEmptyHonourPartitionsCountTombstones: kcat lines
// skip empty ones and say so; jsonl lines go to the partition they name,
// and the ones without a value are counted as tombstones; jsonl without a
// STREAM publishes each line to the stream it names.
func TestProduceLinesSkipEmptyHonourPartitionsCountTombstones(t *testing.T) {
	addr := produceCluster(t, "s19-lines")
	dir := t.TempDir()
	kcatFile := filepath.Join(dir, "lines")
	if err := os.WriteFile(kcatFile, []byte("a\n\nb\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "--kafka", addr, "produce", "s19-lines", "--format", "kcat", "-f", kcatFile, "--yes")
	if code != 0 || !strings.Contains(errOut, "skipped 2 empty lines") {
		t.Fatalf("kcat lines: %d %s", code, errOut)
	}
	if got := exported(t, addr, "s19-lines"); len(got) != 2 {
		t.Fatalf("%d messages, want 2 (empty lines skipped)", len(got))
	}
	jsonl := filepath.Join(dir, "export.jsonl")
	lines := `{"stream":"s19-lines","partition":2,"offset":0,"timestamp":null,"key":"k1","value":"v1"}` + "\n" +
		`{"stream":"s19-lines","partition":2,"offset":1,"timestamp":null,"key":"k2"}` + "\n" +
		`{"stream":"s19-lines","partition":1,"offset":0,"timestamp":null,"key":"k3","value":"v3"}` + "\n"
	if err := os.WriteFile(jsonl, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--kafka", addr, "produce", "s19-lines", "--format", "jsonl", "-f", jsonl, "--yes")
	if code != 0 || !strings.Contains(out, "1 of them is a tombstone (no value)") {
		t.Fatalf("jsonl: %d %s %s", code, out, errOut)
	}
	parts := map[string]int32{}
	for _, m := range exported(t, addr, "s19-lines") {
		parts[string(m.Key)] = m.Partition
		if string(m.Key) == "k2" && m.Value != nil {
			t.Fatalf("k2 is not a tombstone: %q", m.Value)
		}
	}
	if parts["k1"] != 2 || parts["k2"] != 2 || parts["k3"] != 1 {
		t.Fatalf("partitions %v, want the lines' own", parts)
	}
	code, out, errOut = run(t, "--kafka", addr, "produce", "--format", "jsonl", "-f", jsonl, "--yes")
	if code != 0 || strings.Count(out, "published: s19-lines p") != 3 {
		t.Fatalf("jsonl without a stream: %d %s %s", code, out, errOut)
	}
	if got := exported(t, addr, "s19-lines"); len(got) != 2+3+3 {
		t.Fatalf("%d messages, want 8 (each line published to the stream it names)", len(got))
	}
}

// TestProduceKafkaOversizedSaysWhy: a value over the producer's limit
// fails with the reason for the message, and the target named once.
func TestProduceKafkaOversizedSaysWhy(t *testing.T) {
	addr := produceCluster(t, "s19-big")
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "--kafka", addr, "produce", "s19-big", "-f", big)
	if code != 1 || !strings.Contains(errOut, "0 of 1 published, message 1 not delivered: ") || !strings.Contains(errOut, "larger than configured Producer.MaxMessageBytes") ||
		strings.Count(errOut, "publish to") != 1 || strings.Count(errOut, "MaxMessageBytes") != 1 {
		t.Fatalf("oversized: %d %s", code, errOut)
	}
}

// TestPublishErrorSaysWhatMayBeWritten: a publish that stopped with
// messages sent and not confirmed says how many more may be written.
func TestPublishErrorSaysWhatMayBeWritten(t *testing.T) {
	err := publishError(sources.Target{Stream: "q"}, &sources.UnconfirmedError{Err: os.ErrDeadlineExceeded, Unconfirmed: 256}, make([]sources.Placement, 9216), 300000)
	if want := "publish to q: i/o timeout (9216 of 300000 published and confirmed; up to 256 more may have been written: sent, not confirmed)"; err.Error() != want {
		t.Fatalf("%v\nwant %s", err, want)
	}
}
