package schema

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

const orderAvsc = `{"type":"record","name":"Order","namespace":"acme","fields":[
 {"name":"id","type":{"type":"string","logicalType":"uuid"}},
 {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
 {"name":"fee","type":{"type":"fixed","name":"Fee","size":8,"logicalType":"decimal","precision":10,"scale":4}},
 {"name":"day","type":{"type":"int","logicalType":"date"}},
 {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
 {"name":"tsm","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"ltm","type":{"type":"long","logicalType":"local-timestamp-millis"}},
 {"name":"ltu","type":{"type":"long","logicalType":"local-timestamp-micros"}},
 {"name":"wait","type":{"type":"fixed","name":"Wait","size":12,"logicalType":"duration"}},
 {"name":"note","type":["null","string"]},
 {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
 {"name":"tags","type":{"type":"map","values":"long"}},
 {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"price","type":"double"}]}}},
 {"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
 {"name":"ok","type":"boolean"},
 {"name":"raw","type":"bytes"},
 {"name":"ratio","type":"float"}
]}`

type avroLine struct {
	Sku   string  `avro:"sku"`
	Qty   int     `avro:"qty"`
	Price float64 `avro:"price"`
}

type avroOrder struct {
	ID     string               `avro:"id"`
	Amount *big.Rat             `avro:"amount"`
	Fee    *big.Rat             `avro:"fee"`
	Day    time.Time            `avro:"day"`
	TM     time.Duration        `avro:"tm"`
	TU     time.Duration        `avro:"tu"`
	TSM    time.Time            `avro:"tsm"`
	TSU    time.Time            `avro:"tsu"`
	LTM    time.Time            `avro:"ltm"`
	LTU    time.Time            `avro:"ltu"`
	Wait   avro.LogicalDuration `avro:"wait"`
	Note   *string              `avro:"note"`
	Status string               `avro:"status"`
	Tags   map[string]int64     `avro:"tags"`
	Lines  []avroLine           `avro:"lines"`
	Hash   [4]byte              `avro:"hash"`
	OK     bool                 `avro:"ok"`
	Raw    []byte               `avro:"raw"`
	Ratio  float32              `avro:"ratio"`
}

func sampleOrder() avroOrder {
	note := "leave at door"
	at := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	return avroOrder{
		ID:     "5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90",
		Amount: big.NewRat(-123456, 100), // -1234.56
		Fee:    big.NewRat(42, 10000),    // 0.0042
		Day:    time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC),
		TM:     15*time.Hour + 9*time.Minute + 26*time.Second + 535*time.Millisecond,
		TU:     15*time.Hour + 9*time.Minute + 26*time.Second + 535897*time.Microsecond,
		TSM:    at.Truncate(time.Millisecond),
		TSU:    at.Truncate(time.Microsecond),
		LTM:    at.Truncate(time.Millisecond),
		LTU:    at.Truncate(time.Microsecond),
		Wait:   avro.LogicalDuration{Months: 1, Days: 2, Milliseconds: 3000},
		Note:   &note,
		Status: "PAID",
		Tags:   map[string]int64{"prio": 7},
		Lines:  []avroLine{{Sku: "A-1", Qty: 2, Price: 9.99}, {Sku: "B\"2", Qty: 1, Price: 0.5}},
		Hash:   [4]byte{0xde, 0xad, 0xbe, 0xef},
		OK:     true,
		Raw:    []byte{0, 1, 2},
		Ratio:  0.25,
	}
}

const sampleOrderJSON = `{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","amount":"-1234.56","fee":"0.0042",` +
	`"day":"2026-03-14","tm":"15:09:26.535","tu":"15:09:26.535897",` +
	`"tsm":"2026-03-14T15:09:26.535Z","tsu":"2026-03-14T15:09:26.535897Z",` +
	`"ltm":"2026-03-14T15:09:26.535","ltu":"2026-03-14T15:09:26.535897",` +
	`"wait":{"months":1,"days":2,"milliseconds":3000},"note":"leave at door","status":"PAID",` +
	`"tags":{"prio":7},"lines":[{"sku":"A-1","qty":2,"price":9.99},{"sku":"B\"2","qty":1,"price":0.5}],` +
	`"hash":"3q2+7w==","ok":true,"raw":"AAEC","ratio":0.25}`

