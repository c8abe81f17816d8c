package cmd

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/trace"
)

// TestTraceTimelineShowsEventsAsText: the EVENT of a dead letter whose
// exception holds an invalid byte is mqscope's text with the byte as
// U+FFFD, not a hex dump of the line; a value that is not JSON shows a
// preview of its text.
func TestTraceTimelineShowsEventsAsText(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dead := trace.Hit{Conn: "k", Stream: "orders.DLT", Offset: 3, Timestamp: at.Add(time.Second), Via: "correlation-id",
		Died:    "com.acme.BadInput: byte \x9b at 4\x1b[2J",
		Message: sources.Message{Stream: "orders.DLT", Offset: 3, Value: []byte(`{"orderId":"o-1"}`)}}
	plain := trace.Hit{Conn: "k", Stream: "orders.text", Timestamp: at, Via: "correlation-id",
		Message: sources.Message{Stream: "orders.text", Value: []byte("order o-1 created\tby checkout")}}
	var out bytes.Buffer
	if err := printTrace(&out, trace.Result{Value: "c-1", Hits: []trace.Hit{plain, dead}}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	safeOutput(t, "trace", text)
	for _, want := range []string{"☠ died: com.acme.BadInput: byte \ufffd at 4␛[2J", "order o-1 created by checkout"} {
		if !strings.Contains(text, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "⟨bin") || strings.Contains(text, "(empty)") {
		t.Errorf("an event is shown as binary or empty:\n%s", text)
	}
}
