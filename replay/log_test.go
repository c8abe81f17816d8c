package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// TestLogResultSaysWhyARunStopped: a finished run, one stopped early
// (with its reason and whether a resume picks it up) and one that failed
// each log their own line; failed messages are listed.
func TestLogResultSaysWhyARunStopped(t *testing.T) {
	plan, err := replay.NewPlan("orders.DLT", []sources.Message{{Stream: "orders.DLT", Value: []byte("x")}}, replay.Options{ID: "rd-log", To: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	line := func() map[string]any {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	replay.LogResult(log, "prod", plan, replay.Result{Progress: replay.Progress{Total: 1, Done: 1, Elapsed: time.Second}}, nil)
	if l := line(); l["msg"] != "redrive finished" || l["done"] != 1.0 || l["connection"] != "prod" || l["id"] != "rd-log" {
		t.Fatalf("finished: %v", l)
	}
	stopped := replay.Result{Progress: replay.Progress{Total: 1}, Stop: replay.Stop{Reason: replay.Cancelled, Detail: "esc"},
		Failures: []replay.Failure{{Position: "orders.DLT/0@0", Err: "unroutable"}}}
	replay.LogResult(log, "prod", plan, stopped, nil)
	if l := line(); l["msg"] != "redrive stopped" || l["reason"] != "cancelled: esc" || l["resumable"] != true {
		t.Fatalf("stopped: %v", l)
	}
	if !strings.Contains(buf.String(), `"msg":"redrive message failed","id":"rd-log","position":"orders.DLT/0@0","err":"unroutable"`) {
		t.Fatalf("failure not logged:\n%s", buf.String())
	}
	replay.LogResult(log, "prod", plan, replay.Result{Stop: replay.Stop{Reason: replay.ConnectionLost}}, errors.New("channel closed"))
	if l := line(); l["msg"] != "redrive failed" || l["err"] != "channel closed" || l["stop"] != "connection lost" {
		t.Fatalf("failed: %v", l)
	}
}
