package ui

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

func TestPublishDocumentKeepsNullHeadersNull(t *testing.T) {
	m := sources.Message{Key: []byte("k"), Value: []byte(`{}`), Headers: []sources.Header{{Key: "none"}, {Key: "empty", Value: []byte{}}, {Key: "set", Value: []byte("v")}}}
	doc := publishDocument(m, "orders", false, keyField)
	if !strings.Contains(string(doc), `"key": "none",`+"\n      \"value\": null") || !strings.Contains(string(doc), `"key": "empty",`+"\n      \"value\": \"\"") {
		t.Fatalf("null and empty header values are not told apart:\n%s", doc)
	}
	back, err := parsePublishDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Headers) != 3 || back.Headers[0].Value != nil || back.Headers[1].Value == nil || len(back.Headers[1].Value) != 0 || string(back.Headers[2].Value) != "v" {
		t.Fatalf("headers read back: %#v", back.Headers)
	}
}

func TestPublishDocumentNamesTheRoutingKey(t *testing.T) {
	m := sources.Message{Key: []byte("rk.1"), Value: []byte(`{}`)}
	exchange := publishDocument(m, "exchange shop", true, routingKeyField)
	if !strings.Contains(string(exchange), `"routing_key": "rk.1"`) || strings.Contains(string(exchange), `"key":`) {
		t.Fatalf("an exchange's document has no routing_key field:\n%s", exchange)
	}
	back, err := parsePublishDocument(exchange)
	if err != nil || string(back.Key) != "rk.1" {
		t.Fatalf("routing_key read back: %q %v", back.Key, err)
	}
	queue := publishDocument(sources.Message{Value: []byte(`{}`)}, "orders", true, noKeyField)
	if strings.Contains(string(queue), `"key"`) || !strings.Contains(string(queue), "the routing key is the queue's name") {
		t.Fatalf("a queue's document offers a key it ignores:\n%s", queue)
	}
}

func TestPublishConfirmationShowsWhatTheDetailShows(t *testing.T) {
	c := testCommon(120, 30)
	m := sources.Message{Key: []byte("tricky k2\n$(id)"), Value: []byte("ends-nl\n\n"), Headers: []sources.Header{{Key: "bidi", Value: []byte("a\u202eb")}, {Key: "none"}},
		Properties: []sources.Property{{Name: "message-id"}}}
	kafka := newPublishDialog(c, staticConn{}, 7, sources.StreamInfo{Name: "orders", Reading: sources.Reading{HasPositions: true}}, m)
	v := kafka.view(120, 30)
	for _, want := range []string{"tricky k2⏎$(id)", "ends-nl⏎⏎", "bidi: a⟨U+202E⟩b", "none: ∅ null", "message-id: (empty)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the confirmation lacks %q:\n%s", want, v)
		}
	}
	queue := newPublishDialog(c, rabbitConn{}, 7, sources.StreamInfo{Name: "work", Reading: sources.Reading{Queue: true, RoutedByName: true}}, m)
	v = queue.view(120, 30)
	if strings.Contains(v, "tricky") || !strings.Contains(v, "routing key work (the queue's name)") || !strings.Contains(v, "(empty: not sent)") {
		t.Fatalf("a queue's confirmation shows the key it ignores, or not its routing key:\n%s", v)
	}
	ex := newPublishDialog(c, rabbitConn{}, 7, sources.StreamInfo{Name: "shop", Reading: sources.Reading{Tap: true}}, m)
	if v := ex.view(120, 30); strings.Contains(v, "[]") || !strings.Contains(v, "Publish to exchange shop") || !strings.Contains(v, "routing key tricky k2⏎$(id)") {
		t.Fatalf("an exchange's confirmation:\n%s", v)
	}
}

// TestPublishTemplateKeyIsNull: P on a Kafka list writes a template whose
// key is null, and the template saved unchanged publishes a message
// without a key; a copy keeps its message's key as it is: null stays
// null, empty stays empty.
func TestPublishTemplateKeyIsNull(t *testing.T) {
	conn := demoConn(t, 20, 5)
	c := testCommon(120, 40)
	p := ordersPage(t, c, conn)
	written := p.Update(keyPress("P"))().(publishFileWritten)
	if written.err != nil {
		t.Fatal(written.err)
	}
	defer os.Remove(written.path)
	if !strings.Contains(string(written.doc), `"key": null`) || strings.Contains(string(written.doc), `"key": ""`) {
		t.Fatalf("template:\n%s", written.doc)
	}
	editorWriting(t, string(written.doc)) // saved unchanged
	if err := editor.Command(written.path).Run(); err != nil {
		t.Fatal(err)
	}
	read := p.Update(publishEditorClosed{page: p.pid, path: written.path, doc: written.doc})().(publishRead)
	if read.err != nil {
		t.Fatal(read.err)
	}
	if read.msg.Key != nil {
		t.Fatalf("the unchanged template publishes key %q, want none", read.msg.Key)
	}
	for _, key := range [][]byte{nil, {}} {
		m := sources.Message{Stream: demo.TopicOrders, Partition: 1, Key: key, Value: []byte(`{}`)}
		written := p.Update(publishAsked{page: p.pid, from: m})().(publishFileWritten)
		if written.err != nil {
			t.Fatal(written.err)
		}
		os.Remove(written.path)
		got, err := parsePublishDocument(written.doc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Key, key) || (got.Key == nil) != (key == nil) {
			t.Fatalf("a copy of key %q publishes key %q:\n%s", key, got.Key, written.doc)
		}
	}
}
