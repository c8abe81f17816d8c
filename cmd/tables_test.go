package cmd

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/msgdiff"
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

// TestDiffTableShowsMissingAndEmptyApart: in mqscope diff's table a field
// one side does not hold is (none), an empty one "", and a value with
// control characters shows its text with pictures, not its size.
func TestDiffTableShowsMissingAndEmptyApart(t *testing.T) {
	value := []byte("{\"note\":\"a\x1b[2Jb\x07c\",\"id\":1}")
	a := sources.Message{Stream: "orders.DLT", Offset: 1, Value: value, Headers: []sources.Header{{Key: "trace", Value: []byte("t-1")}, {Key: "empty", Value: []byte{}}}}
	b := sources.Message{Stream: "orders", Offset: 2, Value: value, Headers: []sources.Header{{Key: "empty", Value: []byte{}}}}
	var out bytes.Buffer
	if err := printDiff(&out, &a, &b, msgdiff.Messages(&a, &b)); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	safeOutput(t, "diff", text)
	rows := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) == 5 {
			rows[f[1]+" "+f[2]] = f[3] + " " + f[4]
		}
	}
	for field, want := range map[string]string{"headers empty": `"" ""`, "headers trace": "t-1 (none)", "value value": `{"note":"a␛[2Jb␇c","id":1} {"note":"a␛[2Jb␇c","id":1}`} {
		if rows[field] != want {
			t.Errorf("%s: %q, want %q:\n%s", field, rows[field], want, text)
		}
	}
	if strings.Contains(text, "(empty)") || strings.Contains(text, "bytes") {
		t.Errorf("the diff says (empty) or a size:\n%s", text)
	}
}
