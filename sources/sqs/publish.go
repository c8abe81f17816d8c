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
	if err := req.Unpartitioned("SQS"); err != nil {
		return nil, err
	}
	queue := req.Target.Stream
	u, err := c.QueueURL(ctx, queue)
	if err != nil {
		return nil, fmt.Errorf("publish to %s: %w", queue, err)
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
				return out, fmt.Errorf("publish message %d to %s: %s", i+1, queue, why)
			}
			if len(entries) > 0 && size+n > maxMessage {
				break
			}
			entries, size = append(entries, e), size+n
		}
		res, err := c.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(u), Entries: entries})
		if err != nil {
			return out, fmt.Errorf("publish to %s: %w", queue, err)
		}
		ids := map[string]string{}
		for _, s := range res.Successful {
			ids[aws.ToString(s.Id)] = aws.ToString(s.MessageId)
		}
		for i := range entries {
			id, ok := ids[strconv.Itoa(i)]
			if !ok {
				why := "refused"
				for _, f := range res.Failed {
					if aws.ToString(f.Id) == strconv.Itoa(i) {
						why = aws.ToString(f.Code) + " " + aws.ToString(f.Message)
					}
				}
				return out, fmt.Errorf("publish message %d to %s: %s", start+i+1, queue, why)
			}
			out = append(out, sources.Placement{Stream: queue, Partition: sources.NoPartition, Offset: -1, ID: id, Routed: -1})
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