// hambaBody encodes v with hamba/avro, the library the decoder does not
// use for bodies.
func hambaBody(t testing.TB, schema string, v any) []byte {
	t.Helper()
	s, err := avro.ParseWithCache(schema, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	b, err := avro.Marshal(s, v)
	if err != nil {
		t.Fatalf("hamba marshal: %v", err)
	}
	return b
}

// TestAvroLogicalTypesOverRegistry decodes a record hamba/avro encoded,
// with every logical type, a union, an enum, a map, an array of records
// and fixed, fetched by id over HTTP; decimals come out as exact strings.
func TestAvroLogicalTypesOverRegistry(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Schema: orderAvsc})
	d := newDecoder(t, reg.URL())
	got := value(t, d, "orders", framed(id, hambaBody(t, orderAvsc, sampleOrder())))
	mustJSON(t, got, sampleOrderJSON)
	if got.Format != FormatAvro || got.Ref.ID != id || got.Ref.Subject != "orders-value" || got.Ref.Version != 1 || got.Ref.Message != "acme.Order" {
		t.Fatalf("ref = %+v, format %s", got.Ref, got.Format)
	}
}

// TestAvroEncodeBack re-encodes the decoded document to the same bytes,
// and an edited one to bytes hamba/avro reads back with the edit.
func TestAvroEncodeBack(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Schema: orderAvsc})
	d := newDecoder(t, reg.URL())
	raw := framed(id, hambaBody(t, orderAvsc, sampleOrder()))
	got := value(t, d, "orders", raw)
	mustJSON(t, got, sampleOrderJSON)
	again, err := d.Encode(context.Background(), got.Ref, got.JSON)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	// hamba writes map and array blocks with their byte size (a negative
	// count), this encoder without: the bytes differ, the values do not.
	if !bytes.Equal(again[:5], raw[:5]) {
		t.Fatalf("framing changed: %x", again[:5])
	}
	mustJSON(t, value(t, d, "orders", again), sampleOrderJSON)
	var same avroOrder
	if err := avro.Unmarshal(avro.MustParse(orderAvsc), again[5:], &same); err != nil || same.Amount.Cmp(big.NewRat(-123456, 100)) != 0 || !same.TSU.Equal(sampleOrder().TSU) {
		t.Fatalf("hamba reads the re-encoded value as %+v, %v", same, err)
	}

	edited := bytes.Replace(got.JSON, []byte(`"amount":"-1234.56"`), []byte(`"amount":"99999.01"`), 1)
	edited = bytes.Replace(edited, []byte(`"note":"leave at door"`), []byte(`"note":null`), 1)
	out, err := d.Encode(context.Background(), got.Ref, edited)
	if err != nil {
		t.Fatalf("encode edited: %v", err)
	}
	if !bytes.Equal(out[:5], raw[:5]) {
		t.Fatalf("framing changed: %x", out[:5])
	}
	s := avro.MustParse(orderAvsc)
	var back avroOrder
	if err := avro.Unmarshal(s, out[5:], &back); err != nil {
		t.Fatalf("hamba unmarshal: %v", err)
	}
	if back.Amount.Cmp(big.NewRat(9999901, 100)) != 0 || back.Note != nil || back.Status != "PAID" {
		t.Fatalf("hamba read amount %v note %v status %s", back.Amount, back.Note, back.Status)
	}

	for _, tc := range []struct{ edit, path string }{
		{`"status":"LOST"`, "status"},
		{`"fee":"0.00001"`, "fee"},
		{`"amount":"12345678901.00"`, "amount"},
		{`"day":"14/03/2026"`, "day"},
		{`"lines":[{"sku":"A-1","qty":"two","price":1}]`, "lines[0].qty"},
	} {
		var key []byte
		key, _, _ = bytes.Cut([]byte(tc.edit), []byte(":"))
		i := bytes.Index(got.JSON, key)
		j := i + len(key) + 1
		depth, k := 0, j
		for ; k < len(got.JSON); k++ {
			c := got.JSON[k]
			if c == '[' || c == '{' {
				depth++
			} else if c == ']' || c == '}' {
				if depth == 0 {
					break
				}
				depth--
			} else if c == ',' && depth == 0 {
				break
			}
		}
		doc := append(append(append([]byte{}, got.JSON[:i]...), tc.edit...), got.JSON[k:]...)
		_, err := d.Encode(context.Background(), got.Ref, doc)
		var e *Error
		if !asErr(err, &e) || e.Kind != KindMismatch || e.Path != tc.path {
			t.Errorf("edit %s: err %v, want a mismatch at %s", tc.edit, err, tc.path)
		}
	}
}

