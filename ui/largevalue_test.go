package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

const bigAvsc = `{"type":"record","name":"Big","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"blob","type":"string"},{"name":"tail","type":"string"}]}`

// bigTopic is a kfake topic holding one valid Avro value larger than what
// the message buffer keeps whole, registered in srfake; it returns the
// broker, the registry and the value's document.
func bigTopic(t *testing.T) (addr string, reg *srfake.Registry, doc string) {
	t.Helper()
	reg = srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("big-value", sr.Schema{Schema: bigAvsc})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	doc = `{"id":"b-1","blob":"` + strings.Repeat("x", 200<<10) + `","tail":"the-end"}`
	value, err := enc.Encode(context.Background(), schema.Ref{Origin: schema.OriginRegistry, Format: schema.FormatAvro, ID: id}, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(value) <= msgbuf.LargeValue {
		t.Fatalf("the value is %d bytes: not large", len(value))
	}
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "big"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	addr = kf.ListenAddrs()[0]
	if err := testbroker.FillKafka(addr, "big", 1, value); err != nil {
		t.Fatal(err)
	}
	return addr, reg, doc
}

// heldBigValue reads the topic to its end with a decoder on registry url.
func heldBigValue(t *testing.T, addr, url string) *messagesPage {
	t.Helper()
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(160, 16)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	mp := newMessagesPage(c, dialKafka(t, addr), sources.StreamInfo{Name: "big", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: make([]sources.PartitionInfo, 1)})
	mp.pid, mp.start, mp.bounded = 40, sources.Start{Kind: sources.StartOldest}, true
	t.Cleanup(mp.Close)
	return mp
}

// TestLargeValueDecodesInListAndDetail: a valid framed value larger than
// the buffer keeps whole shows its decoded start in the list (never
// "truncated"), with its version; the detail reads it again whole and
// decodes all of it; a detail that cannot read it again shows the decoded
// start the list kept and says the rest is not held.
func TestLargeValueDecodesInListAndDetail(t *testing.T) {
	addr, reg, doc := bigTopic(t)
	mp := heldBigValue(t, addr, reg.URL())
	l := newLoop(mp)
	l.until(t, mp.Init(), func() bool { return mp.ended && mp.buf.Len() == 1 })
	if m := mp.view.At(0); !m.Truncated() {
		t.Fatalf("the buffer holds the whole value (%d of %d)", len(m.Value), m.ValueSize)
	}
	v := mp.View(160, 14)
	if !strings.Contains(v, `{"id":"b-1","blob":"xxxx`) || strings.Contains(v, "truncated") || strings.Contains(v, "✖") || !strings.Contains(v, " v1 ") {
		t.Fatalf("list:\n%s", v)
	}

	d := mp.Update(keyPress("enter"))().(pagePushed).p.(*detailPage)
	d.pid = 41
	defer d.Close()
	dl := newLoop(d)
	dl.until(t, d.Init(), func() bool { return !d.fetching })
	if d.msg.Truncated() {
		t.Fatalf("the detail did not read the value again: %v", d.fetchErr)
	}
	all := strings.Join(d.lines, "\n")
	if !strings.Contains(all, "Value (Avro, 200.") || !strings.Contains(all, `"the-end"`) || strings.Contains(all, "truncated") {
		t.Fatalf("detail:\n%.2000s", all)
	}

	q := newDetailPage(mp.c, *mp.view.At(0), nil, nil) // no read at a position, as for a queue
	q.note = mp.view.Note(0)
	q.build()
	var texts []string
	for _, l := range q.raw {
		texts = append(texts, l.text)
	}
	held := strings.Join(texts, "\n")
	if !strings.Contains(held, `{"id":"b-1","blob":"xxxx`) || !strings.Contains(held, "of the decoded value, decoded when it was read; the buffer holds 32.0 KiB of 200.") ||
		strings.Contains(held, "the-end") || strings.Contains(held, "truncated") {
		t.Fatalf("detail without a re-read:\n%.3000s", held)
	}
	if len(doc) < 200<<10 {
		t.Fatal("short document")
	}
}

// TestLargeValueWhoseSchemaCameLate: when the schema of a large value
// arrives only after the buffer cut it, the list says the decoded preview
// is not held (with the size), not that the value is truncated.
func TestLargeValueWhoseSchemaCameLate(t *testing.T) {
	addr, reg, _ := bigTopic(t)
	target, err := url.Parse(reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	mp := heldBigValue(t, addr, front.URL)
	l := newLoop(mp)
	l.until(t, mp.Init(), func() bool { return mp.buf.Len() == 1 && len(mp.waiting) > 0 })
	close(release) // the registry answers now: the value was cut before
	l.until(t, nil, func() bool { return mp.ended && len(mp.waiting) == 0 })
	v := mp.View(160, 14)
	if !strings.Contains(v, "decoded preview not held (200.") || strings.Contains(v, "truncated") || !strings.Contains(v, " v1 ") {
		t.Fatalf("list:\n%s", v)
	}
}

// TestGoldenLargeValue: a large Avro value the buffer cut shows its
// decoded start in the list and, in a detail that cannot read it again,
// the decoded start it kept and what is not held.
func TestGoldenLargeValue(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("big-value", sr.Schema{Schema: bigAvsc})
	if err != nil {
		t.Fatal(err)
	}
	c := schemaCommon(t, 100, 30, reg.URL())
	dec := c.Decoders["test"]
	value, err := dec.Encode(context.Background(), schema.Ref{Origin: schema.OriginRegistry, Format: schema.FormatAvro, ID: id},
		[]byte(`{"id":"b-1","blob":"`+strings.Repeat("ab", 100<<10)+`","tail":"the-end"}`))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []sources.Message{{Conn: "test", Stream: "big", Partition: 0, Offset: 0, Timestamp: testNow.Add(-time.Minute), Key: []byte("k-1"), Value: value, ValueSize: len(value)}}
	warmSchemas(context.Background(), dec, msgs)
	notes := heldNotes(dec, msgs)
	if notes == nil || notes[0] == nil {
		t.Fatal("no note for the large value")
	}
	streams := streamsListed{page: 1, at: testNow, streams: []sources.StreamInfo{{Name: "big", Kind: "topic", Partitions: make([]sources.PartitionInfo, 1), Messages: 1, High: 1}}}
	runGoldenWith(t, c, streams, waitFor("big"), keyPress("enter"), waitFor("LIVE"),
		batchReceived{page: 2, sub: 1, msgs: msgs, notes: notes}, waitFor("v1"), keyPress("enter"), waitFor("Value (Avro, 200.0 KiB)"))
}
