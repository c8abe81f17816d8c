package sqs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.Publisher = (*Conn)(nil)

// Publish sends messages to a queue (SendMessageBatch, ten at most and
// 256 KiB a batch): the value as the body, the headers as message
// attributes of the types their properties name (String when none). On a
// FIFO queue the key (else the MessageGroupId property) is the group, and
// the MessageDeduplicationId property, else a new id, the deduplication id.
// Each placement carries the message id SQS gave.
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	if err := req.Unpartitioned("SQS queues"); err != nil {
		return nil, err
	}
	if err := req.Unrouted("SQS", false); err != nil {
		return nil, err
	}
	queue := req.Target.Stream
	u, err := c.QueueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	fifo := strings.HasSuffix(queue, ".fifo")
	out := make([]sources.Placement, 0, len(req.Messages))
	for start := 0; start < len(req.Messages); {
		var entries []types.SendMessageBatchRequestEntry
		size := 0
		for start+len(entries) < len(req.Messages) && len(entries) < 10 {
			i := start + len(entries)
			m := &req.Messages[i]
			e, n, why := entry(m.Value, m.Headers, m, rawOf(m, fifo), len(entries), fifo)
			if why != "" {
				return out, fmt.Errorf("message %d: %s", i+1, why)
			}
			if len(entries) > 0 && size+n > maxMessage {
				break
			}
			entries, size = append(entries, e), size+n
		}
		ids, err := c.send(ctx, u, entries)
		if err != nil {
			return out, fmt.Errorf("send: %w", err)
		}
		for i := range entries {
			if why, failed := ids.failed[i]; failed {
				return out, fmt.Errorf("message %d: %s", start+i+1, why)
			}
			out = append(out, sources.Placement{Stream: queue, Partition: sources.NoPartition, Offset: -1, ID: ids.sent[i], Routed: -1})
		}
		start += len(entries)
	}
	return out, nil
}

// rawOf is what entry reads of a FIFO message's group and deduplication.
func rawOf(m *sources.Message, fifo bool) types.Message {
	raw := types.Message{Attributes: map[string]string{}}
	if !fifo {
		return raw
	}
	for _, p := range m.Properties {
		switch p.Name {
		case "MessageGroupId", "MessageDeduplicationId":
			raw.Attributes[p.Name] = p.Value
		}
	}
	if len(m.Key) > 0 {
		raw.Attributes["MessageGroupId"] = string(m.Key)
	}
	if raw.Attributes["MessageDeduplicationId"] == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		raw.Attributes["MessageDeduplicationId"] = hex.EncodeToString(b[:])
	}
	return raw
}

// sendResult is what SQS said of a batch's entries, by index: the
// message ids of those it took, why it refused the others.
type sendResult struct {
	sent   map[int]string
	failed map[int]string
}

// send sends one entry with SendMessage, more with SendMessageBatch. An
// entry a batch answer names neither way was taken (SQS names each; an
// emulator may answer with names of its own), its id unknown.
func (c *Conn) send(ctx context.Context, url string, entries []types.SendMessageBatchRequestEntry) (sendResult, error) {
	r := sendResult{sent: map[int]string{}, failed: map[int]string{}}
	if len(entries) == 1 {
		e := entries[0]
		res, err := c.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: e.MessageBody, MessageAttributes: e.MessageAttributes,
			MessageGroupId: e.MessageGroupId, MessageDeduplicationId: e.MessageDeduplicationId})
		if err != nil {
			return r, err
		}
		r.sent[0] = aws.ToString(res.MessageId)
		return r, nil
	}
	res, err := c.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		return r, err
	}
	for _, s := range res.Successful {
		if i, err := strconv.Atoi(aws.ToString(s.Id)); err == nil {
			r.sent[i] = aws.ToString(s.MessageId)
		}
	}
	for _, f := range res.Failed {
		if i, err := strconv.Atoi(aws.ToString(f.Id)); err == nil {
			r.failed[i] = aws.ToString(f.Code) + " " + aws.ToString(f.Message)
		}
	}
	return r, nil
}

var _ sources.PublishTemplater = (*Conn)(nil)

// PublishTemplate is a new message (on a FIFO queue with a MessageGroupId
// to fill in) or a copy of from with its attributes' types and FIFO group
// and deduplication ids (not the system attributes a receive shows).
func (c *Conn) PublishTemplate(queue string, from *sources.Message) sources.Message {
	if from == nil {
		m := sources.Message{Partition: sources.NoPartition, Value: []byte("{}")}
		if strings.HasSuffix(queue, ".fifo") {
			m.Properties = []sources.Property{{Name: "MessageGroupId", Value: "default"}}
		}
		return m
	}
	m := *from
	m.Properties = nil
	for _, p := range from.Properties {
		if strings.HasPrefix(p.Name, TypeProperty) || p.Name == "MessageGroupId" || p.Name == "MessageDeduplicationId" {
			m.Properties = append(m.Properties, p)
		}
	}
	return m
}