// TestAvroReferencesAndUnions decodes a schema whose named types come from
// a registry reference, with a union of two records shown as the plain
// value and encoded back into the branch it fits.
func TestAvroReferencesAndUnions(t *testing.T) {
	reg := newFake(t)
	customer := `{"type":"record","name":"Customer","namespace":"acme","fields":[{"name":"name","type":"string"}]}`
	register(t, reg, "acme.Customer", sr.Schema{Schema: customer})
	main := `{"type":"record","name":"Payment","namespace":"acme","fields":[
	  {"name":"payer","type":"acme.Customer"},
	  {"name":"method","type":["null",
	    {"type":"record","name":"Card","fields":[{"name":"last4","type":"string"}]},
	    {"type":"record","name":"Iban","fields":[{"name":"iban","type":"string"},{"name":"bic","type":["null","string"]}]}]},
	  {"name":"n","type":["null","long","string"]}]}`
	id := register(t, reg, "payments-value", sr.Schema{Schema: main, References: []sr.SchemaReference{{Name: "acme.Customer", Subject: "acme.Customer", Version: 1}}})

	// Written by hand: payer "Ann", method branch 2 (Iban) {"DE89", bic null}, n branch 2 "x".
	body := []byte{6, 'A', 'n', 'n', 4, 8, 'D', 'E', '8', '9', 0, 4, 2, 'x'}
	d := newDecoder(t, reg.URL())
	got := value(t, d, "payments", framed(id, body))
	mustJSON(t, got, `{"payer":{"name":"Ann"},"method":{"iban":"DE89","bic":null},"n":"x"}`)
	out, err := d.Encode(context.Background(), got.Ref, got.JSON)
	if err != nil || !bytes.Equal(out[5:], body) {
		t.Fatalf("encode = %x, %v; want %x", out, err, body)
	}
	out, err = d.Encode(context.Background(), got.Ref, []byte(`{"payer":{"name":"Bo"},"method":{"last4":"4242"},"n":5}`))
	if err != nil {
		t.Fatalf("encode card: %v", err)
	}
	if want := []byte{4, 'B', 'o', 2, 8, '4', '2', '4', '2', 2, 10}; !bytes.Equal(out[5:], want) {
		t.Fatalf("card body %x, want %x", out[5:], want)
	}
}

// TestAvroTruncatedAndTrailing reports a body cut short as truncated with
// the field it stopped in, and bytes past the record as a mismatch.
func TestAvroTruncatedAndTrailing(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Schema: orderAvsc})
	d := newDecoder(t, reg.URL())
	body := hambaBody(t, orderAvsc, sampleOrder())
	got := value(t, d, "orders", framed(id, body[:len(body)-6]))
	var e *Error
	if !asErr(got.Err, &e) || e.Kind != KindTruncated || e.Path == "" {
		t.Fatalf("truncated: %v", got.Err)
	}
	got = value(t, d, "orders", framed(id, body, []byte{1, 2}))
	if KindOf(got.Err) != KindMismatch {
		t.Fatalf("trailing bytes: %v", got.Err)
	}
	got = value(t, d, "orders", []byte{0, 0, 0})
	if got.Format != FormatBinary || got.Err != nil {
		t.Fatalf("three bytes: %+v", got)
	}
}

// TestAvroLocalRule maps a topic pattern to a local .avsc file: unframed
// bodies decode without a registry.
func TestAvroLocalRule(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "order.avsc")
	if err := os.WriteFile(p, []byte(orderAvsc), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(Config{Rules: []Rule{{Pattern: "orders.*", Schema: p}}})
	if err != nil {
		t.Fatal(err)
	}
	body := hambaBody(t, orderAvsc, sampleOrder())
	got := value(t, d, "orders.eu", body)
	mustJSON(t, got, sampleOrderJSON)
	if got.Ref.Origin != OriginLocal || got.Ref.Local != p {
		t.Fatalf("ref %+v", got.Ref)
	}
	out, err := d.Encode(context.Background(), got.Ref, got.JSON)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	mustJSON(t, value(t, d, "orders.eu", out), sampleOrderJSON)
	if other := value(t, d, "payments", body); other.Format == FormatAvro {
		t.Fatalf("rule matched another stream: %+v", other)
	}
}

