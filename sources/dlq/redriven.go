package dlq

import (
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// The headers mqscope's redrive adds to every copy it writes.
const (
	// RedrivePrefix starts the name of every redrive provenance header.
	RedrivePrefix = "x-mqscope-redrive-"
	// HeaderRedriveID names the run that wrote the copy.
	HeaderRedriveID = "x-mqscope-redrive-id"
	// HeaderRedriveHops counts how many times the message was redriven.
	HeaderRedriveHops = "x-mqscope-redrive-hops"
	// HeaderRedriveSource is the stream the dead letter was redriven from.
	HeaderRedriveSource = "x-mqscope-redrive-source"
	// HeaderRedrivePosition is the dead letter's position in that stream.
	HeaderRedrivePosition = "x-mqscope-redrive-position"
	// HeaderRedriveEdited marks a copy edited before it was written.
	HeaderRedriveEdited = "x-mqscope-redrive-edited"
	// HeaderRedriveOriginalMsgID is the application's own Nats-Msg-Id of
	// a NATS dead letter, kept on its copy (whose Nats-Msg-Id is the
	// redrive's), the first one through every redrive of a copy.
	HeaderRedriveOriginalMsgID = "x-mqscope-redrive-original-nats-msg-id"
)

// RedriveFromHeaders decodes the provenance mqscope's redrive adds (id,
// source, position, hops). It returns nil when the headers lack the source
// or a readable position: the message was never redriven by mqscope.
func RedriveFromHeaders(headers []sources.Header) *sources.RedriveCopy {
	h := headerGetter(headers)
	src, ok := h.get(HeaderRedriveSource)
	if !ok || len(src) == 0 {
		return nil
	}
	pos, ok := h.get(HeaderRedrivePosition)
	if !ok {
		return nil
	}
	c := &sources.RedriveCopy{ID: h.str(HeaderRedriveID), Source: string(src)}
	if part, off, ok := parsePosition(string(pos)); ok {
		c.Partition, c.Offset = part, off
	} else if at, ok := positionText(string(pos)); ok {
		c.Partition, c.Offset, c.At = sources.NoPartition, -1, at
	} else {
		return nil
	}
	if n, ok := decodeIntText(h.str(HeaderRedriveHops)); ok && n >= 0 {
		c.Hops = int(n)
	}
	c.Edited = h.str(HeaderRedriveEdited) == "true"
	return c
}

// parsePosition reads "partition/offset" or a bare sequence.
func parsePosition(s string) (int32, int64, bool) {
	part, off, found := strings.Cut(s, "/")
	if !found {
		o, err := strconv.ParseInt(s, 10, 64)
		return sources.NoPartition, o, err == nil && o >= 0
	}
	p, perr := strconv.ParseInt(part, 10, 32)
	o, oerr := strconv.ParseInt(off, 10, 64)
	if perr != nil || oerr != nil || p < 0 || o < 0 {
		return 0, 0, false
	}
	return int32(p), o, true
}

// positionText reads a position written in a stream's own syntax (a
// Redis stream entry id, "1700000000000-0"): one word of printable
// characters, starting with a digit, without a "/" (which would make it
// a partition/offset).
func positionText(s string) (string, bool) {
	if s == "" || len(s) > 64 || s[0] < '0' || s[0] > '9' || strings.Contains(s, "/") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "", false
		}
	}
	return s, true
}

// MarkCopy tells a redriven copy from a dead letter, on a message whose
// DeadLetter was already decoded. A message carrying mqscope's redrive
// headers is a copy (Redriven set, DeadLetter moved to Redriven.Before:
// the dead-letter headers it kept describe the failure before the
// redrive) unless it died again after the redrive:
//   - it is back in the stream it was redriven from;
//   - its Kafka-style dead-letter headers come after the redrive headers
//     (dead-letter publishers append theirs to the headers a record has);
//   - SQS: the queue says it moved the message to a DLQ;
//   - RabbitMQ: its newest x-death names another queue than the one it is
//     read from (a copy sits in the queue it last died in; a dead letter
//     never does).
func MarkCopy(m *sources.Message) {
	c := RedriveFromHeaders(m.Headers)
	if c == nil || c.Source == m.Stream {
		return
	}
	if d := m.DeadLetter; d != nil {
		switch {
		case d.Scheme == "sqs":
			return // SQS says so itself: the message was moved to a DLQ
		case d.Scheme == "rabbitmq" && len(d.Deaths) > 0:
			if d.Deaths[0].Queue != m.Stream {
				return
			}
		case lastIndex(m.Headers, isDeadLetterHeader) > lastIndex(m.Headers, isRedriveHeader):
			return
		}
	}
	c.Before = m.DeadLetter
	m.Redriven, m.DeadLetter = c, nil
}

// deadLetterPrefixes start the headers of the Kafka-style dead-letter
// schemes FromHeaders reads.
var deadLetterPrefixes = [...]string{"kafka_dlt-", "__connect.errors.", "__streams.errors.", "dead-letter-", "x-original-", "x-exception-"}

func isDeadLetterHeader(key string) bool {
	for _, p := range deadLetterPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func isRedriveHeader(key string) bool { return strings.HasPrefix(key, RedrivePrefix) }

// lastIndex is the index of the last header whose key matches, or -1.
func lastIndex(headers []sources.Header, match func(string) bool) int {
	for i := len(headers) - 1; i >= 0; i-- {
		if match(headers[i].Key) {
			return i
		}
	}
	return -1
}
