package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestSQSHeadless: the SQS demo's DLQ listed, exported, triaged and
// redriven headless; the native move task is refused by the emulator with
// a clear message; a bad endpoint fails fast.
func TestSQSHeadless(t *testing.T) {
	endpoint := testbroker.SQS(t) // the same goaws the demo would start (one per process)
	if _, err := demo.StartSQS(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	base := []string{"--sqs-endpoint", endpoint}
	code, out, errOut := run(t, append(base, "export", demo.SQSDLQ)...)
	if code != 0 || strings.Count(out, "\n") != 8 || !strings.Contains(out, `"key":"correlation-id"`) {
		t.Fatalf("export: %s %s", out, errOut)
	}
	if code, out, _ := run(t, append(base, "triage", demo.SQSDLQ)...); code != 0 || !strings.Contains(out, "maxReceiveCount exceeded") || !strings.Contains(out, "8 dead letters") {
		t.Fatalf("triage:\n%s", out)
	}
	if code, _, errOut := run(t, append(base, "redrive", demo.SQSDLQ, "--native", "--yes")...); code == 0 || !strings.Contains(errOut, "does not support StartMessageMoveTask") || !strings.Contains(errOut, "without --native") {
		t.Fatalf("native: %s", errOut)
	}
	code, out, errOut = run(t, append(base, "redrive", demo.SQSDLQ, "--yes")...)
	if code != 0 || !strings.Contains(out, "8 redriven") || !strings.Contains(out, "8 -> "+demo.SQSQueue) {
		t.Fatalf("redrive: %s %s", out, errOut)
	}
	if code, out, _ := run(t, append(base, "export", demo.SQSDLQ)...); code != 0 || out != "" {
		t.Fatalf("the DLQ after the redrive:\n%s", out)
	}
	if code, _, errOut := run(t, "--sqs-endpoint", "http://127.0.0.1:1", "export", "q"); code == 0 || !strings.Contains(errOut, "unreachable") {
		t.Fatalf("bad endpoint: %s", errOut)
	}
}
