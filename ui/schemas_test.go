package ui

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/schema"
)

// typedDemo is the demo's typed topics, read once for every test: the
// messages of each topic (partition by partition, oldest first, as
// connection "test") and the registry URL. The demo runs on the fixed
// clock, so its messages are the same on every run.
type typedDemo struct {
	url  string
	msgs map[string][]sources.Message
}

func typedTopics(t *testing.T) typedDemo {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 60, TrickleEvery: -1, Seed: 3, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	conn := dialKafka(t, cl.Addr())
	td := typedDemo{url: cl.SchemaRegistryURL(), msgs: map[string][]sources.Message{}}
	for _, topic := range []string{demo.TopicPaymentsAvro, demo.TopicPaymentsAvroDLT, demo.TopicShipmentsProto} {
		ms := testbroker.ReadAll(t, conn, topic)
		sort.SliceStable(ms, func(i, j int) bool {
			return ms[i].Partition < ms[j].Partition || ms[i].Partition == ms[j].Partition && ms[i].Offset < ms[j].Offset
		})
		for i := range ms {
			ms[i].Conn = "test"
		}
		td.msgs[topic] = ms
	}
	return td
}

// schemaCommon is testCommon with a decoder on url for connection "test".
func schemaCommon(t *testing.T, w, h int, url string) *Common {
	t.Helper()
	c := testCommon(w, h)
	d, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	c.Decoders = map[string]*schema.Decoder{"test": d}
	return c
}

// firstWith returns the first message whose value's decoded document holds want.
func firstWith(t *testing.T, d *schema.Decoder, ms []sources.Message, want ...string) sources.Message {
	t.Helper()
	for _, m := range ms {
		got := d.Value(context.Background(), &m)
		ok := got.Err == nil
		for _, w := range want {
			ok = ok && strings.Contains(string(got.JSON)+" v"+string(rune('0'+got.Ref.Version)), w)
		}
		if ok {
			return m
		}
	}
	t.Fatalf("no message with %q", want)
	return sources.Message{}
}

// fixedMaps re-encodes Avro values with their maps in key order: the demo
// writes a map's entries in Go's map order, which changes from run to run.
func fixedMaps(t *testing.T, d *schema.Decoder, ms []sources.Message) []sources.Message {
	t.Helper()
	out := make([]sources.Message, len(ms))
	for i, m := range ms {
		got := d.Value(context.Background(), &m)
		if got.Err != nil {
			t.Fatal(got.Err)
		}
		var doc any
		if err := json.Unmarshal(got.JSON, &doc); err != nil {
			t.Fatal(err)
		}
		sorted, err := json.Marshal(doc) // objects in key order
		if err != nil {
			t.Fatal(err)
		}
		ref := got.Ref
		ref.SizedBlocks = false // counted blocks, whatever the producer wrote: the same bytes every run
		if m.Value, err = d.Encode(context.Background(), ref, sorted); err != nil {
			t.Fatal(err)
		}
		m.ValueSize = len(m.Value)
		out[i] = m
	}
	return out
}

func typedStreams() streamsListed {
	parts := func(n int) []sources.PartitionInfo { return make([]sources.PartitionInfo, n) }
	return streamsListed{page: 1, at: testNow, streams: []sources.StreamInfo{
		{Name: demo.TopicPaymentsAvro, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(3), Messages: 60, High: 60},
		{Name: demo.TopicPaymentsAvroDLT, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(3), Messages: 9, High: 9, DeadLetter: true, DeadLetterFor: demo.TopicPaymentsAvro},
		{Name: demo.TopicShipmentsProto, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: parts(3), Messages: 60, High: 60},
	}}
}

func TestGoldenTypedList(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 110, 24, td.url)
	runGoldenWith(t, c, typedStreams(), waitFor(demo.TopicShipmentsProto), keyPress("enter"), waitFor("LIVE"),
		batchReceived{page: 2, sub: 1, msgs: fixedMaps(t, c.Decoders["test"], td.msgs[demo.TopicPaymentsAvro][:18])}, waitFor("v2"))
}

