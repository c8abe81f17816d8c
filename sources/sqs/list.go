package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// RedrivePolicy is a queue's dead-letter queue and how many receives send
// a message there.
type RedrivePolicy struct {
	DeadLetterTargetArn string
	MaxReceiveCount     int
}

// parseRedrivePolicy reads the JSON attribute (maxReceiveCount comes as a
// number from AWS and as a string from some emulators).
func parseRedrivePolicy(s string) (RedrivePolicy, bool) {
	var raw struct {
		DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
	}
	if s == "" || json.Unmarshal([]byte(s), &raw) != nil || raw.DeadLetterTargetArn == "" {
		return RedrivePolicy{}, false
	}
	n, _ := strconv.Atoi(strings.Trim(string(raw.MaxReceiveCount), `"`))
	return RedrivePolicy{DeadLetterTargetArn: raw.DeadLetterTargetArn, MaxReceiveCount: n}, true
}

// queue is what a listing learns of one queue.
type queue struct {
	name, url string
	attrs     map[string]string
	policy    RedrivePolicy
	hasPolicy bool
}

// ListStreams lists the queues with their counts (visible, in flight,
// delayed), FIFO flag and redrive policies; a queue another's
// RedrivePolicy names is a DLQ of it.
func (c *Conn) ListStreams(ctx context.Context) ([]sources.StreamInfo, error) {
	var queues []queue
	p := sqs.NewListQueuesPaginator(c.client, &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, c.explain(err)
		}
		for _, u := range page.QueueUrls {
			queues = append(queues, queue{name: nameOf(u), url: u})
		}
	}
	byArn := map[string]int{}
	for i := range queues {
		q := &queues[i]
		out, err := c.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
		if err != nil {
			return nil, c.explain(err)
		}
		q.attrs = out.Attributes
		q.policy, q.hasPolicy = parseRedrivePolicy(q.attrs["RedrivePolicy"])
		if arn := q.attrs["QueueArn"]; arn != "" {
			byArn[arn] = i
		}
	}
	sourcesOf := map[string][]string{} // DLQ name -> the queues it serves
	for _, q := range queues {
		if q.hasPolicy {
			d := nameOf(q.policy.DeadLetterTargetArn)
			sourcesOf[d] = append(sourcesOf[d], q.name)
		}
	}
	c.mu.Lock()
	for _, q := range queues {
		c.urls[q.name] = q.url
	}
	c.sourcesOf = sourcesOf
	c.mu.Unlock()
	out := make([]sources.StreamInfo, 0, len(queues))
	for _, q := range queues {
		st := sources.StreamInfo{Name: q.name, Kind: KindStandard, Messages: atoi64(q.attrs["ApproximateNumberOfMessages"]), Consumers: -1, Reading: reading(q.name)} // SQS does not count its consumers
		if strings.HasSuffix(q.name, ".fifo") || q.attrs["FifoQueue"] == "true" {
			st.Kind = KindFIFO
		}
		st.Counts = sources.QueueCounts{Visible: countOf(q.attrs, "ApproximateNumberOfMessages"),
			InFlight: countOf(q.attrs, "ApproximateNumberOfMessagesNotVisible"), Delayed: countOf(q.attrs, "ApproximateNumberOfMessagesDelayed")}
		served := sourcesOf[q.name]
		slices.Sort(served)
		byName, _ := dlq.IsDeadLetterName(q.name)
		st.DeadLetter = len(served) > 0 || byName
		st.DeadLetterFor = strings.Join(served, ",")
		add := func(name, v string) {
			if v != "" {
				st.Info = append(st.Info, sources.Property{Name: name, Value: v})
			}
		}
		add("in flight", q.attrs["ApproximateNumberOfMessagesNotVisible"])
		add("delayed", q.attrs["ApproximateNumberOfMessagesDelayed"])
		st.PeekCost = q.peekCost()
		if q.hasPolicy {
			add("dead-letter queue", nameOf(q.policy.DeadLetterTargetArn))
			add("maxReceiveCount", strconv.Itoa(q.policy.MaxReceiveCount))
		}
		add("RedriveAllowPolicy", q.attrs["RedriveAllowPolicy"])
		add("visibility timeout", q.attrs["VisibilityTimeout"])
		add("retention (s)", q.attrs["MessageRetentionPeriod"])
		add("arn", q.attrs["QueueArn"])
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b sources.StreamInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

var _ sources.PeekCoster = (*Conn)(nil)

// peekCost is what a read of the queue costs: every receive raises a
// message's ApproximateReceiveCount, and a RedrivePolicy moves a message
// received maxReceiveCount times to its DLQ.
func (q queue) peekCost() *sources.PeekCost {
	if !q.hasPolicy || q.policy.MaxReceiveCount <= 0 {
		return nil
	}
	return &sources.PeekCost{Stream: q.name, Limit: int64(q.policy.MaxReceiveCount), Counter: "ApproximateReceiveCount",
		Queue: fmt.Sprintf("an SQS queue with a RedrivePolicy (maxReceiveCount %d)", q.policy.MaxReceiveCount),
		Then:  "moved to its dead-letter queue " + nameOf(q.policy.DeadLetterTargetArn)}
}

// PeekCost says what a read of a queue costs (see sources.PeekCoster): on
// a queue with a RedrivePolicy a peek's receive counts towards
// maxReceiveCount; elsewhere it costs nothing a limit watches.
func (c *Conn) PeekCost(ctx context.Context, name string) (*sources.PeekCost, error) {
	u, err := c.QueueURL(ctx, name)
	if err != nil {
		return nil, err
	}
	out, err := c.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy}})
	if err != nil {
		return nil, fmt.Errorf("what a read of %s costs: %w", name, c.explain(err))
	}
	q := queue{name: name, url: u}
	q.policy, q.hasPolicy = parseRedrivePolicy(out.Attributes["RedrivePolicy"])
	return q.peekCost(), nil
}

