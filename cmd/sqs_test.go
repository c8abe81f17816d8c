package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/sqs"
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
	waitReleased(t, endpoint, demo.SQSDLQ) // the peeks above gave the messages back; the emulator shows them again in its own time
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

// sqsQueue creates a queue of the test's own (visibility timeout 0, as
// goaws needs to show a released message at once, as SQS does) holding n
// messages, and returns the connection and its URL.
func sqsQueue(t *testing.T, endpoint, name string, n int, attrs map[string]string) (*sqs.Conn, string) {
	t.Helper()
	ctx := context.Background()
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"VisibilityTimeout": "0"}
	maps.Copy(all, attrs)
	q, err := c.Client().CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: all})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.Client().DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
	})
	for chunk := range slices.Chunk(make([]int, n), 10) {
		var entries []types.SendMessageBatchRequestEntry
		for range chunk {
			id := fmt.Sprint(len(entries))
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(`{"n":` + id + `}`)})
		}
		if _, err := c.Client().SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	return c, aws.ToString(q.QueueUrl)
}

// waitReleased waits (10 s at most) until no message of the queue is in
// flight.
func waitReleased(t *testing.T, endpoint, name string) {
	t.Helper()
	c, err := sqs.Dial(context.Background(), sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := c.Client().GetQueueUrl(context.Background(), &awssqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, inFlight := visibility(t, c, aws.ToString(q.QueueUrl)); inFlight == 0 {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%d messages of %s still in flight after the peeks gave them back", inFlight, name)
		}
	}
}

// visibility is a queue's visible and in-flight counts.
func visibility(t *testing.T, c *sqs.Conn, queueURL string) (visible, inFlight int) {
	t.Helper()
	out, err := c.Client().GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"]) // goaws counts the in-flight ones here too
	inFlight, _ = strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return all - inFlight, inFlight
}

// failingWriter fails every write after the first n.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

// TestSQSExportReleasesEveryMessage: an export of a 500-message DLQ
// writes 500 and leaves 500 visible; one cut short by --limit mid-batch,
// or by a failing stdout, leaves every message visible the moment it
// exits (none held in flight by a receive under way).
func TestSQSExportReleasesEveryMessage(t *testing.T) {
	endpoint := testbroker.SQS(t)
	name := fmt.Sprintf("export-%d-dlq", rand.IntN(1e6))
	c, u := sqsQueue(t, endpoint, name, 500, nil)
	file := filepath.Join(t.TempDir(), "dlq.jsonl")
	code, _, errOut := run(t, "--sqs-endpoint", endpoint, "export", name, "-o", file)
	data, _ := os.ReadFile(file)
	if code != 0 || strings.Count(string(data), "\n") != 500 || !strings.Contains(errOut, "exported 500 messages") {
		t.Fatalf("export: exit %d, %d lines, %s", code, strings.Count(string(data), "\n"), errOut)
	}
	if v, f := visibility(t, c, u); v != 500 || f != 0 {
		t.Fatalf("after the export: %d visible, %d in flight", v, f)
	}
	for i := 0; i < 5; i++ {
		code, out, errOut := run(t, "--sqs-endpoint", endpoint, "export", name, "--limit", "7")
		if code != 0 || strings.Count(out, "\n") != 7 {
			t.Fatalf("--limit 7: exit %d, %d lines, %s", code, strings.Count(out, "\n"), errOut)
		}
		if v, f := visibility(t, c, u); v != 500 || f != 0 {
			t.Fatalf("after export --limit 7 (run %d): %d visible, %d in flight", i, v, f)
		}
	}
	var errBuf bytes.Buffer
	code = Execute([]string{"--log-file", filepath.Join(t.TempDir(), "log"), "--sqs-endpoint", endpoint, "export", name, "--format", "text"},
		strings.NewReader(""), &failingWriter{n: 3}, &errBuf)
	if code == 0 || !strings.Contains(errBuf.String(), "disk full") {
		t.Fatalf("a failing stdout: exit %d, %s", code, errBuf.String())
	}
	if v, f := visibility(t, c, u); v != 500 || f != 0 {
		t.Fatalf("after a failed write: %d visible, %d in flight", v, f)
	}
}
