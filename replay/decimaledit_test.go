package replay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestEditOfADecimalToFewerPlaces: mqscope edit's encoding of a decimal
// edited to fewer places than its scale ("1.5" at scale 3) pads it and
// is not surprising; a string edited that way is the string it was
// edited to.
func TestEditOfADecimalToFewerPlaces(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("ledger-value", sr.Schema{Schema: `{"type":"record","name":"L","fields":[
	  {"name":"dfix","type":{"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":12,"scale":3}},
	  {"name":"note","type":"string"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body := append(bytes.Repeat([]byte{0xff}, 8), 6, '0', '.', '5') // dfix -0.001, note "0.5"
	m := sources.Message{Stream: "ledger", Value: append(schema.AppendHeader(nil, id), body...)}
	orig := dec.Value(ctx, &m)
	if orig.Err != nil || string(orig.JSON) != `{"dfix":"-0.001","note":"0.5"}` {
		t.Fatalf("decoded %s %v", orig.JSON, orig.Err)
	}
	e := replay.Edit{Decoded: []byte(`{"dfix":"1.5","note":"0.50"}`)}
	again, re, err := e.EncodeValue(ctx, dec, m, &orig)
	if err != nil || re.Surprising() || string(again.JSON) != `{"dfix":"1.500","note":"0.50"}` {
		t.Fatalf("edit: %v %s %s", err, re, again.JSON)
	}
	want := append(schema.AppendHeader(nil, id), binary.BigEndian.AppendUint64(nil, 1500)...)
	if want = append(want, 8, '0', '.', '5', '0'); !bytes.Equal(e.Value, want) {
		t.Fatalf("value %x, want %x", e.Value, want)
	}
}
