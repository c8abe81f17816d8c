package replay_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestEditKeepsUnknownProtobufFields: a Protobuf value holding fields its
// schema lacks is offered for an edit as its document, those fields under
// $unknown_fields; an edit of a known field writes them back, and one
// that leaves them out of the document keeps the original's.
func TestEditKeepsUnknownProtobufFields(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("ship-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package acme; message Ship { string id = 1; }`})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	body := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "s-1")
	body = protowire.AppendVarint(protowire.AppendTag(body, 7, protowire.VarintType), 42)
	value := append(schema.AppendIndexes(schema.AppendHeader(nil, id), nil), body...)
	ctx := context.Background()
	m := sources.Message{Stream: "ship", Key: []byte("s-1"), Value: value}
	d := dec.Value(ctx, &m)
	if !errors.Is(d.Err, schema.ErrUnknownFields) {
		t.Fatalf("decoded %s: %v", d.JSON, d.Err)
	}
	wantAfter := func(e []byte, id string) {
		t.Helper()
		again := dec.Value(ctx, &sources.Message{Stream: "ship", Value: e})
		if want := `{"id":"` + id + `","$unknown_fields":[{"field":7,"varint":42}]}`; string(again.JSON) != want {
			t.Fatalf("written %s, want %s", again.JSON, want)
		}
	}
	ed := editOf(t, m, &d, `"id": "s-1"`, `"id": "s-2"`)
	if _, _, err := ed.EncodeValue(ctx, dec, m, &d); err != nil {
		t.Fatal(err)
	}
	wantAfter(ed.Value, "s-2")

	ed = editOf(t, m, &d, `"id": "s-1"`, `"id": "s-3"`)
	ed.Decoded = []byte(`{"id":"s-3"}`)
	_, re, err := ed.EncodeValue(ctx, dec, m, &d)
	if err != nil {
		t.Fatal(err)
	}
	wantAfter(ed.Value, "s-3")
	if !bytes.Contains(ed.Value, protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 42)) || !strings.Contains(re.String(), "$unknown_fields") {
		t.Fatalf("kept % x, review %q", ed.Value, re)
	}
}
