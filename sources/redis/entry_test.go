package redis_test

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/mqscope/mqscope/sources/redis"
)

func TestEntryPairsGiveTheEntryBack(t *testing.T) {
	bin := []byte{0, 0xff, '\n', 0x1b}
	shapes := [][]redis.Field{
		{{Name: "value", Value: []byte("v")}},
		{{Name: "type", Value: []byte("order")}, {Name: "payload", Value: bin}, {Name: "trace", Value: []byte("t")}},
		{{Name: "a", Value: []byte("1")}, {Name: "body", Value: bin}},
		{{Name: "id", Value: []byte("7")}, {Name: "id", Value: bin}, {Name: "n", Value: nil}},
		{{Name: "value", Value: []byte("a")}, {Name: "data", Value: []byte("b")}},
	}
	for _, pairs := range shapes {
		m := redis.ToMessage("c", "s", "1-0", pairs)
		got, err := redis.EntryPairs(&m, nil)
		if err != nil || len(got) != len(pairs) {
			t.Fatalf("%v: %v %v", pairs, err, got)
		}
		for i := range pairs {
			if got[i].Name != pairs[i].Name || !bytes.Equal(got[i].Value, pairs[i].Value) {
				t.Fatalf("%v: pair %d is %v", pairs, i, got[i])
			}
		}
	}
	m := redis.ToMessage("c", "s", "1-0", shapes[1])
	edited, err := redis.EntryPairs(&m, []byte("new"))
	if err != nil || string(edited[1].Value) != "new" || edited[1].Name != "payload" || string(edited[2].Value) != "t" {
		t.Fatalf("edit: %v %v", err, edited)
	}
	m = redis.ToMessage("c", "s", "1-0", shapes[3])
	if _, err := redis.EntryPairs(&m, []byte(`[1, 2]`)); err == nil {
		t.Fatal("an edit that is no JSON object taken for an entry")
	}
	m.Properties = nil
	if _, err := redis.EntryPairs(&m, nil); err == nil {
		t.Fatal("a message from elsewhere taken for an entry")
	}
}

func FuzzEntryJSON(f *testing.F) {
	f.Add("k", []byte("v"), "k", []byte{0xff})
	f.Fuzz(func(t *testing.T, k1 string, v1 []byte, k2 string, v2 []byte) {
		if !utf8.ValidString(k1) || !utf8.ValidString(k2) {
			return // names are shown as JSON keys; only values may be bytes
		}
		in := []redis.Field{{Name: k1, Value: v1}, {Name: k2, Value: v2}}
		out, err := redis.PairsFromJSON(redis.EntryJSON(in))
		if err != nil || len(out) != 2 {
			t.Fatalf("%q: %v %v", redis.EntryJSON(in), err, out)
		}
		for i := range in {
			if out[i].Name != in[i].Name || !bytes.Equal(out[i].Value, in[i].Value) {
				t.Fatalf("%q: pair %d: %q", redis.EntryJSON(in), i, out[i])
			}
		}
	})
}
