package capture_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
)

func sample() []sources.Message {
	ts := time.Date(2026, 11, 29, 10, 0, 0, 123456789, time.UTC)
	return []sources.Message{
		{Stream: "orders", Partition: 1, Offset: 7, Timestamp: ts, Key: []byte("ord-1"), Value: []byte(`{"a":"é\u2028","q":"\"\\"}` + "\n\t\x01"),
			Headers: []sources.Header{{Key: "h", Value: []byte("v")}, {Key: "h", Value: []byte{0xff, 0}}, {Key: "empty", Value: []byte{}}}},
		{Conn: "c", Stream: "bin", Partition: 0, Offset: 0, Timestamp: ts, Key: []byte{0x80}, Value: []byte{0, 1, 0xfe}},
		{Stream: "t", Partition: 2, Offset: 9, Timestamp: ts, Key: nil, Value: nil},
		{Stream: "t", Partition: 2, Offset: 10, Timestamp: ts, Key: []byte{}, Value: []byte{}},
		{Conn: "rabbit", Stream: "orders.dlq", Partition: sources.NoPartition, Offset: 3, ID: "m-1", NoTimestamp: true, Key: []byte("orders.created"), Value: []byte("{}"),
			Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}}, Properties: amqpProps()},
		{Conn: "redis", Stream: "orders", Partition: sources.NoPartition, Offset: 1700000000000<<20 | 3, ID: "1700000000000-3", IDPosition: true, Timestamp: ts, Value: []byte("v")},
	}
}

// amqpProps are every AMQP basic property, as the RabbitMQ connector
// renders them, in the spec's order.
func amqpProps() []sources.Property {
	return []sources.Property{
		{Name: "exchange", Value: "shop"}, {Name: "content-type", Value: "application/json"}, {Name: "content-encoding", Value: "gzip"},
		{Name: "delivery-mode", Value: "2 (persistent)"}, {Name: "priority", Value: "7"},
		{Name: "correlation-id", Value: "corr-\u001b[2J\"<1>"}, {Name: "reply-to", Value: "amq.rabbitmq.reply-to"},
		{Name: "expiration", Value: "60000"}, {Name: "message-id", Value: "m-1"},
		{Name: "timestamp", Value: "2026-11-29T10:00:00Z"}, {Name: "type", Value: "order.created"},
		{Name: "user-id", Value: "guest"}, {Name: "app-id", Value: "order-service\u202e"},
	}
}

// TestAMQPPropertiesInTheCapture: a RabbitMQ message's AMQP properties are
// written under "properties" with their AMQP names (numbers as numbers,
// controls escaped), what is not a basic property (the exchange, the
// delivery count) is not, and a message without a time has a null
// timestamp; files without either still read.
func TestAMQPPropertiesInTheCapture(t *testing.T) {
	m := sample()[4]
	m.Timestamp = time.Now() // the time of the read, which the export must not write
	m.Properties = append([]sources.Property{m.Properties[0], {Name: "routing-key", Value: "orders.created"}}, m.Properties[1:]...)
	m.Properties = append(m.Properties, sources.Property{Name: "redelivered", Value: "true"}, sources.Property{Name: "x-delivery-count", Value: "2"})
	line := capture.AppendRecord(nil, &m)
	if raw := rawControl(line[:len(line)-1]); raw != "" {
		t.Fatalf("%s stands raw in %s", raw, line)
	}
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["timestamp"] != nil || doc["exchange"] != "shop" {
		t.Errorf("timestamp %v, want null; exchange %v", doc["timestamp"], doc["exchange"])
	}
	want := map[string]any{"content-type": "application/json", "content-encoding": "gzip", "delivery-mode": 2.0, "priority": 7.0,
		"correlation-id": "corr-\x1b[2J\"<1>", "reply-to": "amq.rabbitmq.reply-to", "expiration": "60000", "message-id": "m-1",
		"timestamp": float64(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC).Unix()), "type": "order.created", "user-id": "guest", "app-id": "order-service\u202e"}
	if !reflect.DeepEqual(doc["properties"], want) {
		t.Errorf("properties %v\nwant %v", doc["properties"], want)
	}
	got, err := capture.NewDecoder(bytes.NewReader(line)).Next()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Properties, amqpProps()) || got.ID != "m-1" || !got.Timestamp.IsZero() || !got.NoTimestamp {
		t.Errorf("decoded %+v", got)
	}
	m.Properties = []sources.Property{{Name: "exchange", Value: capture.DefaultExchange}}
	line = capture.AppendRecord(nil, &m)
	if got, err := capture.NewDecoder(bytes.NewReader(line)).Next(); err != nil || !strings.Contains(string(line), `"exchange":""`) || !reflect.DeepEqual(got.Properties, m.Properties) {
		t.Errorf("the default exchange: %s: %+v %v", line, got.Properties, err)
	}
	old, err := capture.NewDecoder(strings.NewReader(`{"stream":"q","partition":-1,"offset":1,"timestamp":"2026-11-29T10:00:00Z","key":"k","value":"v"}` + "\n")).Next()
	if err != nil || old.NoTimestamp || old.Timestamp.Unix() != time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC).Unix() || old.Properties != nil {
		t.Errorf("an older file: %+v %v", old, err)
	}
}