func TestGoldenAvroDetail(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 100, 44, td.url)
	m := fixedMaps(t, c.Decoders["test"], []sources.Message{firstWith(t, c.Decoders["test"], td.msgs[demo.TopicPaymentsAvro], `"card":{`, "v3")})[0]
	runGoldenWith(t, c, typedStreams(), waitFor(demo.TopicShipmentsProto), keyPress("enter"), waitFor("LIVE"),
		batchReceived{page: 2, sub: 1, msgs: []sources.Message{m}}, waitFor("v3"), keyPress("enter"), waitFor("Value (Avro"))
}

func TestGoldenProtobufDetail(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 100, 50, td.url)
	m := firstWith(t, c.Decoders["test"], td.msgs[demo.TopicShipmentsProto], `"failed"`, " v1")
	runGoldenWith(t, c, typedStreams(), waitFor(demo.TopicShipmentsProto), keyPress("G"), keyPress("enter"), waitFor("LIVE"),
		batchReceived{page: 2, sub: 1, msgs: []sources.Message{m}}, waitFor("v1"), keyPress("enter"), waitFor("Value (Protobuf"))
}

// plain strips the styles of a view.
func plain(s string) string { return ansi.Strip(s) }

// typedPage is a message list of topic on connection "test" with c's decoder.
func typedPage(c *Common, topic string, dlq bool) *messagesPage {
	p := newMessagesPage(c, staticConn{}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: topic, Partitions: make([]sources.PartitionInfo, 3), Messages: 60, DeadLetter: dlq})
	p.pid, p.subID, p.opened = 7, 1, true
	return p
}

