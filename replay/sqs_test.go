package replay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/sqs"
)

// sqsEnv is goaws with a source queue (fifo or not) dead-lettering into
// its DLQ after one release.
type sqsEnv struct {
	c                *sqs.Conn
	src, dlq, srcURL string
	already          int // messages put in the DLQ before kill
}

func newSQSEnv(t *testing.T, fifo bool) *sqsEnv {
	t.Helper()
	endpoint := testbroker.SQS(t)
	ctx := context.Background()
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	suffix := ""
	if fifo {
		suffix = ".fifo"
	}
	id := rand.IntN(1e6)
	e := &sqsEnv{c: c, src: fmt.Sprintf("orders-%d%s", id, suffix), dlq: fmt.Sprintf("orders-%d-dlq%s", id, suffix)}
	attrs := map[string]string{"VisibilityTimeout": "0"} // goaws releases at once only then (see sources/sqs tests)
	if fifo {
		attrs["FifoQueue"] = "true"
	}
	d, err := c.Client().CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(e.dlq), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	arn, _ := c.QueueARN(ctx, e.dlq)
	srcAttrs := map[string]string{"VisibilityTimeout": "0", "RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":1}`, arn)}
	if fifo {
		srcAttrs["FifoQueue"] = "true"
	}
	s, err := c.Client().CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(e.src), Attributes: srcAttrs})
	if err != nil {
		t.Fatal(err)
	}
	e.srcURL = aws.ToString(s.QueueUrl)
	t.Cleanup(func() {
		_, _ = c.Client().DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: s.QueueUrl})
		_, _ = c.Client().DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: d.QueueUrl})
	})
	return e
}

// kill sends bodies to the source and fails each once: goaws moves them to the DLQ.
func (e *sqsEnv) kill(t *testing.T, bodies []string) {
	t.Helper()
	ctx := context.Background()
	for i, b := range bodies {
		in := &awssqs.SendMessageInput{QueueUrl: aws.String(e.srcURL), MessageBody: aws.String(b), MessageAttributes: map[string]types.MessageAttributeValue{
			"tenant": {DataType: aws.String("String"), StringValue: aws.String("acme")},
			"n":      {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))},
			"sig":    {DataType: aws.String("Binary"), BinaryValue: []byte{0xff, byte(i)}},
		}}
		if strings.HasSuffix(e.src, ".fifo") {
			in.MessageGroupId, in.MessageDeduplicationId = aws.String(fmt.Sprintf("g%d", i%2)), aws.String(fmt.Sprint(i))
		}
		if _, err := e.c.Client().SendMessage(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// the emulator moves a message once it was received more often than
	// the policy allows; a round that receives nothing (messages between
	// visibility changes) waits a little: bounded by time, not by rounds,
	// so a loaded machine gets as long as it needs
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		out, err := e.c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(e.srcURL), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		e.c.Release(e.srcURL, out.Messages)
		if d, _ := e.c.Depth(ctx, e.dlq); d == len(bodies)+e.already {
			return
		}
		if len(out.Messages) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	d, _ := e.c.Depth(ctx, e.dlq)
	t.Fatalf("the DLQ holds %d of %d", d, len(bodies)+e.already)
}

// contents peeks a queue: bodies with their attributes and types. (A
// peek counts as a receive: on the source, with maxReceiveCount 1, it
// dead-letters what it sees, so a test peeks a source once.)
func (e *sqsEnv) contents(t *testing.T, q string) []string {
	t.Helper()
	return contentsOf(readAll(t, e.c, q))
}

// settled is the contents of q once n messages are visible in it (goaws
// may take a moment to show a message made visible again), or what it
// shows after 10 s.
func (e *sqsEnv) settled(t *testing.T, q string, n int) []string {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if got = e.contents(t, q); len(got) == n || time.Now().After(deadline) {
			return got
		}
	}
}

func contentsOf(ms []sources.Message) []string {
	var out []string
	for _, m := range ms {
		var b strings.Builder
		b.WriteString(string(m.Value))
		for _, h := range m.Headers {
			if !strings.HasPrefix(h.Key, "x-mqscope-redrive-") {
				fmt.Fprintf(&b, "|%s:%s=%x", h.Key, sqs.AttributeType(&m, h.Key), h.Value)
			}
		}
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out
}

func TestRedriveSQSBackToItsSource(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		t.Run(fmt.Sprint("fifo=", fifo), func(t *testing.T) {
			e := newSQSEnv(t, fifo)
			n := 23
			if fifo {
				n = 8 // a FIFO peek sees at most the first 10 of each message group: SQS holds back a group while some of it is in flight
			}
			var bodies []string
			for i := 0; i < n; i++ {
				bodies = append(bodies, fmt.Sprintf(`{"order":%d}`, i))
			}
			e.kill(t, bodies)
			before := e.contents(t, e.dlq)
			dead := readAll(t, e.c, e.dlq)
			plan, err := replay.NewPlan(e.dlq, dead, replay.Options{})
			if err != nil || plan.Summary().PerTarget[e.src] != n {
				t.Fatalf("plan: %+v %v", plan.Summary(), err)
			}
			j, err := replay.OpenJournal(t.TempDir(), plan.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			res, err := replay.RedriveSQS(context.Background(), e.c, plan, true, replay.RunOptions{Batch: 10, Journal: j})
			if err != nil || res.Done != n || res.Failed != 0 {
				t.Fatalf("%+v %v", res, err)
			}
			if d, _ := e.c.Depth(context.Background(), e.dlq); d != 0 {
				t.Fatalf("%d left in the DLQ", d)
			}
			if d, _ := e.c.Depth(context.Background(), e.src); d != n {
				t.Fatalf("%d of %d in the source", d, n)
			}
			back := readAll(t, e.c, e.src)
			if fifo { // goaws hands out one message of a group at a time: a peek sees the first
				back, before = back[:1], before[:1]
			}
			if after := contentsOf(back); !slices.Equal(after, before) {
				t.Fatalf("attributes or bodies changed:\nbefore %v\nafter  %v", before, after)
			}
			if v, _ := back[0].Header(replay.HeaderID); string(v) != plan.ID {
				t.Fatalf("no provenance: %v", back[0].Headers)
			}
		})
	}
}

// TestRedriveSQSLargeAndSelected: 200 KiB messages go in batches under 256
// KiB; a 256 KiB one cannot take the provenance attributes and stays in
// the DLQ, reported; a selection moves only what it selects.
func TestRedriveSQSLargeAndSelected(t *testing.T) {
	e := newSQSEnv(t, false)
	big := func(n int, c byte) string { return `{"blob":"` + strings.Repeat(string(c), n) + `"}` }
	e.kill(t, []string{big(200<<10, 'a'), big(200<<10, 'b'), big(256<<10-12, 'c'), `{"small":1}`, `{"small":2}`})
	dead := readAll(t, e.c, e.dlq)
	if len(dead) != 5 {
		t.Fatalf("%d dead", len(dead))
	}
	var pick []sources.Message
	for _, m := range dead {
		if !strings.Contains(string(m.Value), "small\":2") {
			pick = append(pick, m)
		}
	}
	plan, err := replay.NewPlan(e.dlq, pick, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveSQS(context.Background(), e.c, plan, false, replay.RunOptions{})
	if err != nil || res.Done != 3 || res.Failed != 1 || !strings.Contains(res.Failures[0].Err, "256 KiB") {
		t.Fatalf("%+v %v", res, err)
	}
	left := e.settled(t, e.dlq, 2)
	if len(left) != 2 || !strings.Contains(strings.Join(left, " "), `"small":2`) || !strings.Contains(strings.Join(left, " "), "ccc") {
		t.Fatalf("left in the DLQ: %d", len(left))
	}
	if got := len(readAll(t, e.c, e.src)); got != 3 {
		t.Fatalf("%d in the source", got)
	}
}

// TestRedriveSQSFeedsTheBreaker: an SQS redrive receives the messages that
// came back with its own redrive id (SQS is not ordered: they come mixed
// with the rest) and tells the breaker, which stops the run.
func TestRedriveSQSFeedsTheBreaker(t *testing.T) {
	e := newSQSEnv(t, false)
	ctx := context.Background()
	dlqURL, err := e.c.QueueURL(ctx, e.dlq)
	if err != nil {
		t.Fatal(err)
	}
	const id = "rd-sqs-breaker"
	for i := 0; i < 6; i++ { // returns of this run, first in line (goaws hands out in order)
		if _, err := e.c.Client().SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String(fmt.Sprint("back ", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{replay.HeaderID: {DataType: aws.String("String"), StringValue: aws.String(id)}}}); err != nil {
			t.Fatal(err)
		}
	}
	var bodies []string
	for i := 0; i < 30; i++ {
		bodies = append(bodies, fmt.Sprint(i))
	}
	e.already = 6
	e.kill(t, bodies)
	plan, err := replay.NewPlan(e.dlq, nil, replay.Options{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	g := replay.NewGuard(0.1, time.Minute)
	g.OnTrip = func(string) { go g.Stop() }
	res, err := replay.RedriveSQS(ctx, e.c, plan, true, replay.RunOptions{Batch: 2, Rate: 20, Guard: g})
	if err != nil || res.Stop.Reason != replay.BreakerStopped || res.Returned < 5 || res.Done >= 30 {
		t.Fatalf("%+v %v", res, err)
	}
	if d, _ := e.c.Depth(ctx, e.dlq); d != 36-res.Done {
		t.Fatalf("%d left in the DLQ, want %d", d, 36-res.Done)
	}
}

// TestRedriveSQSResumeSendsNothingTwice: a run killed after SQS accepted
// some messages and before they were deleted left them in the journal; the
// same redrive id run again deletes those as duplicates and sends the rest.
func TestRedriveSQSResumeSendsNothingTwice(t *testing.T) {
	e := newSQSEnv(t, false)
	var bodies []string
	for i := 0; i < 12; i++ {
		bodies = append(bodies, fmt.Sprint(i))
	}
	e.kill(t, bodies)
	dead := readAll(t, e.c, e.dlq)
	plan, err := replay.NewPlan(e.dlq, dead, replay.Options{ID: "rd-sqs-resume"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	j, err := replay.OpenJournal(dir, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	// what the killed run had sent and journaled: four messages, their
	// copies already in the source queue
	for _, m := range dead[:4] {
		if err := j.Add(replay.JournalEntry{ID: plan.ID, Source: e.dlq, Position: m.ID, Target: e.src, Fingerprint: replay.Fingerprint(m)}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, err = replay.OpenJournal(dir, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	res, err := replay.RedriveSQS(context.Background(), e.c, plan, true, replay.RunOptions{Journal: j})
	if err != nil || res.Done != 8 || res.Duplicates != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	if d, _ := e.c.Depth(context.Background(), e.dlq); d != 0 {
		t.Fatalf("%d left in the DLQ", d)
	}
	if d, _ := e.c.Depth(context.Background(), e.src); d != 8 {
		t.Fatalf("%d sent to the source, want 8 (the other 4 were sent by the killed run)", d)
	}
}

// TestRedriveSQSSaysWhatIsStillInFlight: messages of the DLQ another
// consumer (or a killed run) received and did not delete are invisible to
// the run; it takes the rest and ends held by others, saying how many are
// in flight and when they come back, rather than finished.
func TestRedriveSQSSaysWhatIsStillInFlight(t *testing.T) {
	e := newSQSEnv(t, false)
	var bodies []string
	for i := 0; i < 9; i++ {
		bodies = append(bodies, fmt.Sprint(i))
	}
	e.kill(t, bodies)
	dead := readAll(t, e.c, e.dlq)
	plan, err := replay.NewPlan(e.dlq, dead, replay.Options{ID: "rd-sqs-inflight"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dlqURL, err := e.c.QueueURL(ctx, e.dlq)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: 3, VisibilityTimeout: 600})
	if err != nil || len(out.Messages) != 3 {
		t.Fatalf("received %d from outside: %v", len(out.Messages), err)
	}
	res, err := replay.RedriveSQS(ctx, e.c, plan, true, replay.RunOptions{Batch: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 6 || res.Stop.Reason != replay.HeldByOthers || !strings.Contains(res.Stop.Detail, "3 messages of "+e.dlq+" are in flight") ||
		!strings.Contains(res.Stop.Detail, "run again then") {
		t.Fatalf("done %d, stop %q", res.Done, res.Stop)
	}
	t.Log(res.Stop)
}

// TestRedriveSQSNewRunTakesOverAKilledRun: a run with a new id takes over
// the journal a killed run of the same DLQ left (four messages sent, their
// deletes lost): it deletes those without sending them again, says so,
// and sends the rest.
func TestRedriveSQSNewRunTakesOverAKilledRun(t *testing.T) {
	e := newSQSEnv(t, false)
	var bodies []string
	for i := 0; i < 12; i++ {
		bodies = append(bodies, fmt.Sprint(i))
	}
	e.kill(t, bodies)
	dead := readAll(t, e.c, e.dlq)
	state := t.TempDir()
	killed, err := replay.OpenJournal(state+"/redrive", "rd-sqs-killed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := killed.Adopt(e.dlq, e.c.Address()); err != nil {
		t.Fatal(err)
	}
	for _, m := range dead[:4] {
		if err := killed.Add(replay.JournalEntry{ID: "rd-sqs-killed", Source: e.dlq, Position: m.ID, Target: e.src, Fingerprint: replay.Fingerprint(m)}); err != nil {
			t.Fatal(err)
		}
	}
	killed.Close()
	plan, err := replay.NewPlan(e.dlq, dead, replay.Options{ID: "rd-sqs-new"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.Execute(context.Background(), e.c, plan, replay.RunOptions{StateDir: state, WholeQueue: true})
	if err != nil || res.Done != 8 || res.Duplicates != 4 || len(res.TookOver) != 1 || res.TookOver[0].ID != "rd-sqs-killed" {
		t.Fatalf("%+v %v", res, err)
	}
	if d, _ := e.c.Depth(context.Background(), e.src); d != 8 {
		t.Fatalf("%d sent to the source, want 8 (the other 4 were sent by the killed run)", d)
	}
}
