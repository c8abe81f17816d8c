package replay

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// marshalSafe is json.Marshal with the controls a terminal acts on escaped.
func marshalSafe(v any) []byte {
	b, _ := json.Marshal(v)
	return jsonenc.EscapeControls(b)
}

// TestJournalAndAuditLinesMatchEncodingJSON: the lines written without
// reflection are what encoding/json writes, with DEL, C1 and bidi controls
// escaped (the journal and the audit log can be printed).
func TestJournalAndAuditLinesMatchEncodingJSON(t *testing.T) {
	when := time.Date(2026, 12, 1, 7, 30, 0, 123456789, time.FixedZone("x", 3600))
	for _, e := range []JournalEntry{
		{ID: "r1", Source: "orders.DLT", Position: "0@12", Target: "orders", Fingerprint: "ab<>&\"", Time: when},
		{ID: "r\xff", Source: "q\u2028", Position: "7", Target: "x", Time: time.Time{}},
		{ID: "r\u009b", Source: "q\u202e\x1b]0;t\x07", Position: "m\u2066\x7f", Target: "x\u200f", Time: when},
		{ID: "r1", Source: "dlq", Position: "7", Target: "x", Fingerprint: "00ff", Kind: EntrySent, Time: when},
	} {
		want := marshalSafe(e)
		got, err := e.appendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("journal:\n got  %s %v\n want %s", got, err, want)
		}
	}
	for _, r := range []AuditRecord{
		{Time: when, User: "me", Host: "h", Action: "redrive", RedriveID: "r1", Connection: "local", Source: "dlq", Position: "3", Target: "exchange shop (key a)", MessageID: "m-1", Result: "confirmed"},
		{Time: when, Action: "redrive", Result: "failed: returned by the broker: 312 NO_ROUTE\n"},
		{Time: when, Action: "redrive", Position: "0@4", Target: "orders", Edited: true, Result: "committed"},
		{Time: when, Action: "redrive", Result: "confirmed", PossibleDuplicates: 2, CorrelationID: "c-\x1b1", Identity: "00ff"},
		{Time: when, Action: "redrive-run", Counts: map[string]int{"done": 3, "to orders": 2}},
		{Time: when, Action: "redrive", Source: "dlq\u202e", MessageID: "m\u009d52;c;x\u009c", Result: "failed: \u2067"},
		{Time: when, Action: "redrive-run", Source: "dlq\u202e", Counts: map[string]int{"to q\u009b": 1}},
	} {
		want := marshalSafe(r)
		got, err := r.appendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("audit:\n got  %s %v\n want %s", got, err, want)
		}
	}
}
