package schema

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

const nodeAvsc = `{"type":"record","name":"Node","namespace":"acme","fields":[
 {"name":"v","type":"int"},
 {"name":"next","type":["null","Node"]}]}`

// chainDoc is a Node list of n nodes as Decode renders it.
func chainDoc(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(`{"v":` + itoa(i) + `,"next":`)
	}
	b.WriteString("null")
	b.WriteString(strings.Repeat("}", n))
	return b.String()
}

// deepChain is the longest Node list the nesting bound takes: a record
// and its union are two levels each.
const deepChain = maxAvroDepth/2 - 2

// TestAvroEncodeDeepRecursiveRecord: an edited document of a recursive
// record nested as deep as the decoder reads is encoded with work that
// grows with the document (each value written once; a union's branches
// are not written once to try and again to keep), and decodes back to
// itself.
func TestAvroEncodeDeepRecursiveRecord(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: nodeAvsc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.(*avroSchema)
	for _, n := range []int{1, 10, deepChain} {
		doc := chainDoc(n)
		body, visits, err := s.encode(context.Background(), []byte(doc), Selector{})
		if err != nil {
			t.Fatalf("%d nodes: %v", n, err)
		}
		// a node is a record, its int, its union and the null branch tried
		if visits > 5*n+2 {
			t.Fatalf("%d nodes: %d values written or tried, want at most %d", n, visits, 5*n+2)
		}
		back, err := c.Decode(body, Selector{})
		if err != nil || string(back) != doc {
			t.Fatalf("%d nodes: decoded back %s %v", n, back, err)
		}
	}
}

const treeAvsc = `{"type":"record","name":"Tree","namespace":"acme","fields":[
 {"name":"name","type":"string"},
 {"name":"kids","type":{"type":"array","items":"Tree"}},
 {"name":"attrs","type":{"type":"map","values":"Tree"}}]}`

// treeDoc is a Tree whose first kid nests depth deep, every level with
// width leaf kids beside it and one attribute.
func treeDoc(depth, width int) string {
	leaf := `{"name":"l","kids":[],"attrs":{}}`
	if depth == 0 {
		return leaf
	}
	kids := []string{treeDoc(depth-1, width)}
	for i := 0; i < width; i++ {
		kids = append(kids, leaf)
	}
	return `{"name":"n` + itoa(depth) + `","kids":[` + strings.Join(kids, ",") + `],"attrs":{"a":` + leaf + `}}`
}

// TestAvroEncodeNestedSizedBlocks: arrays and maps nested deep, written
// with their sizes in bytes as the decoded value's were, get each block's
// size right (the decoder finds nothing the encoder would not write) with
// the work growing with the document.
func TestAvroEncodeNestedSizedBlocks(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: treeAvsc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.(*avroSchema)
	for _, sized := range []bool{false, true} {
		doc := treeDoc(maxAvroDepth/2-2, 3)
		body, visits, err := s.encode(context.Background(), []byte(doc), Selector{SizedBlocks: sized})
		if err != nil {
			t.Fatalf("sized %v: %v", sized, err)
		}
		values := strings.Count(doc, `"name"`) * 4 // a tree is a record, a string, an array and a map
		if visits > values {
			t.Fatalf("sized %v: %d values written or tried for %d", sized, visits, values)
		}
		back, meta, err := s.appendLoss(nil, body)
		if err != nil || string(back) != doc || meta.Loss != nil || meta.Sized != sized {
			t.Fatalf("sized %v: decoded back %.80s… loss %+v sized %v: %v", sized, back, meta.Loss, meta.Sized, err)
		}
	}
}

const exprAvsc = `{"type":"record","name":"Holder","namespace":"acme","fields":[
 {"name":"e","type":["null",
  {"type":"record","name":"A","fields":[{"name":"e","type":["null","A",
   {"type":"record","name":"B","fields":[{"name":"e","type":["null","A","B"]}]}]}]},
  "B"]}]}`

// TestAvroEncodeAmbiguousRecursiveUnion: a recursive union of two records
// alike, without the branches of a decode, asks for the branch to be
// named without trying every combination of branches down the document;
// named, each level encodes.
func TestAvroEncodeAmbiguousRecursiveUnion(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: exprAvsc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.(*avroSchema)
	const n = maxAvroDepth/2 - 2
	doc := strings.Repeat(`{"e":`, n) + "null" + strings.Repeat("}", n)
	_, visits, err := s.encode(context.Background(), []byte(doc), Selector{})
	if err == nil || !strings.Contains(err.Error(), "alike") {
		t.Fatalf("unnamed branches: %v", err)
	}
	if visits > 20*n {
		t.Fatalf("%d levels: %d values written or tried", n, visits)
	}
	named := `{"e":` + strings.Repeat(`{"acme.A":{"e":`, n/2) + "null" + strings.Repeat("}}", n/2) + "}"
	body, visits, err := s.encode(context.Background(), []byte(named), Selector{})
	if err != nil {
		t.Fatalf("named branches: %v", err)
	}
	if visits > 20*n {
		t.Fatalf("named, %d levels: %d values written or tried", n, visits)
	}
	back, branches, err := s.DecodeBranches(body, Selector{})
	if err != nil || len(branches) != n/2+1 {
		t.Fatalf("decoded back %s, %d branches: %v", back, len(branches), err)
	}
	again, err := s.Encode(context.Background(), back, Selector{Branches: branches})
	if err != nil || string(again) != string(body) {
		t.Fatalf("encoded again with the branches: % x %v", again, err)
	}
}

// TestAvroEncodeStopsWithContext: an encode whose context ends stops with
// the context's error, which Decoder.Encode passes on as it is (not as a
// document that does not fit).
func TestAvroEncodeStopsWithContext(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: `{"type":"array","items":"long"}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := "[" + strings.Repeat("1,", 5000) + "1]"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Encode(ctx, []byte(doc), Selector{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled encode: %v", err)
	}
	if _, err := c.Encode(context.Background(), []byte(doc), Selector{}); err != nil {
		t.Fatal(err)
	}

	reg := newFake(t)
	id := register(t, reg, "nums-value", sr.Schema{Schema: `{"type":"array","items":"long"}`})
	d := newDecoder(t, reg.URL())
	got := value(t, d, "nums", framed(id, []byte{0}))
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	dctx, dcancel := context.WithCancel(context.Background())
	if _, err := d.Encode(dctx, got.Ref, []byte("[]")); err != nil { // compiles the schema
		t.Fatal(err)
	}
	dcancel()
	_, err = d.Encode(dctx, got.Ref, []byte(doc))
	if !errors.Is(err, context.Canceled) || KindOf(err) != 0 {
		t.Fatalf("cancelled Decoder.Encode: %v (kind %v)", err, KindOf(err))
	}
}

// BenchmarkAvroEncodeDeep encodes the deepest Node list the nesting bound
// takes.
func BenchmarkAvroEncodeDeep(b *testing.B) {
	c, err := avroCodec{}.Compile(Named{Text: nodeAvsc}, nil)
	if err != nil {
		b.Fatal(err)
	}
	doc := []byte(chainDoc(deepChain))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Encode(context.Background(), doc, Selector{}); err != nil {
			b.Fatal(err)
		}
	}
}
