package schema

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAvroTimesRoundTripWholeRange: a date or timestamp of every logical
// type decodes and encodes back to the same bytes across the whole range
// of its int or long, the extremes included; years 1 and 9999 are written
// as timestamps, years beyond four digits as the number stored.
func TestAvroTimesRoundTripWholeRange(t *testing.T) {
	y1 := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	y9999 := time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	before1677 := time.Date(1600, 2, 29, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		logical string
		values  []int64
		texts   map[int64]string // the document of some values
	}{
		{"timestamp-millis", []int64{math.MinInt64, math.MaxInt64, y1.UnixMilli(), y9999.UnixMilli(), y9999.UnixMilli() + 1, before1677.UnixMilli(), -1, 0},
			map[int64]string{y1.UnixMilli(): `"0001-01-01T00:00:00.000Z"`, y9999.UnixMilli(): `"9999-12-31T23:59:59.999Z"`, math.MaxInt64: "9223372036854775807", math.MinInt64: "-9223372036854775808"}},
		{"timestamp-micros", []int64{math.MinInt64, math.MaxInt64, y1.UnixMicro(), y9999.UnixMicro(), y9999.UnixMicro() + 1, before1677.UnixMicro(), -1},
			map[int64]string{y1.UnixMicro(): `"0001-01-01T00:00:00.000000Z"`, y9999.UnixMicro(): `"9999-12-31T23:59:59.999999Z"`, before1677.UnixMicro(): `"1600-02-29T12:00:00.000000Z"`, math.MinInt64: "-9223372036854775808"}},
		{"local-timestamp-millis", []int64{math.MinInt64, math.MaxInt64, y1.UnixMilli(), y9999.UnixMilli()},
			map[int64]string{y9999.UnixMilli(): `"9999-12-31T23:59:59.999"`, math.MaxInt64: "9223372036854775807"}},
		{"local-timestamp-micros", []int64{math.MinInt64, math.MaxInt64, y1.UnixMicro(), y9999.UnixMicro()},
			map[int64]string{y1.UnixMicro(): `"0001-01-01T00:00:00.000000"`}},
	}
	for _, c := range cases {
		codec, err := avroCodec{}.Compile(Named{Text: `{"type":"record","name":"T","fields":[{"name":"t","type":{"type":"long","logicalType":"` + c.logical + `"}}]}`}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range c.values {
			body := binary.AppendVarint(nil, v)
			js, err := codec.Decode(body, Selector{})
			if err != nil {
				t.Fatalf("%s %d: decode: %v", c.logical, v, err)
			}
			if want, ok := c.texts[v]; ok && string(js) != `{"t":`+want+`}` {
				t.Fatalf("%s %d: decoded %s, want %s", c.logical, v, js, want)
			}
			out, err := codec.Encode(context.Background(), js, Selector{})
			if err != nil || !bytes.Equal(out, body) {
				t.Fatalf("%s %d: %s encodes to %x %v, want %x", c.logical, v, js, out, err, body)
			}
		}
	}

	date, err := avroCodec{}.Compile(Named{Text: `{"type":"record","name":"D","fields":[{"name":"d","type":{"type":"int","logicalType":"date"}}]}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[int64]string{y1.Unix() / 86400: `"0001-01-01"`, y9999.Unix() / 86400: `"9999-12-31"`, math.MaxInt32: strconv.Itoa(math.MaxInt32)}
	for _, v := range []int64{math.MinInt32, math.MaxInt32, y1.Unix() / 86400, y9999.Unix() / 86400, y9999.Unix()/86400 + 1, 0} {
		body := binary.AppendVarint(nil, v)
		js, err := date.Decode(body, Selector{})
		if err != nil {
			t.Fatalf("date %d: %v", v, err)
		}
		if want, ok := texts[v]; ok && string(js) != `{"d":`+want+`}` {
			t.Fatalf("date %d: decoded %s, want %s", v, js, want)
		}
		if out, err := date.Encode(context.Background(), js, Selector{}); err != nil || !bytes.Equal(out, body) {
			t.Fatalf("date %d: %s encodes to %x %v, want %x", v, js, out, err, body)
		}
	}
	if _, err := date.Encode(context.Background(), []byte(`{"d":2147483648}`), Selector{}); err == nil {
		t.Fatal("a date beyond an int encoded")
	}
}

// TestAvroTimestampNanos: timestamp-nanos and local-timestamp-nanos, which
// hamba/avro does not know, render as timestamps with nine digits of the
// second and encode back to the same bytes, at the ends of the long
// too; so does one inside a union, and an edit of the text.
func TestAvroTimestampNanos(t *testing.T) {
	stamp := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC).UnixNano()
	cases := []struct {
		logical string
		texts   map[int64]string
	}{
		{"timestamp-nanos", map[int64]string{stamp: `"2024-05-06T07:08:09.123456789Z"`, 0: `"1970-01-01T00:00:00.000000000Z"`,
			math.MinInt64: `"1677-09-21T00:12:43.145224192Z"`, math.MaxInt64: `"2262-04-11T23:47:16.854775807Z"`, -1: `"1969-12-31T23:59:59.999999999Z"`}},
		{"local-timestamp-nanos", map[int64]string{stamp: `"2024-05-06T07:08:09.123456789"`, math.MaxInt64: `"2262-04-11T23:47:16.854775807"`}},
	}
	for _, c := range cases {
		for _, typ := range []string{`{"type":"long","logicalType":"` + c.logical + `"}`, `["null",{"type":"long","logicalType":"` + c.logical + `"}]`} {
			codec, err := avroCodec{}.Compile(Named{Text: `{"type":"record","name":"T","fields":[{"name":"t","type":` + typ + `}]}`}, nil)
			if err != nil {
				t.Fatal(err)
			}
			union := typ[0] == '['
			for v, want := range c.texts {
				body := binary.AppendVarint(nil, v)
				if union {
					body = append([]byte{2}, body...)
				}
				js, err := codec.Decode(body, Selector{})
				if err != nil {
					t.Fatalf("%s %d: decode: %v", typ, v, err)
				}
				if string(js) != `{"t":`+want+`}` {
					t.Fatalf("%s %d: decoded %s, want %s", typ, v, js, want)
				}
				out, err := codec.Encode(context.Background(), js, Selector{})
				if err != nil || !bytes.Equal(out, body) {
					t.Fatalf("%s %d: %s encodes to %x %v, want %x", typ, v, js, out, err, body)
				}
			}
		}
	}
	codec, err := avroCodec{}.Compile(Named{Text: `{"type":"record","name":"T","fields":[{"name":"t","type":{"type":"long","logicalType":"timestamp-nanos"}}]}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := codec.Encode(context.Background(), []byte(`{"t":"2024-05-06T07:08:09.000000001Z"}`), Selector{})
	if want := binary.AppendVarint(nil, time.Date(2024, 5, 6, 7, 8, 9, 1, time.UTC).UnixNano()); err != nil || !bytes.Equal(out, want) {
		t.Fatalf("an edited nanosecond encodes to %x %v, want %x", out, err, want)
	}
	if _, err := codec.Encode(context.Background(), []byte(`{"t":"2300-01-01T00:00:00Z"}`), Selector{}); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("a timestamp beyond 2262 encoded: %v", err)
	}
}
