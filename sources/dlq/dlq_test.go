package dlq_test

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

func hs(kv ...any) []sources.Header {
	var out []sources.Header
	for i := 0; i < len(kv); i += 2 {
		var v []byte
		switch x := kv[i+1].(type) {
		case string:
			v = []byte(x)
		case []byte:
			v = x
		}
		out = append(out, sources.Header{Key: kv[i].(string), Value: v})
	}
	return out
}

func TestIsDeadLetterName(t *testing.T) {
	cases := map[string]string{
		"orders.DLT": "orders", "orders-dlt": "orders", "payments.DLQ": "payments", "payments-dlq": "payments",
		"my-dead-letter-queue": "", "orders.dead-letter": "orders", "orders-deadletter": "orders", "orders_dead_letter": "orders", "error.orders.billing": "orders",
	}
	for name, origin := range cases {
		ok, got := dlq.IsDeadLetterName(name)
		if !ok || got != origin {
			t.Errorf("IsDeadLetterName(%q) = %v %q, want true %q", name, ok, got, origin)
		}
	}
	for _, name := range []string{"orders", "dltx", "errors", "error.only"} {
		if ok, _ := dlq.IsDeadLetterName(name); ok {
			t.Errorf("%q taken for a DLQ", name)
		}
	}
}

func TestSpring(t *testing.T) {
	ts := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	d := dlq.FromHeaders(hs(
		"kafka_dlt-original-topic", "orders",
		"kafka_dlt-original-partition", []byte{0, 0, 0, 7},
		"kafka_dlt-original-offset", []byte{0, 0, 0, 0, 0, 1, 0, 0},
		"kafka_dlt-original-timestamp", []byte{byte(ts >> 56), byte(ts >> 48), byte(ts >> 40), byte(ts >> 32), byte(ts >> 24), byte(ts >> 16), byte(ts >> 8), byte(ts)},
		"kafka_dlt-original-consumer-group", "order-service",
		"kafka_dlt-exception-fqcn", "org.springframework.kafka.listener.ListenerExecutionFailedException",
		"kafka_dlt-exception-cause-fqcn", "java.lang.IllegalStateException",
		"kafka_dlt-exception-message", "Listener failed",
		"kafka_dlt-exception-stacktrace", "trace",
	))
	if d == nil || d.Scheme != "spring" || d.OriginStream != "orders" || d.OriginPartition != 7 || d.OriginOffset != 65536 ||
		d.OriginTime.UnixMilli() != ts || d.ConsumerGroup != "order-service" || d.CauseClass != "java.lang.IllegalStateException" ||
		d.Summary() != "ListenerExecutionFailedException: Listener failed" {
		t.Fatalf("%+v", d)
	}
}

func TestConnect(t *testing.T) {
	const p = "__connect.errors."
	d := dlq.FromHeaders(hs(p+"topic", "payments", p+"partition", "2", p+"offset", "115", p+"connector.name", "jdbc-sink",
		p+"task.id", "0", p+"stage", "VALUE_CONVERTER", p+"class.name", "org.apache.kafka.connect.json.JsonConverter",
		p+"exception.class.name", "org.apache.kafka.connect.errors.DataException", p+"exception.message", "bad json"))
	if d == nil || d.Scheme != "connect" || d.OriginStream != "payments" || d.OriginPartition != 2 || d.OriginOffset != 115 ||
		d.ConsumerGroup != "jdbc-sink" || d.Summary() != "DataException: bad json" || len(d.Extra) != 4 {
		t.Fatalf("%+v", d)
	}
}

func TestStreamsSmallRyeGeneric(t *testing.T) {
	d := dlq.FromHeaders(hs("__streams.errors.topic", "in", "__streams.errors.partition", []byte{0, 0, 0, 1},
		"__streams.errors.offset", "42", "__streams.errors.exception", "java.lang.RuntimeException", "__streams.errors.message", "boom"))
	if d == nil || d.Scheme != "streams" || d.OriginPartition != 1 || d.OriginOffset != 42 || d.Summary() != "RuntimeException: boom" {
		t.Fatalf("streams %+v", d)
	}
	d = dlq.FromHeaders(hs("dead-letter-topic", "prices", "dead-letter-partition", "3", "dead-letter-offset", "9",
		"dead-letter-reason", "nack", "dead-letter-exception-class-name", "io.smallrye.Bad", "dead-letter-cause", "x"))
	if d == nil || d.Scheme != "smallrye" || d.OriginStream != "prices" || d.OriginPartition != 3 || d.OriginOffset != 9 || d.Reason != "nack" {
		t.Fatalf("smallrye %+v", d)
	}
	d = dlq.FromHeaders(hs("x-original-queue", "work", "x-exception-message", "timeout"))
	if d == nil || d.Scheme != "generic" || d.OriginStream != "work" || d.Summary() != "timeout" {
		t.Fatalf("generic %+v", d)
	}
	if dlq.FromHeaders(hs("correlation-id", "x")) != nil {
		t.Fatal("plain headers read as a dead letter")
	}
}

func TestMalformedHeadersDoNotPanic(t *testing.T) {
	d := dlq.FromHeaders(hs("kafka_dlt-original-topic", "t", "kafka_dlt-original-partition", []byte{1, 2}, "kafka_dlt-original-offset", "x"))
	if d == nil || d.OriginPartition != sources.NoPartition || d.OriginOffset != -1 {
		t.Fatalf("%+v", d)
	}
}

func TestFormatHeader(t *testing.T) {
	if s, dec, bin := dlq.FormatHeader("kafka_dlt-original-partition", []byte{0, 0, 0, 3}); s != "3" || !dec || bin {
		t.Fatalf("%q %v %v", s, dec, bin)
	}
	if s, _, _ := dlq.FormatHeader("kafka_dlt-original-timestamp", []byte{0, 0, 1, 0x9a, 0x7e, 0x1b, 0x10, 0x00}); s == "" || s[len(s)-1] != ')' {
		t.Fatalf("timestamp %q", s)
	}
	if _, _, bin := dlq.FormatHeader("x", []byte{0xff, 0}); !bin {
		t.Fatal("binary not flagged")
	}
	if s, _, _ := dlq.FormatHeader("x", []byte("text")); s != "text" {
		t.Fatal(s)
	}
}

func FuzzFromHeaders(f *testing.F) {
	f.Add("kafka_dlt-original-partition", []byte{0, 0, 0, 1}, "__connect.errors.offset", []byte("12"))
	f.Fuzz(func(t *testing.T, k1 string, v1 []byte, k2 string, v2 []byte) {
		headers := []sources.Header{{Key: k1, Value: v1}, {Key: k2, Value: v2}, {Key: "kafka_dlt-original-topic", Value: v1}}
		if d := dlq.FromHeaders(headers); d != nil {
			_ = d.Summary()
		}
		dlq.FormatHeader(k1, v1)
	})
}