func TestRoundTripByteExact(t *testing.T) {
	var buf bytes.Buffer
	enc := capture.NewEncoder(&buf)
	in := sample()
	for i := range in {
		if err := enc.Encode(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	dec := capture.NewDecoder(&buf)
	for i := range in {
		got, err := dec.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want := in[i]
		want.ValueSize = len(want.Value)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %#v\nwant %#v", i, got, want)
		}
	}
	if _, err := dec.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	for _, m := range sample() {
		line := capture.AppendRecord(nil, &m)
		var r capture.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("not JSON: %s: %v", line, err)
		}
		std, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		_ = json.Unmarshal(line, &a)
		_ = json.Unmarshal(std, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("hand-written %s\n     encoding/json %s", line, std)
		}
	}
}

func TestDecoderErrors(t *testing.T) {
	for _, bad := range []string{"{", `{"stream":"s","value":"a","value_b64":"YQ=="}`, `{"stream":"s","key_b64":"%%%"}`} {
		_, err := capture.NewDecoder(bytes.NewBufferString(bad + "\n")).Next()
		if err == nil {
			t.Fatalf("%q decoded", bad)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("k"), []byte(`{"x":1}`), "h", []byte{0xff})
	f.Add([]byte("\u009b2J"), []byte("\x1b]52;c;eA==\x07\u202e"), "n\xffame\u2066", []byte("\u200f\x7f"))
	f.Fuzz(func(t *testing.T, key, value []byte, hk string, hv []byte) {
		m := sources.Message{Stream: "s", Key: key, Value: value, Headers: []sources.Header{{Key: hk, Value: hv}}}
		line := capture.AppendRecord(nil, &m)
		if !json.Valid(line) {
			t.Fatalf("not JSON: %q", line)
		}
		if raw := rawControl(line[:len(line)-1]); raw != "" {
			t.Fatalf("%s stands raw in %q", raw, line)
		}
		got, err := capture.NewDecoder(bytes.NewReader(line)).Next()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if !bytes.Equal(got.Key, key) || !bytes.Equal(got.Value, value) || !bytes.Equal(got.Headers[0].Value, hv) || got.Headers[0].Key != hk {
			t.Fatalf("not byte-exact: %s", line)
		}
	})
}

// rawControl names a control a terminal would act on that stands
// unescaped in b, or "".
func rawControl(b []byte) string {
	if !utf8.Valid(b) {
		return "invalid UTF-8"
	}
	for _, r := range string(b) {
		if safetext.Unsafe(r) {
			return string(safetext.AppendCode(nil, r))
		}
	}
	return ""
}

// TestPoisonRoundTrip exports a message with terminal controls and invalid
// UTF-8 in every field, header names included: the line is valid JSON with
// every control escaped, and it reads back byte for byte.
func TestPoisonRoundTrip(t *testing.T) {
	poison := "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\u009b2J\u009d0;t\u009c\u202eexe\u2066\u2069\u200e\u200f\u061c\x7f\x00"
	m := sources.Message{Conn: "c" + poison, Stream: "s" + poison, Partition: 1, Offset: 2, Timestamp: time.Unix(1, 0).UTC(),
		Key: []byte("k" + poison), Value: []byte("v" + poison),
		Headers: []sources.Header{{Key: "h" + poison, Value: []byte("v" + poison)}, {Key: "bad\xff\x9bname", Value: []byte{0x9b, 0xff}}, {Key: "", Value: nil}}}
	m.ValueSize = len(m.Value)
	var buf bytes.Buffer
	enc := capture.NewEncoder(&buf)
	if err := enc.Encode(&m); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	line := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !json.Valid(line) {
		t.Fatalf("not JSON: %q", line)
	}
	if raw := rawControl(line); raw != "" {
		t.Fatalf("%s stands raw in %q", raw, line)
	}
	if !bytes.Contains(line, []byte(`"key_b64":"YmFk/5tuYW1l"`)) {
		t.Fatalf("a header name that is not UTF-8 is not in base64: %s", line)
	}
	got, err := capture.NewDecoder(&buf).Next()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("not byte-exact:\n got %#v\nwant %#v", got, m)
	}
}