// DeadLetterSources lists the queues whose RedrivePolicy names dlq:
// ListDeadLetterSourceQueues where the server has it, else from the
// queues' own policies.
func (c *Conn) DeadLetterSources(ctx context.Context, dlqName string) ([]string, error) {
	u, err := c.QueueURL(ctx, dlqName)
	if err != nil {
		return nil, err
	}
	if out, err := c.client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(u)}); err == nil {
		var names []string
		for _, s := range out.QueueUrls {
			names = append(names, nameOf(s))
		}
		return names, nil
	}
	c.mu.Lock()
	known, listed := c.sourcesOf[dlqName], c.sourcesOf != nil
	c.mu.Unlock()
	if listed { // from the last listing: the server has no ListDeadLetterSourceQueues
		return known, nil
	}
	if _, err := c.ListStreams(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sourcesOf[dlqName], nil
}

// QueueARN is a queue's ARN.
func (c *Conn) QueueARN(ctx context.Context, name string) (string, error) {
	u, err := c.QueueURL(ctx, name)
	if err != nil {
		return "", err
	}
	out, err := c.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", c.explain(err)
	}
	if arn := out.Attributes["QueueArn"]; arn != "" {
		return arn, nil
	}
	return "", fmt.Errorf("queue %s: the server gave no QueueArn", name)
}

// Depth is a queue's approximate visible count.
func (c *Conn) Depth(ctx context.Context, name string) (int, error) {
	u, err := c.QueueURL(ctx, name)
	if err != nil {
		return 0, err
	}
	out, err := c.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		return 0, c.explain(err)
	}
	return int(atoi64(out.Attributes["ApproximateNumberOfMessages"])), nil
}

// InFlight is how many messages of a queue are in flight (received by a
// consumer and neither deleted nor visible again:
// ApproximateNumberOfMessagesNotVisible), and the queue's visibility
// timeout, after which they come back unless a consumer set its own.
func (c *Conn) InFlight(ctx context.Context, name string) (int, time.Duration, error) {
	u, err := c.QueueURL(ctx, name)
	if err != nil {
		return 0, 0, err
	}
	out, err := c.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u), AttributeNames: []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible, types.QueueAttributeNameVisibilityTimeout}})
	if err != nil {
		return 0, 0, c.explain(err)
	}
	return int(atoi64(out.Attributes["ApproximateNumberOfMessagesNotVisible"])), time.Duration(atoi64(out.Attributes["VisibilityTimeout"])) * time.Second, nil
}

