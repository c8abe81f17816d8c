package schema

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/mqscope/mqscope/sources"
)

const commonProto = `syntax = "proto3";
package acme.common;
message Money { string currency = 1; int64 units = 2; }
`

const orderProto = `syntax = "proto3";
package acme;
import "acme/common.proto";
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

message Header { string id = 1; }

message Order {
  message Line { string sku = 1; int32 qty = 2; }
  string id = 1;
  acme.common.Money total = 2;
  google.protobuf.Timestamp at = 3;
  google.protobuf.Duration ttl = 4;
  google.protobuf.Any extra = 5;
  google.protobuf.Struct meta = 6;
  google.protobuf.StringValue note = 7;
  Status status = 8;
  oneof pay { string card = 9; string iban = 10; }
  map<string, int32> counts = 11;
  repeated Line lines = 12;
}

enum Status { UNKNOWN = 0; PAID = 1; }
`

// compileOrder compiles the test's .proto files on their own, as a
// producer would, for building messages.
func compileOrder(t testing.TB) protoreflect.FileDescriptor {
	t.Helper()
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(map[string]string{"acme/common.proto": commonProto, "acme/order.proto": orderProto}),
	})}
	fs, err := c.Compile(context.Background(), "acme/order.proto")
	if err != nil {
		t.Fatal(err)
	}
	return fs[0]
}

// orderMessage builds an acme.Order with dynamicpb and marshals it.
func orderMessage(t testing.TB, fd protoreflect.FileDescriptor) []byte {
	t.Helper()
	md := fd.Messages().ByName("Order")
	m := dynamicpb.NewMessage(md)
	set := func(m *dynamicpb.Message, name string, v protoreflect.Value) {
		m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(name)), v)
	}
	set(m, "id", protoreflect.ValueOfString("o-1"))
	money := dynamicpb.NewMessage(md.Fields().ByName("total").Message())
	set(money, "currency", protoreflect.ValueOfString("EUR"))
	set(money, "units", protoreflect.ValueOfInt64(1250))
	set(m, "total", protoreflect.ValueOfMessage(money))
	remarshal := func(src proto.Message, field string) {
		b, err := proto.Marshal(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := dynamicpb.NewMessage(md.Fields().ByName(protoreflect.Name(field)).Message())
		if err := proto.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
		set(m, field, protoreflect.ValueOfMessage(dst))
	}
	remarshal(timestamppb.New(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)), "at")
	remarshal(durationpb.New(90*time.Second), "ttl")
	hdr := dynamicpb.NewMessage(fd.Messages().ByName("Header"))
	set(hdr, "id", protoreflect.ValueOfString("h-9"))
	hb, err := proto.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	remarshal(&anypb.Any{TypeUrl: "type.googleapis.com/acme.Header", Value: hb}, "extra")
	st, err := structpb.NewStruct(map[string]any{"region": "eu", "retries": 2})
	if err != nil {
		t.Fatal(err)
	}
	remarshal(st, "meta")
	remarshal(wrapperspb.String("ring twice"), "note")
	set(m, "status", protoreflect.ValueOfEnum(1))
	set(m, "iban", protoreflect.ValueOfString("DE89"))
	counts := m.Mutable(md.Fields().ByName("counts")).Map()
	counts.Set(protoreflect.ValueOfString("a").MapKey(), protoreflect.ValueOfInt32(3))
	lines := m.Mutable(md.Fields().ByName("lines")).List()
	line := dynamicpb.NewMessage(md.Messages().ByName("Line"))
	set(line, "sku", protoreflect.ValueOfString("A-1"))
	set(line, "qty", protoreflect.ValueOfInt32(2))
	lines.Append(protoreflect.ValueOfMessage(line))
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const orderJSON = `{"id":"o-1","total":{"currency":"EUR","units":"1250"},"at":"2026-03-14T15:09:26Z","ttl":"90s",` +
	`"extra":{"@type":"type.googleapis.com/acme.Header","id":"h-9"},"meta":{"region":"eu","retries":2},` +
	`"note":"ring twice","status":"PAID","iban":"DE89","counts":{"a":3},"lines":[{"sku":"A-1","qty":2}]}`