func TestDecodesKcatJSON(t *testing.T) {
	line := `{"topic":"orders","partition":2,"offset":41,"tstype":"create","ts":1764400000123,"broker":0,"headers":["correlation-id","abc","empty",""],"key":"ord-1","payload":"{\"a\":1}"}` + "\n" +
		`{"topic":"orders","partition":0,"offset":7,"tstype":"create","ts":1764400000000,"broker":0,"key":null,"payload":null}` + "\n"
	dec := capture.NewDecoder(strings.NewReader(line))
	m, err := dec.Next()
	if err != nil {
		t.Fatal(err)
	}
	if m.Stream != "orders" || m.Partition != 2 || m.Offset != 41 || string(m.Key) != "ord-1" || string(m.Value) != `{"a":1}` ||
		m.Timestamp.UnixMilli() != 1764400000123 || len(m.Headers) != 2 || string(m.Headers[0].Value) != "abc" {
		t.Fatalf("%+v", m)
	}
	m, err = dec.Next()
	if err != nil || m.Key != nil || m.Value != nil {
		t.Fatalf("tombstone: %+v %v", m, err)
	}
}

// TestDecodedFields: the decoded key and value, their schemas and a
// failure are written as json.Marshal(Record) writes them, on one line
// with terminal controls escaped, and reading the line back gives the
// message's bytes.
func TestDecodedFields(t *testing.T) {
	m := sample()[1] // binary key and value
	keyID, valueID := 104, 202
	key := &capture.Decoded{JSON: []byte(`"ord-1"`), Schema: &capture.SchemaRecord{ID: &keyID, Subject: "p-key", Version: 1, Format: "avro"}}
	value := &capture.Decoded{JSON: []byte("{\n  \"s\": \"a\u0085b\",\n  \"n\": 1.50\n}"), Schema: &capture.SchemaRecord{ID: &valueID, Format: "protobuf", Message: "acme.Ev", Local: "/p/ev.proto"},
		Err: &capture.SchemaError{ID: &valueID, Kind: "does not fit the schema", Error: "does not fit the schema at n: \"x\""}}
	line := capture.AppendRecordDecoded(nil, &m, key, value)
	if bytes.Count(line, []byte("\n")) != 1 || bytes.Contains(line, []byte("\u0085")) || !bytes.Contains(line, []byte(`"s":"a\u0085b"`)) {
		t.Fatalf("line %s", line)
	}
	ts := m.Timestamp
	r := capture.Record{Conn: m.Conn, Stream: m.Stream, Partition: m.Partition, Offset: m.Offset, Timestamp: &ts}
	kb, vb := "gA==", "AAH+"
	r.KeyB64, r.ValueB64 = &kb, &vb
	r.KeyDecoded, r.KeySchema = json.RawMessage(`"ord-1"`), key.Schema
	r.ValueDecoded, r.ValueSchema, r.ValueSchemaError = json.RawMessage(`{"s":"a\u0085b","n":1.50}`), value.Schema, value.Err
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(line) != string(want)+"\n" {
		t.Fatalf("\n got %s\nwant %s", line, want)
	}
	got, err := capture.NewDecoder(bytes.NewReader(line)).Next()
	if err != nil {
		t.Fatal(err)
	}
	m.ValueSize = len(m.Value)
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("read back %#v\nwant %#v", got, m)
	}
	if plain := capture.AppendRecordDecoded(nil, &m, nil, nil); string(plain) != string(capture.AppendRecord(nil, &m)) {
		t.Fatal("no decoding is not the plain line")
	}
}