// TestDecimalStrings checks the exact rendering of unscaled values.
func TestDecimalStrings(t *testing.T) {
	for _, tc := range []struct {
		b     []byte
		scale int
		want  string
	}{
		{[]byte{0x00}, 2, "0.00"}, {[]byte{0xff}, 2, "-0.01"}, {[]byte{0x80}, 0, "-128"},
		{[]byte{0x01, 0x00}, 3, "0.256"}, {[]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 4, "236118324143482260.6847"},
	} {
		if got := decimalString(tc.b, tc.scale); got != tc.want {
			t.Errorf("decimalString(%x, %d) = %s, want %s", tc.b, tc.scale, got, tc.want)
		}
		back, err := decimalBytes(tc.want, tc.scale, 0, 0)
		if err != nil || !bytes.Equal(back, tc.b) {
			t.Errorf("decimalBytes(%s) = %x, %v; want %x", tc.want, back, err, tc.b)
		}
	}
}

// TestAvroAmbiguousUnions: where the JSON value does not tell the branch
// (["int","long"], two records of one shape, a string and an enum), the
// decoded ref keeps the branches and encoding back writes the same bytes.
func TestAvroAmbiguousUnions(t *testing.T) {
	schema := `{"type":"record","name":"U","fields":[
	  {"name":"n","type":["int","long"]},
	  {"name":"who","type":[{"type":"record","name":"A","fields":[{"name":"x","type":"string"}]},{"type":"record","name":"B","fields":[{"name":"x","type":"string"}]}]},
	  {"name":"list","type":{"type":"array","items":["null","string",{"type":"enum","name":"E","symbols":["ON"]}]}}]}`
	reg := newFake(t)
	id := register(t, reg, "u-value", sr.Schema{Schema: schema})
	d := newDecoder(t, reg.URL())
	// n: long 5; who: B{"q"}; list: [E.ON, "ON"].
	body := []byte{2, 10, 2, 2, 'q', 4, 4, 0, 2, 4, 'O', 'N', 0}
	got := value(t, d, "u", framed(id, body))
	mustJSON(t, got, `{"n":5,"who":{"x":"q"},"list":["ON","ON"]}`)
	want := []UnionBranch{{"n", 1}, {"who", 1}, {"list[0]", 2}, {"list[1]", 1}}
	if len(got.Ref.Branches) != len(want) {
		t.Fatalf("branches %v, want %v", got.Ref.Branches, want)
	}
	for i := range want {
		if got.Ref.Branches[i] != want[i] {
			t.Fatalf("branches %v, want %v", got.Ref.Branches, want)
		}
	}
	out, err := d.Encode(context.Background(), got.Ref, got.JSON)
	if err != nil || !bytes.Equal(out[5:], body) {
		t.Fatalf("encode = %x, %v; want %x", out, err, body)
	}
	// The document does not tell the branches: it is lossy at the first.
	if got.Loss == nil || got.Loss.Kind != LossUnionBranch || got.Loss.Path != "n" || got.Loss.More != 2 {
		t.Fatalf("loss %+v", got.Loss)
	}
	// Without the branches the document is refused where it fits more
	// than one, and written when it names them as Avro's JSON does.
	bare := got.Ref
	bare.Branches = nil
	out, err = d.Encode(context.Background(), bare, got.JSON)
	if err == nil || !strings.Contains(err.Error(), `at n: the value fits union branches int, long alike: name the branch as Avro's JSON does ({"long": ...})`) {
		t.Fatalf("encode without branches = %x, %v", out, err)
	}
	out, err = d.Encode(context.Background(), bare, []byte(`{"n":{"long":5},"who":{"B":{"x":"q"}},"list":[{"E":"ON"},{"string":"ON"}]}`))
	if err != nil || !bytes.Equal(out[5:], body) {
		t.Fatalf("encode with named branches = %x, %v; want %x", out, err, body)
	}
	// An edit the kept branch no longer fits falls back to one it fits.
	out, err = d.Encode(context.Background(), got.Ref, []byte(`{"n":5,"who":{"x":"q"},"list":[null,"ON"]}`))
	if err != nil || !bytes.Equal(out[5:], []byte{2, 10, 2, 2, 'q', 4, 0, 2, 4, 'O', 'N', 0}) {
		t.Fatalf("edited = %x, %v", out, err)
	}
}

