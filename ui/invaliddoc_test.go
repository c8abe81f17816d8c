package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestInvalidDocumentIsJSONToo: a JSON Schema value that decodes but does
// not validate is json to the list's filter (as to a headless export),
// and the list and the detail show its document with the error, not its
// bytes.
func TestInvalidDocumentIsJSONToo(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("people-value", sr.Schema{Type: sr.TypeJSON,
		Schema: `{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer","minimum":0}}}`})
	if err != nil {
		t.Fatal(err)
	}
	c := schemaCommon(t, 120, 24, reg.URL())
	d := c.Decoders["test"]
	ms := []sources.Message{
		{Conn: "test", Stream: "people", Offset: 0, Value: append(schema.AppendHeader(nil, id), `{"id":"a4","n":-1}`...)},
		{Conn: "test", Stream: "people", Offset: 1, Value: append(schema.AppendHeader(nil, id), `{"id":"a5","n":1}`...)},
	}
	for i := range ms {
		ms[i].ValueSize = len(ms[i].Value)
	}
	invalid := d.Value(context.Background(), &ms[0])
	if invalid.Err == nil || invalid.JSON == nil {
		t.Fatalf("the invalid value decodes to %s with %v: the test needs a document and an error", invalid.JSON, invalid.Err)
	}
	f := sources.NewFeed(context.Background(), 16, nil)
	f.Go(func(context.Context) { f.SendBatch(append([]sources.Message(nil), ms...)) })
	f.EndWhenDone()
	got := waitBatch(context.Background(), f, d, 7, 1)().(batchReceived)
	p := typedPage(c, "people", false)
	p.Update(got)
	for _, tc := range []struct {
		expr string
		want int
	}{
		{`json.id == "a4"`, 1},
		{`json.n < 0 && schema.error != nil`, 1},
		{`json.id startsWith "a"`, 2},
	} {
		flt, err := filter.Compile(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		p.view.setFilter(flt)
		if p.view.Len() != tc.want || p.view.failed != 0 {
			t.Errorf("%s: %d matches (%d could not be evaluated: %v), want %d", tc.expr, p.view.Len(), p.view.failed, p.view.err, tc.want)
		}
	}
	p.view.setFilter(nil)
	list := plain(p.View(120, 22))
	if !strings.Contains(list, `✖`) || !strings.Contains(list, `{"id":"a4","n":-1}`) || strings.Contains(list, "⟨bin") {
		t.Errorf("the list does not show the invalid document with its error:\n%s", list)
	}
	detail := plain(newDetailPage(c, ms[0], nil, nil).View(120, 40))
	errAt, docAt := strings.Index(detail, "✖"), strings.Index(detail, `"a4"`)
	if errAt < 0 || docAt < errAt || strings.Contains(detail, "not decoded") {
		t.Errorf("the detail does not show the document under its error:\n%s", detail)
	}
}