// TestSchemaIDZeroIsWritten: a value framed with schema id 0 names id 0
// in value_schema_error and value_schema like any other id; a schema
// without an id (a local one) names none. The line is json.Marshal's.
func TestSchemaIDZeroIsWritten(t *testing.T) {
	m := sources.Message{Stream: "s", Value: []byte("v"), Timestamp: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	zero := 0
	value := &capture.Decoded{Err: &capture.SchemaError{ID: &zero, Kind: "unknown schema id", Error: "unknown schema id: schema id 0: not found"}}
	key := &capture.Decoded{JSON: []byte(`"k"`), Schema: &capture.SchemaRecord{ID: &zero, Format: "avro"}}
	local := &capture.Decoded{JSON: []byte(`{}`), Schema: &capture.SchemaRecord{Format: "avro", Local: "/s/v.avsc"}, Err: &capture.SchemaError{Kind: "does not fit the schema", Error: "x"}}
	for _, c := range []struct {
		key, value *capture.Decoded
		want       []string
		not        string
	}{
		{key, value, []string{`"value_schema_error":{"id":0,"kind":"unknown schema id"`, `"key_schema":{"id":0,"format":"avro"}`}, ""},
		{nil, local, []string{`"value_schema":{"format":"avro","local":"/s/v.avsc"}`, `"value_schema_error":{"kind":`}, `"id"`},
	} {
		line := capture.AppendRecordDecoded(nil, &m, c.key, c.value)
		for _, w := range c.want {
			if !bytes.Contains(line, []byte(w)) {
				t.Errorf("line %s lacks %s", line, w)
			}
		}
		if c.not != "" && bytes.Contains(line, []byte(c.not)) {
			t.Errorf("line %s has %s", line, c.not)
		}
		ts := m.Timestamp
		v := "v"
		r := capture.Record{Stream: m.Stream, Timestamp: &ts, Value: &v, ValueSchema: c.value.Schema, ValueSchemaError: c.value.Err, ValueDecoded: c.value.JSON}
		if c.key != nil {
			r.KeyDecoded, r.KeySchema, r.KeySchemaError = c.key.JSON, c.key.Schema, c.key.Err
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(line) != string(want)+"\n" {
			t.Errorf("\n got %s\nwant %s", line, want)
		}
	}
}

// TestEncoderWritesWhatAppendRecordDoes: an Encoder writes each line as
// AppendRecordDecoded does while the schemas of its lines change, stay,
// or are one record changed in place between lines (ids 0, nil, others).
func TestEncoderWritesWhatAppendRecordDoes(t *testing.T) {
	m := sample()[0]
	var out bytes.Buffer
	enc := capture.NewEncoder(&out)
	var want []byte
	zero, seven := 0, 7
	rec := capture.SchemaRecord{ID: &seven, Subject: "p-value", Version: 1, Format: "avro", Message: "acme.P"}
	steps := []func(){
		func() {},
		func() {},
		func() { rec.Version = 2 },
		func() { seven = 8 },
		func() { rec.ID = &zero },
		func() { rec.ID = nil; rec.Local = "/s/p.avsc" },
		func() { rec.Subject = "q-value" },
		func() { rec.Message = "" },
		func() { rec.Format = "protobuf" },
		func() {},
	}
	for i, step := range steps {
		step()
		value := &capture.Decoded{JSON: []byte(`{"a":1}`), Schema: &rec, Compact: true}
		key := &capture.Decoded{JSON: []byte(`"k"`), Schema: &capture.SchemaRecord{ID: &zero, Format: "avro"}, Compact: true}
		if i%3 == 2 {
			key = nil
		}
		if err := enc.EncodeDecoded(&m, key, value); err != nil {
			t.Fatal(err)
		}
		want = capture.AppendRecordDecoded(want, &m, key, value)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Fatalf("\n got %s\nwant %s", out.String(), want)
	}
}