// A delivery's schemas are fetched in the read's Cmd, before the list
// gets it: its View decodes with Cached, without any I/O.
func TestWaitBatchFetchesTheSchemas(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 110, 24, td.url)
	d := c.Decoders["test"]
	ms := td.msgs[demo.TopicPaymentsAvro]
	f := sources.NewFeed(context.Background(), 1024, nil)
	f.Go(func(context.Context) { f.SendBatch(append([]sources.Message(nil), ms...)) })
	f.EndWhenDone()
	got := waitBatch(context.Background(), f, d, 7, 1)().(batchReceived)
	if len(got.msgs) != len(ms) {
		t.Fatalf("%d messages, want %d", len(got.msgs), len(ms))
	}
	for _, m := range ms {
		for _, part := range []schema.Part{schema.PartValue, schema.PartKey} {
			data := m.Value
			if part == schema.PartKey {
				data = m.Key
			}
			cl := d.Classify(part, m.Stream, m.Headers, m.Properties, data)
			if dec, ok := d.Cached(cl); cl.Origin == schema.OriginRegistry && (!ok || dec.Err != nil) {
				t.Fatalf("%s %s@%d: not fetched by the delivery: %+v %v", part, m.Stream, m.Offset, dec, ok)
			}
		}
	}
	p := typedPage(c, demo.TopicPaymentsAvro, false)
	if cmd := p.Update(got); cmd != nil {
		for _, msg := range runBatch(cmd) {
			if _, ok := msg.(schemasFetched); ok {
				t.Fatal("the list fetched schemas the delivery had fetched")
			}
		}
	}
	view := plain(p.View(110, 22))
	for _, want := range []string{"VER", " v3 ", " v2 ", " v1 ", `{"paymentId":"`, "ord-010053"} {
		if !strings.Contains(view, want) {
			t.Fatalf("list lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "decoding") || strings.Contains(view, "⟨bin") {
		t.Fatalf("undecoded rows:\n%s", view)
	}
}

// A delivery whose schemas were not fetched shows "decoding…" and one Cmd
// fetches them; a value with an unknown id shows why and its bytes, and
// every other message is decoded.
func TestSchemaFetchedInACmdAndFailuresShown(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 120, 24, td.url)
	ms := append([]sources.Message(nil), td.msgs[demo.TopicPaymentsAvro][:6]...)
	bad := ms[5]
	bad.Value = append(schema.AppendHeader(nil, 999), bad.Value[5:]...)
	ms[5] = bad
	p := typedPage(c, demo.TopicPaymentsAvro, false)
	deliver(p, ms)
	if view := plain(p.View(120, 22)); !strings.Contains(view, "decoding…") || !strings.Contains(view, " … ") {
		t.Fatalf("before the fetch:\n%s", view)
	}
	cmd := p.schemasFor(ms)
	if cmd == nil {
		t.Fatal("no Cmd fetches the schemas")
	}
	msg := cmd()
	if _, ok := msg.(schemasFetched); !ok {
		t.Fatalf("fetch gave %T", msg)
	}
	p.Update(msg)
	if p.schemasFor(ms) != nil {
		t.Fatal("fetched schemas fetched again")
	}
	view := plain(p.View(120, 22))
	for _, want := range []string{" v1 ", " v3 ", "✖ unknown schema id: ⟨bin", `{"paymentId":"`} {
		if !strings.Contains(view, want) {
			t.Fatalf("list lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "decoding") {
		t.Fatalf("still decoding:\n%s", view)
	}
	d := newDetailPage(c, bad, nil, nil)
	dv := plain(strings.Join(d.lines, "\n"))
	for _, want := range []string{"Schema      ✖ unknown schema id: schema id 999", "ID          999", "Value (bytes: binary", "✖ not decoded: unknown schema id", "00000000  00 00 00 03 e7"} {
		if !strings.Contains(dv, want) {
			t.Fatalf("detail lacks %q:\n%s", want, dv)
		}
	}
}

// A registry that is down: the bytes and why, on every message.
func TestSchemaRegistryDown(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 120, 24, "http://127.0.0.1:1")
	ms := td.msgs[demo.TopicPaymentsAvro][:3]
	p := typedPage(c, demo.TopicPaymentsAvro, false)
	deliver(p, ms)
	p.Update(p.schemasFor(ms)())
	view := plain(p.View(120, 22))
	if strings.Count(view, "✖ registry down: ⟨bin") != 3 {
		t.Fatalf("registry down:\n%s", view)
	}
}

// The detail: the decoded document, the schema block (latest is vN), b for
// the bytes, s for the schema text; a filter and a search see the document.
func TestDetailSchemaBytesAndSchemaText(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 100, 40, td.url)
	d := c.Decoders["test"]
	v1 := firstWith(t, d, td.msgs[demo.TopicPaymentsAvro], " v1")
	p := newDetailPage(c, v1, nil, nil)
	if p.Init() != nil {
		t.Fatal("the detail fetched a schema already held")
	}
	text := plain(strings.Join(p.lines, "\n"))
	for _, want := range []string{"Format      Avro", "Subject     payments.avro-value", "Version     v1  latest is v3", "ID          101", "Message     com.acme.payments.Payment", "Value (Avro, ", `"orderId": "ord-`} {
		if !strings.Contains(text, want) {
			t.Fatalf("detail lacks %q:\n%s", want, text)
		}
	}
	p.Update(keyPress("b"))
	if text := plain(strings.Join(p.lines, "\n")); !strings.Contains(text, "Value (bytes: binary") || !strings.Contains(text, "00000000  00 00 00 00 65") {
		t.Fatalf("b shows no bytes:\n%s", text)
	}
	cmd := p.Update(keyPress("s"))
	pushed, ok := cmd().(pagePushed)
	if !ok {
		t.Fatal("s opened nothing")
	}
	sp := pushed.p.(*schemaPage)
	sp.Update(sp.Init()())
	if v := plain(sp.View(100, 40)); !strings.Contains(v, "avro id 101 payments.avro-value v1") || !strings.Contains(v, `"name": "Payment"`) || !strings.Contains(v, `"symbols": [`) {
		t.Fatalf("schema page:\n%s", v)
	}
	// Protobuf: the schema and the files it references.
	ship := newDetailPage(c, td.msgs[demo.TopicShipmentsProto][0], nil, nil)
	ship.Update(ship.fetchSchemas()())
	sp = ship.Update(keyPress("s"))().(pagePushed).p.(*schemaPage)
	sp.Update(sp.Init()())
	if v := plain(strings.Join(sp.lines, "\n")); !strings.Contains(v, "message ShipmentEvent {") || !strings.Contains(v, "references acme/common/v1/address.proto") || !strings.Contains(v, "message Address {") {
		t.Fatalf("proto schema page:\n%s", v)
	}

	// Filters and searches on the held messages read the decoded value.
	lp := typedPage(c, demo.TopicPaymentsAvro, false)
	ms := td.msgs[demo.TopicPaymentsAvro]
	lp.Update(waitBatch(context.Background(), fixedSub(ms), d, 7, 1)())
	if err := lp.applyFilter(`json.status == "DECLINED"`); err != nil {
		t.Fatal(err)
	}
	declined := 0
	for _, m := range ms {
		if strings.Contains(string(d.Value(context.Background(), &m).JSON), `"status":"DECLINED"`) {
			declined++
		}
	}
	if declined == 0 || lp.view.Len() != declined {
		t.Fatalf("filter kept %d, want %d", lp.view.Len(), declined)
	}
	// The schema itself is in the filter's reach: schema.version, and a
	// decimal compared as a number.
	if err := lp.applyFilter(`schema.version == 3 && json.amount > 100`); err != nil {
		t.Fatal(err)
	}
	v3 := 0
	for _, m := range ms {
		dec := d.Value(context.Background(), &m)
		var doc struct {
			Amount string `json:"amount"`
		}
		_ = json.Unmarshal(dec.JSON, &doc)
		if amount, err := strconv.ParseFloat(doc.Amount, 64); err == nil && dec.Ref.Version == 3 && amount > 100 {
			v3++
		}
	}
	if v3 == 0 || lp.view.Len() != v3 {
		t.Fatalf("schema.version == 3 && json.amount > 100 kept %d, want %d", lp.view.Len(), v3)
	}
	if err := lp.applyFilter(""); err != nil {
		t.Fatal(err)
	}
	lp.search = "riskscore" // a field name: in the decoded value only
	lp.cur.sel = 0
	lp.findNext(1)
	if m := lp.view.At(lp.cur.sel); !strings.Contains(string(d.Value(context.Background(), m).JSON), `"riskScore":0`) {
		t.Fatalf("search stopped on %s", d.Value(context.Background(), m).JSON)
	}
}

