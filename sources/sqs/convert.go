package sqs

import (
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// TypeProperty prefixes the property that keeps a message attribute's
// data type (String, Number, Binary, or with a custom suffix), so a
// redrive sends it back as it was.
const TypeProperty = "attribute type "

// Convert turns a received SQS message into a Message: the body as value,
// the message attributes as headers (their types kept as properties), the
// system attributes as properties, the FIFO group id as key. origin names
// the queue a DLQ serves, for messages that do not say
// (DeadLetterQueueSourceArn).
func Convert(conn, queue string, seq int64, m types.Message, origin string) sources.Message {
	out := sources.Message{Conn: conn, Stream: queue, Partition: sources.NoPartition, Offset: seq, ID: aws.ToString(m.MessageId)}
	out.Value = []byte(aws.ToString(m.Body))
	out.ValueSize = len(out.Value)
	attrs := m.Attributes
	if g := attrs["MessageGroupId"]; g != "" {
		out.Key = []byte(g)
	}
	if ms, err := strconv.ParseInt(attrs["SentTimestamp"], 10, 64); err == nil {
		out.Timestamp = time.UnixMilli(ms)
	}
	receives, _ := strconv.Atoi(attrs["ApproximateReceiveCount"])
	out.Redelivered = receives > 1
	names := make([]string, 0, len(m.MessageAttributes))
	for n := range m.MessageAttributes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		v := m.MessageAttributes[n]
		val := []byte(aws.ToString(v.StringValue))
		if v.BinaryValue != nil {
			val = v.BinaryValue
		}
		out.Headers = append(out.Headers, sources.Header{Key: n, Value: val})
		out.Properties = append(out.Properties, sources.Property{Name: TypeProperty + n, Value: aws.ToString(v.DataType)})
	}
	sys := make([]string, 0, len(attrs))
	for n := range attrs {
		sys = append(sys, n)
	}
	slices.Sort(sys)
	for _, n := range sys {
		v := attrs[n]
		if n == "SentTimestamp" || n == "ApproximateFirstReceiveTimestamp" {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				v += " (" + time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) + ")"
			}
		}
		out.Properties = append(out.Properties, sources.Property{Name: n, Value: v})
	}
	src := nameOf(attrs["DeadLetterQueueSourceArn"])
	if src == "" {
		src = origin
	}
	if src != "" {
		out.DeadLetter = &sources.DeadLetter{Scheme: "sqs", OriginStream: src, OriginPartition: sources.NoPartition, OriginOffset: -1,
			Reason: "maxReceiveCount exceeded", Count: int64(receives)}
	}
	dlq.MarkCopy(&out)
	return out
}

// AttributeType is the data type a header had as a message attribute
// (String when the message does not say).
func AttributeType(m *sources.Message, name string) string {
	for _, p := range m.Properties {
		if p.Name == TypeProperty+name && p.Value != "" {
			return p.Value
		}
	}
	return "String"
}
