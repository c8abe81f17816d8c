package schema

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/sources"
)

// Cached answers from what Decode fetched and never asks the registry:
// nothing before the fetch, the document after it, the failure of a
// failed fetch.
func TestCachedDoesNoIO(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Schema: `{"type":"record","name":"Order","fields":[{"name":"qty","type":"int"}]}`})
	var asked int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		http.Redirect(w, r, reg.URL()+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	d := newDecoder(t, srv.URL)
	c := d.Classify(PartValue, "orders", nil, nil, framed(id, []byte{4}))
	if got, ok := d.Cached(c); ok || asked != 0 {
		t.Fatalf("before the fetch: %+v %v, %d requests", got, ok, asked)
	}
	want := d.Decode(context.Background(), c)
	if want.Err != nil || string(want.JSON) != `{"qty":2}` {
		t.Fatalf("Decode: %+v", want)
	}
	n := asked
	got, ok := d.Cached(c)
	if !ok || asked != n || string(got.JSON) != `{"qty":2}` || got.Ref.String() != "avro id 1 orders-value v1 Order" || got.Ref.Latest != 1 {
		t.Fatalf("after the fetch: %+v %v (%s), %d requests (had %d)", got, ok, got.Ref, asked, n)
	}
	// A value that does not fit is decoded from the cache with its error.
	bad, ok := d.Cached(d.Classify(PartValue, "orders", nil, nil, framed(id)))
	if !ok || KindOf(bad.Err) != KindTruncated {
		t.Fatalf("truncated body: %+v %v", bad, ok)
	}
	// An unknown id: held once the fetch failed.
	u := d.Classify(PartValue, "orders", nil, nil, framed(999, []byte{4}))
	if _, ok := d.Cached(u); ok {
		t.Fatal("unknown id cached before any fetch")
	}
	d.Decode(context.Background(), u)
	if got, ok := d.Cached(u); !ok || KindOf(got.Err) != KindUnknownID || got.Format != FormatBinary {
		t.Fatalf("unknown id: %+v %v", got, ok)
	}
	// Content classes need no registry.
	if got, ok := d.Cached(d.Classify(PartValue, "orders", nil, nil, []byte(`{"a":1}`))); !ok || got.Format != FormatJSON {
		t.Fatalf("JSON: %+v %v", got, ok)
	}
}

// While the registry is down (a 503), Cached says so for ids never
// fetched, each with its own id.
func TestCachedRegistryDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	d := newDecoder(t, srv.URL)
	d.Value(context.Background(), &sources.Message{Stream: "orders", Value: framed(7, []byte{2})})
	got, ok := d.Cached(d.Classify(PartValue, "orders", nil, nil, framed(8, []byte{2})))
	if !ok || KindOf(got.Err) != KindRegistryDown || !strings.Contains(got.Err.Error(), "schema id 8 not asked: the registry is asked again in") || strings.Contains(got.Err.Error(), "schema id 7") {
		t.Fatalf("down: %+v %v", got, ok)
	}
}
