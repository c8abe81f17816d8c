package versions_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

// TestRowFilterSelectsIDsWithHighBytes: a row's filter selects the values
// framed with its id and no other, for ids whose bytes are 0x80 or more
// (204 is 0xcc, 1000 is 0x03 0xe8) as for small ones, with the registry's
// decoder and without one.
func TestRowFilterSelectsIDsWithHighBytes(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{204, 1000, 127, 128, 255, 0}
	c := census(t, dec, "orders", ids...)
	msgs := make([]sources.Message, 0, len(ids)+1)
	for i, id := range ids {
		msgs = append(msgs, sources.Message{Stream: "orders", Offset: int64(i), Value: append(schema.AppendHeader(nil, id), 1, 2)})
	}
	msgs = append(msgs, sources.Message{Stream: "orders", Offset: 9, Value: []byte(`{"id":204}`)})
	for _, id := range ids {
		r := rowOf(t, c, id)
		if r.Filter != versions.Filter(id) {
			t.Fatalf("row %d filter %q, want %q", id, r.Filter, versions.Filter(id))
		}
		f, err := filter.Compile(r.Filter)
		if err != nil {
			t.Fatalf("%s: %v", r.Filter, err)
		}
		for i := range msgs {
			want := i < len(ids) && ids[i] == id
			d := dec.Value(context.Background(), &msgs[i])
			decoded, err := f.MatchDecoded(&msgs[i], &d)
			if err != nil || decoded != want {
				t.Errorf("%s on offset %d (decoded): %v %v, want %v", r.Filter, msgs[i].Offset, decoded, err, want)
			}
			plain, err := f.Match(&msgs[i])
			if err != nil || plain != want {
				t.Errorf("%s on offset %d: %v %v, want %v", r.Filter, msgs[i].Offset, plain, err, want)
			}
		}
	}
}
