package demo_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/hamba/avro/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

// registryClient reads the demo's Schema Registry over HTTP, as any
// Confluent client does.
type registryClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newRegistryClient(t *testing.T, base string) *registryClient {
	c := &registryClient{t: t, base: base, http: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(c.http.CloseIdleConnections)
	return c
}

func (c *registryClient) get(path string, into any) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, body, err)
	}
	if err := json.Unmarshal(body, into); err != nil {
		c.t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

// registered is a schema as the registry serves it.
type registered struct {
	Subject    string `json:"subject"`
	Version    int    `json:"version"`
	ID         int    `json:"id"`
	Schema     string `json:"schema"`
	SchemaType string `json:"schemaType"`
	References []struct {
		Name    string `json:"name"`
		Subject string `json:"subject"`
		Version int    `json:"version"`
	} `json:"references"`
}

func (c *registryClient) version(subject string, v int) registered {
	c.t.Helper()
	var r registered
	c.get(fmt.Sprintf("/subjects/%s/versions/%d", url.PathEscape(subject), v), &r)
	return r
}

func (c *registryClient) byID(id int) registered {
	c.t.Helper()
	var r registered
	c.get(fmt.Sprintf("/schemas/ids/%d", id), &r)
	return r
}

// header splits a Confluent wire-format value: magic 0, a big-endian
// schema id, then (Protobuf) the message indexes.
func header(t *testing.T, v []byte) (id int, body []byte) {
	t.Helper()
	if len(v) < 5 || v[0] != 0 {
		t.Fatalf("value % x does not start with magic 0 and a schema id", v[:min(len(v), 8)])
	}
	return int(binary.BigEndian.Uint32(v[1:5])), v[5:]
}

func dial(t *testing.T, cl *demo.Cluster) *kafka.Conn {
	t.Helper()
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDemoSchemaRegistryAndAvroPayments: the registry serves three
// versions of payments.avro-value; every payment is a registered id and
// decodes with that id's schema; v3 cannot be read with v2; the
// dead-letter topic holds mostly v3 payments, with Spring provenance.
func TestDemoSchemaRegistryAndAvroPayments(t *testing.T) {
	cl := start(t, demo.Options{History: 300, TrickleEvery: -1, Seed: 7})
	if !strings.HasPrefix(cl.SchemaRegistryURL(), "http://127.0.0.1:") {
		t.Fatalf("registry URL %q", cl.SchemaRegistryURL())
	}
	rc := newRegistryClient(t, cl.SchemaRegistryURL())
	var subjects []string
	rc.get("/subjects", &subjects)
	slices.Sort(subjects)
	if want := []string{demo.SubjectAddressProto, demo.SubjectPaymentsAvroKey, demo.SubjectPaymentsAvro, demo.SubjectShipmentsProto}; !slices.Equal(subjects, want) {
		t.Fatalf("subjects %v, want %v", subjects, want)
	}
	// The orders topic's poison messages name schema id 1, from another
	// registry: this one does not know it.
	resp, err := rc.http.Get(cl.SchemaRegistryURL() + "/schemas/ids/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/schemas/ids/1: %s", resp.Status)
	}
	var versions []int
	rc.get("/subjects/"+demo.SubjectPaymentsAvro+"/versions", &versions)
	if !slices.Equal(versions, []int{1, 2, 3}) {
		t.Fatalf("versions of %s: %v", demo.SubjectPaymentsAvro, versions)
	}
	schemas := map[int]avro.Schema{} // by id
	versionOf := map[int]int{}
	for _, v := range versions {
		r := rc.version(demo.SubjectPaymentsAvro, v)
		byID := rc.byID(r.ID)
		if byID.Schema != r.Schema || r.Version != v || r.SchemaType != "" && r.SchemaType != "AVRO" {
			t.Fatalf("version %d (id %d) and /schemas/ids/%d differ: %+v %+v", v, r.ID, r.ID, r, byID)
		}
		s, err := avro.Parse(r.Schema)
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		schemas[r.ID], versionOf[r.ID] = s, v
	}
	idOf := func(v int) int {
		for id, ver := range versionOf {
			if ver == v {
				return id
			}
		}
		t.Fatalf("no id for version %d", v)
		return 0
	}
	// The evolution: v2 reads v1 (an optional field with a default was
	// added), v2 cannot read v3 (a new enum symbol, a new decimal scale).
	compat := avro.NewSchemaCompatibility()
	if _, err := compat.Resolve(schemas[idOf(2)], schemas[idOf(1)]); err != nil {
		t.Fatalf("v2 cannot read v1: %v", err)
	}
	if err := compat.Compatible(schemas[idOf(2)], schemas[idOf(3)]); err == nil {
		t.Fatal("a v2 reader accepts v3")
	}

	keySubject := rc.version(demo.SubjectPaymentsAvroKey, 1)
	keySchema, err := avro.Parse(keySubject.Schema)
	if err != nil {
		t.Fatal(err)
	}
	// orderID is a payment's key: Avro (the key subject's id) from the v3
	// producers, a plain string from the others.
	orderID := func(m sources.Message, version int) string {
		t.Helper()
		if version != 3 {
			if len(m.Key) == 0 || m.Key[0] == 0 {
				t.Fatalf("@%d: v%d key % x is not a plain string", m.Offset, version, m.Key)
			}
			return string(m.Key)
		}
		id, body := header(t, m.Key)
		var k string
		if err := avro.Unmarshal(keySchema, body, &k); id != keySubject.ID || err != nil {
			t.Fatalf("@%d: v3 key % x (id %d): %v", m.Offset, m.Key, id, err)
		}
		return k
	}

	c := dial(t, cl)
	census := func(topic string) map[int]int {
		t.Helper()
		got := map[int]int{}
		for _, m := range readAll(t, c, topic) {
			id, body := header(t, m.Value)
			s, ok := schemas[id]
			if !ok {
				t.Fatalf("%s[%d]@%d: schema id %d is not a version of %s", topic, m.Partition, m.Offset, id, demo.SubjectPaymentsAvro)
			}
			var p map[string]any
			if err := avro.Unmarshal(s, body, &p); err != nil {
				t.Fatalf("%s[%d]@%d (v%d): %v", topic, m.Partition, m.Offset, versionOf[id], err)
			}
			// Encoded again it takes as many bytes (map entries have no
			// order in Avro): the body is one payment and nothing more.
			again, err := avro.Marshal(s, p)
			if err != nil || len(again) != len(body) {
				t.Fatalf("%s@%d: the body is not exactly one v%d payment (%v)", topic, m.Offset, versionOf[id], err)
			}
			amount, ok := p["amount"].(*big.Rat)
			if p["orderId"] != orderID(m, versionOf[id]) || !ok || amount.Sign() <= 0 {
				t.Fatalf("%s@%d: key %q, payment %v", topic, m.Offset, m.Key, p)
			}
			if at, ok := p["authorizedAt"].(time.Time); !ok || at.IsZero() {
				t.Fatalf("authorizedAt %v", p["authorizedAt"])
			}
			got[versionOf[id]]++
		}
		return got
	}
	// 300 orders are five cycles of 60: 20 v1, 30 v2, 10 v3 payments each;
	// 9 of the 10 v3 ones and 1 v2 one fail.
	if got := census(demo.TopicPaymentsAvro); got[1] != 100 || got[2] != 150 || got[3] != 50 {
		t.Fatalf("payments.avro versions %v, want 100 v1, 150 v2, 50 v3 (1 in 6)", got)
	}
	if got := census(demo.TopicPaymentsAvroDLT); got[1] != 0 || got[2] != 5 || got[3] != 45 {
		t.Fatalf("payments.avro.DLT versions %v, want 45 v3 of 50 (90%%)", got)
	}

	byPos := map[[2]int64]sources.Message{}
	for _, m := range readAll(t, c, demo.TopicPaymentsAvro) {
		byPos[[2]int64{int64(m.Partition), m.Offset}] = m
	}
	reasons := map[string]int{}
	for _, m := range readAll(t, c, demo.TopicPaymentsAvroDLT) {
		d := m.DeadLetter
		if d == nil || d.Scheme != "spring" || d.OriginStream != demo.TopicPaymentsAvro || d.ConsumerGroup != "ledger-service" || d.StackTrace == "" {
			t.Fatalf("dead letter without Spring provenance: %+v", d)
		}
		orig, ok := byPos[[2]int64{int64(d.OriginPartition), d.OriginOffset}]
		if !ok || string(orig.Key) != string(m.Key) || string(orig.Value) != string(m.Value) || m.Partition != d.OriginPartition {
			t.Fatalf("provenance %s[%d]@%d does not point at the original", d.OriginStream, d.OriginPartition, d.OriginOffset)
		}
		id, body := header(t, m.Value)
		var p map[string]any
		if err := avro.Unmarshal(schemas[id], body, &p); err != nil {
			t.Fatal(err)
		}
		switch reason := d.CauseClass; reason {
		case "org.apache.avro.AvroTypeException":
			if p["status"] != "PENDING_REVIEW" || versionOf[id] != 3 || !strings.Contains(d.ExceptionMessage, "id "+strconv.Itoa(id)) {
				t.Fatalf("enum failure of a %v payment (v%d): %s", p["status"], versionOf[id], d.ExceptionMessage)
			}
			reasons[reason]++
		case "java.lang.ArithmeticException":
			cents := new(big.Rat).Mul(p["amount"].(*big.Rat), big.NewRat(100, 1))
			if cents.IsInt() || versionOf[id] != 3 {
				t.Fatalf("scale failure of amount %v (v%d)", p["amount"], versionOf[id])
			}
			reasons[reason]++
		default:
			reasons[reason]++
		}
	}
	if len(reasons) != 3 || reasons["org.postgresql.util.PSQLException"] != 5 {
		t.Fatalf("failure causes %v", reasons)
	}
}

// TestDemoProtobufShipments: both versions of shipments.proto's schema
// import a schema registered under its import path; every value names one
// of their ids and the message index of ShipmentEvent (not the file's
// first message), and is exactly one ShipmentEvent of that version.
func TestDemoProtobufShipments(t *testing.T) {
	cl := start(t, demo.Options{History: 120, TrickleEvery: -1, Seed: 3})
	rc := newRegistryClient(t, cl.SchemaRegistryURL())
	var versions []int
	rc.get("/subjects/"+demo.SubjectShipmentsProto+"/versions", &versions)
	if !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("versions of %s: %v", demo.SubjectShipmentsProto, versions)
	}
	fileOf := map[int]protoreflect.FileDescriptor{} // by id
	versionOf := map[int]int{}
	for _, v := range versions {
		reg := rc.version(demo.SubjectShipmentsProto, v)
		if reg.SchemaType != "PROTOBUF" || len(reg.References) != 1 || reg.References[0].Name != demo.SubjectAddressProto {
			t.Fatalf("%s v%d: %+v", demo.SubjectShipmentsProto, v, reg)
		}
		files := map[string]string{"shipments.proto": rc.byID(reg.ID).Schema}
		for _, ref := range reg.References {
			files[ref.Name] = rc.version(ref.Subject, ref.Version).Schema
		}
		comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(files),
		})}
		compiled, err := comp.Compile(context.Background(), "shipments.proto")
		if err != nil {
			t.Fatalf("v%d does not compile: %v", v, err)
		}
		fileOf[reg.ID], versionOf[reg.ID] = compiled[0], v
	}

	c := dial(t, cl)
	msgs := readAll(t, c, demo.TopicShipmentsProto)
	if len(msgs) != 120 {
		t.Fatalf("%d shipment events for 120 orders", len(msgs))
	}
	details := map[string]int{}
	census := map[int]int{}
	for _, m := range msgs {
		id, rest := header(t, m.Value)
		file, ok := fileOf[id]
		if !ok {
			t.Fatalf("@%d: schema id %d is not a version of %s", m.Offset, id, demo.SubjectShipmentsProto)
		}
		census[versionOf[id]]++
		// The message indexes: a zigzag varint count, then each index (a
		// count of 0 stands for the first message).
		r := strings.NewReader(string(rest))
		n, err := binary.ReadVarint(r)
		if err != nil || n < 0 {
			t.Fatalf("@%d: index count %d %v", m.Offset, n, err)
		}
		md := file.Messages().Get(0)
		msgsOf := file.Messages()
		for range n {
			i, err := binary.ReadVarint(r)
			if err != nil || i < 0 || int(i) >= msgsOf.Len() {
				t.Fatalf("@%d: message index %d %v", m.Offset, i, err)
			}
			md = msgsOf.Get(int(i))
			msgsOf = md.Messages()
		}
		if md.FullName() != "acme.shipments.v1.ShipmentEvent" {
			t.Fatalf("@%d: the index names %s", m.Offset, md.FullName())
		}
		body := rest[len(rest)-r.Len():]
		ev := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(body, ev); err != nil {
			t.Fatalf("@%d: %v", m.Offset, err)
		}
		if len(ev.GetUnknown()) != 0 {
			t.Fatalf("@%d: fields the schema does not have: % x", m.Offset, ev.GetUnknown())
		}
		f := md.Fields()
		if ev.Get(f.ByName("order_id")).String() != string(m.Key) || !ev.Has(f.ByName("occurred_at")) || ev.Get(f.ByName("labels")).Map().Len() == 0 {
			t.Fatalf("@%d: %v", m.Offset, ev)
		}
		if city := ev.Get(f.ByName("destination")).Message(); city.Get(city.Descriptor().Fields().ByName("city")).String() == "" {
			t.Fatalf("@%d: no destination city: %v", m.Offset, ev)
		}
		if ev.Get(f.ByName("carrier")).Enum() == 0 {
			t.Fatalf("@%d: no carrier", m.Offset)
		}
		if eta := f.ByName("estimated_delivery"); (eta != nil) != (versionOf[id] == 2) || eta != nil && !ev.Has(eta) {
			t.Fatalf("@%d: v%d event, estimated delivery %v", m.Offset, versionOf[id], eta)
		}
		oneof := ev.WhichOneof(md.Oneofs().ByName("detail"))
		if oneof == nil {
			t.Fatalf("@%d: no detail", m.Offset)
		}
		details[string(oneof.Name())]++
	}
	if len(details) != 3 {
		t.Fatalf("details %v, want dispatched, delivered and failed ones", details)
	}
	if census[1] != 80 || census[2] != 40 { // every third order's event is v2
		t.Fatalf("versions %v, want 80 v1 and 40 v2", census)
	}
}

