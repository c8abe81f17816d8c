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
	f.Fuzz(func(t *testing.T, key, value []byte, hk string, hv []byte) {
		if !utf8Valid(hk) {
			return
		}
		m := sources.Message{Stream: "s", Key: key, Value: value, Headers: []sources.Header{{Key: hk, Value: hv}}}
		line := capture.AppendRecord(nil, &m)
		got, err := capture.NewDecoder(bytes.NewReader(line)).Next()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if !bytes.Equal(got.Key, key) || !bytes.Equal(got.Value, value) || !bytes.Equal(got.Headers[0].Value, hv) || got.Headers[0].Key != hk {
			t.Fatalf("not byte-exact: %s", line)
		}
	})
}

func utf8Valid(s string) bool { return bytes.Equal([]byte(s), []byte(string([]rune(s)))) }

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
