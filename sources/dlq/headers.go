package dlq

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/sources"
)

// headerGetter finds the last header with a name.
type headerGetter []sources.Header

func (h headerGetter) get(key string) ([]byte, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Key == key {
			return h[i].Value, true
		}
	}
	return nil, false
}

func (h headerGetter) str(key string) string {
	v, _ := h.get(key)
	return string(v)
}

// FromHeaders decodes dead-letter provenance from Kafka-style headers. It
// returns nil when no known scheme is present.
func FromHeaders(headers []sources.Header) *sources.DeadLetter {
	h := headerGetter(headers)
	switch {
	case has(h, "kafka_dlt-original-topic") || has(h, "kafka_dlt-exception-fqcn"):
		return spring(h)
	case has(h, "__connect.errors.topic") || has(h, "__connect.errors.exception.class.name"):
		return connect(h)
	case has(h, "__streams.errors.topic") || has(h, "__streams.errors.exception"):
		return streams(h)
	case has(h, "dead-letter-topic") || has(h, "dead-letter-reason"):
		return smallrye(h)
	case has(h, "x-original-topic") || has(h, "x-original-queue") || has(h, "x-exception-message"):
		return generic(h)
	}
	return nil
}

// origin fills the origin stream, partition and offset from three headers.
// Numbers may be text (Connect, SmallRye) or big-endian binary (Spring).
func (h headerGetter) origin(d *sources.DeadLetter, topic, partition, offset string) {
	d.OriginStream = h.str(topic)
	if v, ok := h.get(partition); ok {
		if n, ok := DecodeInt(v); ok {
			d.OriginPartition = int32(n)
		}
	}
	if v, ok := h.get(offset); ok {
		if n, ok := DecodeInt(v); ok {
			d.OriginOffset = n
		}
	}
}

func has(h headerGetter, key string) bool { _, ok := h.get(key); return ok }

func newDeadLetter(scheme string) *sources.DeadLetter {
	return &sources.DeadLetter{Scheme: scheme, OriginPartition: sources.NoPartition, OriginOffset: -1}
}

func spring(h headerGetter) *sources.DeadLetter {
	d := newDeadLetter("spring")
	h.origin(d, "kafka_dlt-original-topic", "kafka_dlt-original-partition", "kafka_dlt-original-offset")
	if v, ok := h.get("kafka_dlt-original-timestamp"); ok {
		if n, ok := DecodeInt(v); ok && n > 0 {
			d.OriginTime = time.UnixMilli(n)
		}
	}
	d.ConsumerGroup = h.str("kafka_dlt-original-consumer-group")
	d.ExceptionClass = h.str("kafka_dlt-exception-fqcn")
	d.CauseClass = h.str("kafka_dlt-exception-cause-fqcn")
	d.ExceptionMessage = h.str("kafka_dlt-exception-message")
	d.StackTrace = h.str("kafka_dlt-exception-stacktrace")
	if d.ExceptionClass == "" { // key deserialization failures use kafka_dlt-key-exception-*
		d.ExceptionClass = h.str("kafka_dlt-key-exception-fqcn")
		d.ExceptionMessage = h.str("kafka_dlt-key-exception-message")
		d.StackTrace = h.str("kafka_dlt-key-exception-stacktrace")
	}
	return d
}

func connect(h headerGetter) *sources.DeadLetter {
	const p = "__connect.errors."
	d := newDeadLetter("connect")
	h.origin(d, p+"topic", p+"partition", p+"offset")
	d.ExceptionClass = h.str(p + "exception.class.name")
	d.ExceptionMessage = h.str(p + "exception.message")
	d.StackTrace = h.str(p + "exception.stacktrace")
	d.ConsumerGroup = h.str(p + "connector.name")
	for _, k := range []struct{ header, label string }{
		{"connector.name", "Connector"}, {"task.id", "Task"}, {"stage", "Stage"}, {"class.name", "Class"},
	} {
		if v := h.str(p + k.header); v != "" {
			d.Extra = append(d.Extra, sources.Property{Name: k.label, Value: v})
		}
	}
	return d
}

func streams(h headerGetter) *sources.DeadLetter {
	const p = "__streams.errors."
	d := newDeadLetter("streams")
	h.origin(d, p+"topic", p+"partition", p+"offset")
	d.ExceptionClass = h.str(p + "exception")
	d.ExceptionMessage = h.str(p + "message")
	d.StackTrace = h.str(p + "stacktrace")
	return d
}

func smallrye(h headerGetter) *sources.DeadLetter {
	d := newDeadLetter("smallrye")
	h.origin(d, "dead-letter-topic", "dead-letter-partition", "dead-letter-offset")
	d.Reason = h.str("dead-letter-reason")
	d.ExceptionClass = h.str("dead-letter-exception-class-name")
	d.ExceptionMessage = h.str("dead-letter-reason")
	if c := h.str("dead-letter-cause"); c != "" {
		d.Extra = append(d.Extra, sources.Property{Name: "Cause", Value: c})
	}
	d.CauseClass = h.str("dead-letter-cause-class-name")
	return d
}

func generic(h headerGetter) *sources.DeadLetter {
	d := newDeadLetter("generic")
	h.origin(d, "x-original-topic", "x-original-partition", "x-original-offset")
	if d.OriginStream == "" {
		d.OriginStream = h.str("x-original-queue")
	}
	d.ExceptionMessage = h.str("x-exception-message")
	d.ExceptionClass = h.str("x-exception-class")
	return d
}

// DecodeInt reads an integer header value: 4-byte or 8-byte big-endian (as
// Spring writes them) or decimal text.
func DecodeInt(v []byte) (int64, bool) {
	if n, ok := decodeIntText(string(v)); ok {
		return n, true
	}
	switch len(v) {
	case 4:
		return int64(int32(binary.BigEndian.Uint32(v))), true
	case 8:
		return int64(binary.BigEndian.Uint64(v)), true
	}
	return 0, false
}

// decodeIntText parses a decimal integer written as text.
func decodeIntText(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// binaryIntHeaders are Spring's headers that hold big-endian integers.
var binaryIntHeaders = map[string]bool{
	"kafka_dlt-original-partition": true,
	"kafka_dlt-original-offset":    true,
	"kafka_dlt-original-timestamp": true,
	"__streams.errors.partition":   true,
	"__streams.errors.offset":      true,
}

// FormatHeader renders a header value for display. Spring's binary integer
// headers are decoded (timestamps shown as times too); other values are shown
// as text when they are printable UTF-8. decoded reports a decoding was applied;
// binary reports the value is not text (the caller shows it as hex).
func FormatHeader(key string, v []byte) (text string, decoded, binary bool) {
	if binaryIntHeaders[key] && !isPrintable(v) {
		if n, ok := DecodeInt(v); ok {
			if strings.HasSuffix(key, "timestamp") {
				return strconv.FormatInt(n, 10) + " (" + time.UnixMilli(n).UTC().Format(time.RFC3339Nano) + ")", true, false
			}
			return strconv.FormatInt(n, 10), true, false
		}
	}
	if isPrintable(v) {
		return string(v), false, false
	}
	return "", false, true
}

// isPrintable reports whether v is valid UTF-8 without control characters
// other than tab and newlines.
func isPrintable(v []byte) bool {
	if !utf8.Valid(v) {
		return false
	}
	for _, r := range string(v) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}