// registerOrder registers acme/common.proto and the order schema that
// imports it by reference.
func registerOrder(t *testing.T) (url string, id int) {
	reg := newFake(t)
	register(t, reg, "acme/common.proto", sr.Schema{Schema: commonProto, Type: sr.TypeProtobuf})
	id = register(t, reg, "orders-value", sr.Schema{Schema: orderProto, Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "acme/common.proto", Subject: "acme/common.proto", Version: 1}}})
	return reg.URL(), id
}

// TestProtobufNonFirstMessageWithImports decodes the second message of a
// schema that imports another by reference and the well-known types:
// Timestamp, Duration, Any, Struct and a wrapper render as protojson does,
// with the enum, the oneof, the map and the repeated nested message.
func TestProtobufNonFirstMessageWithImports(t *testing.T) {
	url, id := registerOrder(t)
	d := newDecoder(t, url)
	// Message indexes [1] written by hand: count 1 and index 1, zigzag.
	raw := framed(id, []byte{2, 2}, orderMessage(t, compileOrder(t)))
	got := value(t, d, "orders", raw)
	mustJSON(t, got, orderJSON)
	if got.Format != FormatProtobuf || got.Ref.Message != "acme.Order" || len(got.Ref.Indexes) != 1 || got.Ref.Indexes[0] != 1 {
		t.Fatalf("ref %+v", got.Ref)
	}
	out, err := d.Encode(context.Background(), got.Ref, got.JSON)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(out, raw) {
		t.Fatalf("re-encoded\n got %x\nwant %x", out, raw)
	}
	_, err = d.Encode(context.Background(), got.Ref, []byte(`{"id":"o-1","lines":[{"qty":"many"}]}`))
	if KindOf(err) != KindMismatch {
		t.Fatalf("bad edit: %v", err)
	}
	_, err = d.Encode(context.Background(), got.Ref, []byte(`{"id":"o-1","colour":"red"}`))
	if KindOf(err) != KindMismatch || !bytes.Contains([]byte(err.Error()), []byte("colour")) {
		t.Fatalf("unknown field edit: %v", err)
	}
}

// TestProtobufNestedMessageIndexes decodes Order.Line by the indexes
// [1, 0], the body written field by field with protowire.
func TestProtobufNestedMessageIndexes(t *testing.T) {
	url, id := registerOrder(t)
	d := newDecoder(t, url)
	var body []byte
	body = protowire.AppendTag(body, 1, protowire.BytesType)
	body = protowire.AppendString(body, "B-2")
	body = protowire.AppendTag(body, 2, protowire.VarintType)
	body = protowire.AppendVarint(body, 5)
	got := value(t, d, "orders", framed(id, []byte{4, 2, 0}, body))
	mustJSON(t, got, `{"sku":"B-2","qty":5}`)
	if got.Ref.Message != "acme.Order.Line" {
		t.Fatalf("message %s", got.Ref.Message)
	}
	// The first message is the single byte 0.
	hdr := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "h")
	mustJSON(t, value(t, d, "orders", framed(id, []byte{0}, hdr)), `{"id":"h"}`)
	// An index past the file's messages, and a body that is not the message.
	if got := value(t, d, "orders", framed(id, []byte{2, 10}, body)); KindOf(got.Err) != KindMismatch {
		t.Fatalf("index 5: %v", got.Err)
	}
	if got := value(t, d, "orders", framed(id, []byte{0}, []byte{0xff, 0xff})); got.Err != nil && strings.ContainsRune(got.Err.Error(), '\u00a0') {
		t.Errorf("the protobuf library's no-break space in %q", got.Err)
	}
	if got := value(t, d, "orders", framed(id, []byte{0}, []byte{0xff, 0xff})); got.Err == nil {
		t.Fatalf("garbage body decoded: %s", got.JSON)
	}
	if got := value(t, d, "orders", framed(id, []byte{4, 2})); KindOf(got.Err) != KindTruncated {
		t.Fatalf("truncated indexes: %v", got.Err)
	}
}

