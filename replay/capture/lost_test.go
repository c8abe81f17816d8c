package capture_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
)

// A message nothing of which is left (a dead letter whose original is
// gone) is written with "lost" and its reason, which a tombstone does not
// have; reading the line back gives the flaw again, and encoding/json
// writes the same document.
func TestLostMessageLineSaysSo(t *testing.T) {
	ts := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	why := "the original message ORDERS#3 is gone (removed by the stream's limits, or deleted): only the advisory is left"
	lost := sources.Message{Stream: "DLQ", Partition: sources.NoPartition, Offset: 4, Timestamp: ts,
		Headers: []sources.Header{{Key: "x-mqscope-dead-letter-reason", Value: []byte("max_deliveries")}},
		Flaw:    &sources.Flaw{Lost: true, Reason: why}}
	tomb := sources.Message{Stream: "DLQ", Partition: sources.NoPartition, Offset: 5, Timestamp: ts}
	var file strings.Builder
	for _, m := range []sources.Message{lost, tomb} {
		line := capture.AppendRecord(nil, &m)
		var r capture.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("not JSON: %s: %v", line, err)
		}
		std, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		_ = json.Unmarshal(line, &a)
		_ = json.Unmarshal(std, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("hand-written %s\n     encoding/json %s", line, std)
		}
		file.Write(line)
	}
	lines := strings.Split(strings.TrimSpace(file.String()), "\n")
	if want := `"lost":` + mustJSON(t, why); !strings.Contains(lines[0], want) {
		t.Fatalf("the lost message's line %s lacks %s", lines[0], want)
	}
	if strings.Contains(lines[1], `"lost"`) {
		t.Fatalf("a tombstone's line says lost: %s", lines[1])
	}
	d := capture.NewDecoder(strings.NewReader(file.String()))
	m, err := d.Next()
	if err != nil || m.Flaw == nil || !m.Flaw.Lost || m.Flaw.Reason != why || m.Value != nil || m.Key != nil {
		t.Fatalf("the lost line read back as %+v (%v)", m, err)
	}
	if m, err = d.Next(); err != nil || m.Flaw != nil {
		t.Fatalf("the tombstone read back as %+v (%v)", m, err)
	}
}

// A kcat line with mqscope's "lost" reads back as the lost message.
func TestKcatLostLineReadsBack(t *testing.T) {
	line := `{"topic":"DLQ","partition":-1,"offset":4,"tstype":"create","ts":1,"broker":-1,"key":null,"payload":null,"lost":"gone"}` + "\n"
	m, err := capture.NewDecoder(strings.NewReader(line)).Next()
	if err != nil || m.Flaw == nil || !m.Flaw.Lost || m.Flaw.Reason != "gone" {
		t.Fatalf("read %+v (%v)", m, err)
	}
}

func mustJSON(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