// fixedSub is a subscription that delivers ms and ends.
func fixedSub(ms []sources.Message) sources.Subscription {
	f := sources.NewFeed(context.Background(), 1024, nil)
	f.Go(func(context.Context) { f.SendBatch(append([]sources.Message(nil), ms...)) })
	f.EndWhenDone()
	return f
}

// The DLT of a typed topic shows the version of each dead letter.
func TestTypedDLTShowsVersions(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 140, 24, td.url)
	ms := td.msgs[demo.TopicPaymentsAvroDLT]
	p := typedPage(c, demo.TopicPaymentsAvroDLT, true)
	p.Update(waitBatch(context.Background(), fixedSub(ms), c.Decoders["test"], 7, 1)())
	view := plain(p.View(140, 22))
	if !strings.Contains(view, "VER") || !strings.Contains(view, "ORIGIN") || strings.Count(view, " v3 ") < len(ms)/2 {
		t.Fatalf("DLT list:\n%s", view)
	}
}

// A filter set before the schemas were fetched sees the decoded values
// once they are.
func TestFilterAgainOnceSchemasFetched(t *testing.T) {
	td := typedTopics(t)
	c := schemaCommon(t, 120, 24, td.url)
	ms := td.msgs[demo.TopicPaymentsAvro]
	p := typedPage(c, demo.TopicPaymentsAvro, false)
	if err := p.applyFilter(`json.currency == "EUR"`); err != nil {
		t.Fatal(err)
	}
	deliver(p, ms)
	if p.view.Len() != 0 {
		t.Fatalf("matched %d before any schema was fetched", p.view.Len())
	}
	p.Update(p.schemasFor(ms)())
	for p.view.scanning() {
		p.Update(filterScanned{page: p.pid})
	}
	eur := 0
	for _, m := range ms {
		if strings.Contains(string(c.Decoders["test"].Value(context.Background(), &m).JSON), `"currency":"EUR"`) {
			eur++
		}
	}
	if eur == 0 || p.view.Len() != eur {
		t.Fatalf("matched %d, want %d", p.view.Len(), eur)
	}
}