// writeProtoDir writes the .proto files as a source tree.
func writeProtoDir(t *testing.T) string {
	dir := t.TempDir()
	for name, text := range map[string]string{"acme/common.proto": commonProto, "acme/order.proto": orderProto} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestProtobufLocalSources maps a queue to a .proto directory (imports
// resolved in it) and to a descriptor set that leaves the well-known types
// out (as protoc writes one without --include_imports), and
// picks a message by RabbitMQ's content-type and type properties.
func TestProtobufLocalSources(t *testing.T) {
	dir := writeProtoDir(t)
	fd := compileOrder(t)
	set := &descriptorpb.FileDescriptorSet{}
	var add func(f protoreflect.FileDescriptor)
	seen := map[string]bool{}
	add = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] || strings.HasPrefix(f.Path(), "google/protobuf/") {
			return // as protoc writes it without --include_imports
		}
		seen[f.Path()] = true
		for i := 0; i < f.Imports().Len(); i++ {
			add(f.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(f))
	}
	add(fd)
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	protoset := filepath.Join(t.TempDir(), "acme.binpb")
	if err := os.WriteFile(protoset, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(Config{
		Rules: []Rule{
			{Pattern: "orders.*", Schema: dir, Message: "acme.Order"},
			{Pattern: "legacy-orders", Schema: protoset, Message: "acme.Order"},
		},
		Protos: []string{dir},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := orderMessage(t, fd)
	mustJSON(t, value(t, d, "orders.parking", body), orderJSON)
	mustJSON(t, value(t, d, "legacy-orders", body), orderJSON)
	m := &sources.Message{Stream: "anything", Value: body, Properties: []sources.Property{{Name: "content-type", Value: "application/x-protobuf"}, {Name: "type", Value: "acme.Order"}}}
	got := d.Value(context.Background(), m)
	mustJSON(t, got, orderJSON)
	if got.Ref.Origin != OriginLocal || got.Ref.Message != "acme.Order" {
		t.Fatalf("ref %+v", got.Ref)
	}
	// Without the type there is nothing to pick the message by.
	m.Properties = m.Properties[:1]
	if got := d.Value(context.Background(), m); got.Format != FormatBinary {
		t.Fatalf("no type: %+v", got)
	}
	if _, err := NewDecoder(Config{Rules: []Rule{{Pattern: "x", Schema: dir, Message: "acme.Nope"}}}); err == nil {
		t.Fatal("a rule naming a missing message was accepted")
	}
}

// TestProtobufMalformedMapEntry: a body on which google.golang.org/protobuf
// panics (a malformed map entry, found by FuzzProtobufDecode) is refused
// as not fitting, not a crash.
func TestProtobufMalformedMapEntry(t *testing.T) {
	url, id := registerOrder(t)
	d := newDecoder(t, url)
	got := value(t, d, "orders", framed(id, []byte{2, 2}, []byte("2&2\x0e00000000000000\n\x14\n\a0000000\t0000000000")))
	if KindOf(got.Err) != KindMismatch || got.JSON != nil {
		t.Fatalf("malformed map entry: %+v", got)
	}
}

// TestProtobufWrongMessage: an Order read as the first message (Header)
// shows what fits and the rest as fields the schema does not have (under
// UnknownFieldsKey), and says so; the document encodes back to the bytes.
func TestProtobufWrongMessage(t *testing.T) {
	url, id := registerOrder(t)
	d := newDecoder(t, url)
	data := framed(id, []byte{0}, orderMessage(t, compileOrder(t)))
	got := value(t, d, "orders", data)
	if KindOf(got.Err) != KindMismatch || !strings.HasPrefix(string(got.JSON), `{"id":"o-1","$unknown_fields":[{"field":2,"bytes":"`) || !strings.Contains(got.Err.Error(), "does not have") || !errors.Is(got.Err, ErrUnknownFields) {
		t.Fatalf("order as header: %s %v", got.JSON, got.Err)
	}
	if again, err := d.Encode(context.Background(), got.Ref, got.JSON); err != nil || !bytes.Equal(again, data) {
		t.Fatalf("encoded back % x %v, want % x", again, err, data)
	}
}

// decimalProto is Confluent's confluent/type/decimal.proto as it is
// registered for reference.
const decimalProto = `syntax = "proto3";
package confluent.type;
option java_package = "io.confluent.protobuf.type";
option java_outer_classname = "DecimalProto";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`

const paymentProto = `syntax = "proto3";
package acme;
import "confluent/type/decimal.proto";
message Payment {
  string id = 1;
  confluent.type.Decimal amount = 2;
  repeated confluent.type.Decimal fees = 3;
  map<string, confluent.type.Decimal> by_currency = 4;
  confluent.type.Decimal unset = 5;
}
`

// decimalBody is a confluent.type.Decimal written field by field.
func decimalBody(unscaled []byte, precision uint64, scale int64) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, unscaled)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, precision)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(scale))
}