// TestAvroNullItemsBounded: blocks claiming billions of null items (which
// take no bytes) are refused at once rather than rendered.
func TestAvroNullItemsBounded(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: `{"type":"array","items":{"type":"array","items":"null"}}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 3 outer items, each an inner block of 2^40 nulls.
	body := []byte{6}
	for i := 0; i < 3; i++ {
		body = append(body, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0)
	}
	body = append(body, 0)
	start := time.Now()
	_, err = c.Decode(body, Selector{})
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("decode: %v after %s", err, time.Since(start))
	}
	js, err := c.Decode([]byte{2, 6, 0, 0}, Selector{})
	if err != nil || string(js) != `[[null,null,null]]` {
		t.Fatalf("three nulls: %s %v", js, err)
	}
}

// TestAvroDecimalBeyondPrecision: a decimal with more digits than its
// precision is shown, and said not to fit, at its place.
func TestAvroDecimalBeyondPrecision(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: `{"type":"record","name":"P","fields":[{"name":"lines","type":{"type":"array","items":
	  {"type":"record","name":"L","fields":[{"name":"d","type":["null",{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}]}]}}}]}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// lines: [{d: 12.34}, {d: 1000.00}]
	js, err := c.Decode([]byte{4, 2, 4, 0x04, 0xd2, 2, 6, 0x01, 0x86, 0xa0, 0}, Selector{})
	var fe *fieldError
	if !errors.As(err, &fe) || fe.path != "lines[1].d" || string(js) != `{"lines":[{"d":"12.34"},{"d":"1000.00"}]}` {
		t.Fatalf("decoded %s, %v", js, err)
	}
	if _, err := c.Encode(context.Background(), js, Selector{}); err == nil {
		t.Fatal("encoded a decimal beyond its precision")
	}
}

// TestAvroStampMatchesFormat checks the timestamp digits written without
// a layout against time.Format, across years 0 to 9999 and beyond.
func TestAvroStampMatchesFormat(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		ms := r.Int63n(2*253402300799999) - 62135596800000
		for _, tm := range []time.Time{time.UnixMilli(ms).UTC(), time.UnixMicro(ms*1000 + int64(i%1000)).UTC()} {
			for _, layout := range []string{"2006-01-02T15:04:05.000", "2006-01-02T15:04:05.000000"} {
				got := string(appendStamp(nil, tm, layout, true))
				if want := `"` + tm.Format(layout) + `Z"`; got != want {
					t.Fatalf("%v as %s: %s, want %s", tm, layout, got, want)
				}
			}
		}
	}
}

// TestAvroDecimalDigitsMatchBig checks the decimals written without
// big.Int against the big.Int rendering, for every length up to 8 bytes.
func TestAvroDecimalDigitsMatchBig(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 5, -5, 9, 10, 99, 100, -100, 123456, -123456, 1 << 40, -(1 << 40), 1 << 62, -(1 << 63), 1<<63 - 1} {
		for n := 1; n <= 8; n++ {
			b := make([]byte, n)
			u := uint64(v)
			for i := n - 1; i >= 0; i-- {
				b[i], u = byte(u), u>>8
			}
			for scale := 0; scale < 25; scale++ {
				if got, want := string(appendDecimal(nil, b, scale)), bigDecimalString(b, scale); got != want {
					t.Fatalf("%x scale %d: %s, want %s", b, scale, got, want)
				}
			}
		}
	}
}

// TestLongDecimalIsCappedInErrors: a 1000-digit decimal read beyond its
// precision, or edited in, is quoted in the error by its first digits and
// its length, never whole.
func TestLongDecimalIsCappedInErrors(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: `{"type":"record","name":"P","fields":[{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}}]}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("9", 1000)
	unscaled, err := decimalBytes(long, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	body := binary.AppendVarint(nil, int64(len(unscaled)))
	body = append(body, unscaled...)
	js, err := c.Decode(body, Selector{})
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "99999999999999999999… 1000 digits") || len(js) < 1000 {
		t.Fatalf("read beyond precision: %d bytes of error: %.300v", len(fmt.Sprint(err)), err)
	}
	_, err = c.Encode(context.Background(), []byte(`{"d":"`+long+`"}`), Selector{})
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "… 1000 digits") {
		t.Fatalf("edit beyond precision: %.300v", err)
	}
	_, err = c.Encode(context.Background(), []byte(`{"d":"1.`+long+`"}`), Selector{})
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "1.999999999999999999… 1001 digits") {
		t.Fatalf("edit beyond scale: %.300v", err)
	}
	if got := capNumbers("maximum: got " + long + ", want 10"); got != "maximum: got 99999999999999999999… 1000 digits, want 10" {
		t.Fatalf("capNumbers: %s", got)
	}
}
