package sqs

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/sources"
)

const (
	// maxMessage is SQS's limit on a message: body and attributes.
	maxMessage = 256 << 10
	// maxAttributes is SQS's limit on message attributes.
	maxAttributes = 10
)

var _ sources.QueueRedriver = (*Conn)(nil)

// ReceiveHeld receives up to max messages of a queue (at most ten),
// hidden for hold, every attribute with them (see
// sources.QueueRedriver).
func (c *Conn) ReceiveHeld(ctx context.Context, queue string, max int, hold time.Duration, origin string, seq int64) ([]sources.Held, error) {
	u, err := c.QueueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	out, err := c.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(u), MaxNumberOfMessages: int32(min(max, 10)), VisibilityTimeout: int32(hold / time.Second), WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return nil, fmt.Errorf("receive: %w", err)
	}
	hs := make([]sources.Held, len(out.Messages))
	for i, raw := range out.Messages {
		hs[i] = sources.Held{Message: Convert(c.Name(), queue, seq+int64(i), raw, origin), ID: aws.ToString(raw.MessageId), Handle: raw}
	}
	return hs, nil
}

// raws are the received messages held.
func raws(hs []sources.Held) []types.Message {
	out := make([]types.Message, 0, len(hs))
	for _, h := range hs {
		if raw, ok := h.Handle.(types.Message); ok {
			out = append(out, raw)
		}
	}
	return out
}

// DeleteHeld deletes held messages (see sources.QueueRedriver).
func (c *Conn) DeleteHeld(ctx context.Context, queue string, hs []sources.Held) error {
	u, err := c.QueueURL(ctx, queue)
	if err != nil {
		return err
	}
	return c.DeleteMessages(ctx, u, raws(hs))
}

// ReleaseHeld makes held messages visible again (see
// sources.QueueRedriver).
func (c *Conn) ReleaseHeld(queue string, hs []sources.Held) {
	if len(hs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	u, err := c.QueueURL(ctx, queue)
	cancel()
	if err == nil {
		c.Release(u, raws(hs))
	}
}

// SendHeld sends messages on to a queue in batches of ten under 256 KiB,
// attributes typed as they were read, a FIFO copy in its message's group
// with its deduplication id (see sources.QueueRedriver). A message that
// cannot be sent (too large with the provenance attributes, more than ten
// attributes, a body that is not UTF-8) is refused, the rest go on.
func (c *Conn) SendHeld(ctx context.Context, target string, out []sources.Outgoing, sent func([]int) error) (map[int]string, error) {
	refused := map[int]string{}
	u, err := c.QueueURL(ctx, target)
	if err != nil {
		for i := range out {
			refused[i] = "target: " + err.Error()
		}
		return refused, nil
	}
	fifo := strings.HasSuffix(target, ".fifo")
	var chunk []int
	var entries []types.SendMessageBatchRequestEntry
	size := 0
	flush := func() error {
		if len(entries) == 0 {
			return nil
		}
		res, err := c.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(u), Entries: entries})
		if err != nil {
			return fmt.Errorf("send to %s: %w", target, err)
		}
		bad := map[string]string{}
		for _, f := range res.Failed {
			bad[aws.ToString(f.Id)] = aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
		}
		var took []int
		for i, idx := range chunk {
			if why, ok := bad[strconv.Itoa(i)]; ok {
				refused[idx] = why
				continue
			}
			took = append(took, idx)
		}
		chunk, entries, size = nil, nil, 0
		if len(took) == 0 {
			return nil
		}
		return sent(took)
	}
	for i, o := range out {
		raw, _ := o.Held.Handle.(types.Message)
		e, n, why := entry(o.Body, o.Headers, &o.Held.Message, raw, len(entries), fifo)
		if why != "" {
			refused[i] = why
			continue
		}
		if len(entries) == 10 || size+n > maxMessage {
			if err := flush(); err != nil {
				return refused, err
			}
			e.Id = aws.String("0")
		}
		chunk, entries, size = append(chunk, i), append(entries, e), size+n
	}
	return refused, flush()
}

// entry builds one batch entry of a message read as m (raw as received);
// it returns its size, or why it cannot be sent.
func entry(body []byte, headers []sources.Header, m *sources.Message, raw types.Message, idx int, fifo bool) (types.SendMessageBatchRequestEntry, int, string) {
	if !utf8.Valid(body) {
		return types.SendMessageBatchRequestEntry{}, 0, "the body is not valid UTF-8: SQS cannot carry it"
	}
	e := types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(idx)), MessageBody: aws.String(string(body)), MessageAttributes: map[string]types.MessageAttributeValue{}}
	size := len(body)
	for _, h := range headers {
		typ := AttributeType(m, h.Key)
		v := types.MessageAttributeValue{DataType: aws.String(typ)}
		if typ == "Binary" || strings.HasPrefix(typ, "Binary.") {
			v.BinaryValue = h.Value
		} else {
			v.StringValue = aws.String(string(h.Value))
		}
		e.MessageAttributes[h.Key] = v
		size += len(h.Key) + len(typ) + len(h.Value)
	}
	if len(e.MessageAttributes) > maxAttributes {
		return e, 0, fmt.Sprintf("%d message attributes with the redrive's provenance: SQS allows %d (drop some with --drop-header)", len(e.MessageAttributes), maxAttributes)
	}
	if size > maxMessage {
		return e, 0, fmt.Sprintf("%d bytes with the redrive's provenance attributes: over SQS's 256 KiB", size)
	}
	if fifo {
		group := cmp.Or(raw.Attributes["MessageGroupId"], "mqscope-redrive")
		e.MessageGroupId = aws.String(group)
		e.MessageDeduplicationId = aws.String(cmp.Or(raw.Attributes["MessageDeduplicationId"], aws.ToString(raw.MessageId)))
	}
	return e, size, ""
}

// Sink writes messages to a queue (SendMessageBatch, attributes as the
// messages' headers, String where the type is not known): a capture
// replayed.
type Sink struct {
	c     *Conn
	queue string
	url   string
}

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink is a Sink on the queue t names (see sources.SinkOpener).
func (c *Conn) OpenSink(ctx context.Context, t sources.Target) (sources.MessageSink, error) {
	queue := t.Stream
	u, err := c.QueueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	return &Sink{c: c, queue: queue, url: u}, nil
}

// Write sends msgs in batches; the first message refused stops it.
func (s *Sink) Write(ctx context.Context, msgs []sources.Message) error {
	fifo := strings.HasSuffix(s.queue, ".fifo")
	for start := 0; start < len(msgs); {
		var entries []types.SendMessageBatchRequestEntry
		size := 0
		for start < len(msgs) && len(entries) < 10 {
			m := msgs[start]
			e, n, why := entry(m.Value, m.Headers, &m, types.Message{MessageId: aws.String(m.ID)}, len(entries), fifo)
			if why != "" {
				return fmt.Errorf("message %d (%s): %s", start+1, m.ID, why)
			}
			if len(entries) > 0 && size+n > maxMessage {
				break
			}
			entries, size = append(entries, e), size+n
			start++
		}
		out, err := s.c.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(s.url), Entries: entries})
		if err != nil {
			return fmt.Errorf("send to %s: %w", s.queue, err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("send to %s: %d refused, first: %s %s", s.queue, len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return nil
}

// Target says the queue.
func (s *Sink) Target() string { return "queue " + s.queue }

// Close releases nothing: the sink shares its connection.
func (s *Sink) Close() error { return nil }