// TestProtobufConfluentDecimal: a schema importing confluent/type/decimal.proto
// by reference shows each confluent.type.Decimal (a field, repeated, a map's
// value) as its exact decimal string, and an edit of those strings encodes
// back to the same values.
func TestProtobufConfluentDecimal(t *testing.T) {
	reg := newFake(t)
	register(t, reg, "confluent/type/decimal.proto", sr.Schema{Schema: decimalProto, Type: sr.TypeProtobuf})
	id := register(t, reg, "payments-value", sr.Schema{Schema: paymentProto, Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "confluent/type/decimal.proto", Subject: "confluent/type/decimal.proto", Version: 1}}})
	d := newDecoder(t, reg.URL())

	big30 := []byte{0x0c, 0x9f, 0x2c, 0x9c, 0xd0, 0x46, 0x74, 0xed, 0xea, 0x40, 0x00, 0x00, 0x00} // 10^30
	var body []byte
	body = protowire.AppendTag(body, 1, protowire.BytesType)
	body = protowire.AppendString(body, "p-1")
	body = protowire.AppendTag(body, 2, protowire.BytesType)
	body = protowire.AppendBytes(body, decimalBody([]byte{0xcf, 0xc7}, 5, 2)) // -12345, scale 2
	body = protowire.AppendTag(body, 3, protowire.BytesType)
	body = protowire.AppendBytes(body, decimalBody([]byte{0x01}, 1, 3)) // 0.001
	body = protowire.AppendTag(body, 3, protowire.BytesType)
	body = protowire.AppendBytes(body, decimalBody(big30, 31, 0))
	var entry []byte
	entry = protowire.AppendTag(entry, 1, protowire.BytesType)
	entry = protowire.AppendString(entry, "EUR")
	entry = protowire.AppendTag(entry, 2, protowire.BytesType)
	entry = protowire.AppendBytes(entry, decimalBody([]byte{0x04, 0xd2}, 4, 1)) // 1234, scale 1
	body = protowire.AppendTag(body, 4, protowire.BytesType)
	body = protowire.AppendBytes(body, entry)

	got := value(t, d, "payments", framed(id, []byte{0}, body))
	mustJSON(t, got, `{"id":"p-1","amount":"-123.45","fees":["0.001","1000000000000000000000000000000"],"by_currency":{"EUR":"123.4"}}`)

	out, err := d.Encode(context.Background(), got.Ref, []byte(`{"id":"p-1","amount":"-123.46","fees":["0.001"],"by_currency":{"EUR":"7"}}`))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	again := value(t, d, "payments", out)
	mustJSON(t, again, `{"id":"p-1","amount":"-123.46","fees":["0.001"],"by_currency":{"EUR":"7"}}`)

	_, err = d.Encode(context.Background(), got.Ref, []byte(`{"amount":"12x"}`))
	if KindOf(err) != KindMismatch || !strings.Contains(err.Error(), "amount") {
		t.Fatalf("bad decimal edit: %v", err)
	}
}

// TestProtobufMalformedIndexes: a negative message-index count is called
// malformed, with the count, not truncated.
func TestProtobufMalformedIndexes(t *testing.T) {
	url, id := registerOrder(t)
	d := newDecoder(t, url)
	got := value(t, d, "orders", framed(id, []byte{5}, orderMessage(t, compileOrder(t)))) // zigzag 5 is -3
	if KindOf(got.Err) != KindMalformed || !strings.Contains(got.Err.Error(), "malformed message indexes (count -3)") || strings.Contains(got.Err.Error(), "truncated") {
		t.Fatalf("negative count: %v", got.Err)
	}
}