// TestDemoTypedTopicsTrickleAndKeepIDs: the live trickle feeds the typed
// topics; a demo restarted on its data directory registers the schemas
// under the same ids, so the stored records still decode; and
// SchemaRegistryPort is honoured.
func TestDemoTypedTopicsTrickleAndKeepIDs(t *testing.T) {
	dir := t.TempDir()
	first, err := demo.Start(context.Background(), demo.Options{Port: -1, DataDir: dir, History: 20, TrickleEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	firstIDs := map[int]string{}
	rc := newRegistryClient(t, first.SchemaRegistryURL())
	for _, v := range []int{1, 2, 3} {
		r := rc.version(demo.SubjectPaymentsAvro, v)
		firstIDs[r.ID] = r.Schema
	}
	first.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	second := start(t, demo.Options{DataDir: dir, History: 20, TrickleEvery: 20 * time.Millisecond, SchemaRegistryPort: port})
	if !second.Reused || second.SchemaRegistryURL() != "http://127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("reused %v, registry %s (want port %d)", second.Reused, second.SchemaRegistryURL(), port)
	}
	rc = newRegistryClient(t, second.SchemaRegistryURL())
	for id, schema := range firstIDs {
		if got := rc.byID(id).Schema; got != schema {
			t.Fatalf("id %d changed schema between runs", id)
		}
	}
	c := dial(t, second)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sub, err := c.Read(ctx, demo.TopicShipmentsProto, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for got := 0; got < 3; {
		b, err := sub.Next(ctx, 100)
		if err != nil {
			t.Fatalf("no live shipment events: %v", err)
		}
		for _, m := range b {
			if id, _ := header(t, m.Value); rc.byID(id).SchemaType != "PROTOBUF" {
				t.Fatalf("live event with schema id %d", id)
			}
		}
		got += len(b)
	}
	for _, m := range readAll(t, c, demo.TopicPaymentsAvro) {
		id, body := header(t, m.Value)
		s, err := avro.Parse(rc.byID(id).Schema)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := avro.Unmarshal(s, body, &p); err != nil || p["orderId"] == "" || !strings.HasSuffix(string(m.Key), p["orderId"].(string)) {
			t.Fatalf("@%d after restart: %v %v", m.Offset, p, err)
		}
	}
}