// countOf is a count attribute of a queue, known when the server sent it.
func countOf(attrs map[string]string, name string) sources.Count {
	v, ok := attrs[name]
	if !ok {
		return sources.Count{}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return sources.Count{}
	}
	return sources.KnownCount(n)
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

var _ sources.MoveTasker = (*Conn)(nil)

// moveState is a task status as mqscope follows it.
func moveState(status string) sources.MoveState {
	switch status {
	case "COMPLETED":
		return sources.MoveCompleted
	case "FAILED":
		return sources.MoveFailed
	case "CANCELLED":
		return sources.MoveCancelled
	}
	return sources.MoveRunning
}

// StartMoveTask starts SQS's own move of every message of a DLQ back to
// its sources (or to destination): fast, but blind and all-or-nothing.
// Servers without it (emulators) say so.
func (c *Conn) StartMoveTask(ctx context.Context, dlqName, destination string, perSecond int32) (string, error) {
	src, err := c.QueueARN(ctx, dlqName)
	if err != nil {
		return "", err
	}
	in := &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(src)}
	if destination != "" {
		if in.DestinationArn, err = ptr(c.QueueARN(ctx, destination)); err != nil {
			return "", err
		}
	}
	if perSecond > 0 {
		in.MaxNumberOfMessagesPerSecond = aws.Int32(perSecond)
	}
	out, err := c.client.StartMessageMoveTask(ctx, in)
	if err != nil {
		return "", fmt.Errorf("%w (the per-message redrive, without --native, works everywhere)", c.unsupported("StartMessageMoveTask", err))
	}
	return aws.ToString(out.TaskHandle), nil
}

// MoveTasks lists the move tasks of a DLQ, newest first.
func (c *Conn) MoveTasks(ctx context.Context, dlqName string) ([]sources.MoveTask, error) {
	src, err := c.QueueARN(ctx, dlqName)
	if err != nil {
		return nil, err
	}
	out, err := c.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(src)})
	if err != nil {
		return nil, c.unsupported("ListMessageMoveTasks", err)
	}
	var tasks []sources.MoveTask
	for _, r := range out.Results {
		tasks = append(tasks, sources.MoveTask{Handle: aws.ToString(r.TaskHandle), Status: aws.ToString(r.Status), State: moveState(aws.ToString(r.Status)), Failure: aws.ToString(r.FailureReason),
			Moved: r.ApproximateNumberOfMessagesMoved, ToMove: aws.ToInt64(r.ApproximateNumberOfMessagesToMove)})
	}
	return tasks, nil
}

// CancelMoveTask stops a running move task.
func (c *Conn) CancelMoveTask(ctx context.Context, handle string) error {
	if _, err := c.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String(handle)}); err != nil {
		return c.unsupported("CancelMessageMoveTask", err)
	}
	return nil
}

// unsupported explains an action the server does not have.
func (c *Conn) unsupported(action string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && (strings.Contains(ae.ErrorCode(), "Invalid") || strings.Contains(ae.ErrorCode(), "Unsupported") ||
		strings.Contains(ae.ErrorCode(), "NotFound") || strings.Contains(ae.ErrorCode(), "UnknownOperation")) ||
		strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "StatusCode: 400") {
		return fmt.Errorf("sqs %s does not support %s (%v)", c.where(), action, err)
	}
	return c.explain(err)
}

func ptr(s string, err error) (*string, error) {
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// reading is what a read of a queue is: a receive, each message's
// receive count raised.
func reading(name string) sources.Reading {
	return sources.Reading{Queue: true, PeekLimit: MaxPeek, PeekEffect: "ApproximateReceiveCount +1",
		Effect: "reading queue " + name + " receives its messages (each one's receive count rises, which can move it to a DLQ)"}
}

// Locate finds a queue (see sources.Locator).
func (c *Conn) Locate(ctx context.Context, name string) (sources.StreamInfo, error) {
	if _, err := c.QueueURL(ctx, name); err != nil {
		return sources.StreamInfo{}, err
	}
	kind := KindStandard
	if strings.HasSuffix(name, ".fifo") {
		kind = KindFIFO
	}
	return sources.StreamInfo{Name: name, Kind: kind, Reading: reading(name)}, nil
}

var _ sources.Locator = (*Conn)(nil)
