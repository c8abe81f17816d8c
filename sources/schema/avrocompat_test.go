package schema

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestLocalCompatibilityOfDecimals: with a registry that refuses the
// compatibility check, the local check calls a decimal whose scale
// changed, or whose precision the older schema cannot hold, incompatible
// (the bytes mean another number), wherever the decimal is (a field, a
// union's branch, an array's items, a map's values, a fixed, a recursive
// record); a decimal whose precision only grows is compatible.
func TestLocalCompatibilityOfDecimals(t *testing.T) {
	reg := newFake(t)
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/compatibility/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error_code":40301,"message":"User cannot access the resource."}`))
		return true
	})
	dec := func(p, s int) string {
		return `{"type":"bytes","logicalType":"decimal","precision":` + itoa(p) + `,"scale":` + itoa(s) + `}`
	}
	record := func(field string) string {
		return `{"type":"record","name":"Price","namespace":"acme","fields":[{"name":"sku","type":"string"},{"name":"amount","type":` + field + `}]}`
	}
	fixed := func(p, s int) string {
		return `{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":` + itoa(p) + `,"scale":` + itoa(s) + `}`
	}
	nested := func(p, s int) string {
		return `{"type":"record","name":"Node","namespace":"acme","fields":[{"name":"next","type":["null","Node"],"default":null},` +
			`{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"cost","type":{"type":"map","values":["null",` + dec(p, s) + `]}}]}}}]}`
	}
	cases := []struct {
		name         string
		older, newer string
		compatible   bool
		why          string
	}{
		{"scale up", record(dec(10, 2)), record(dec(10, 3)), false, "amount: a decimal of scale 3 read as scale 2"},
		{"scale down", record(dec(10, 3)), record(dec(10, 2)), false, "amount: a decimal of scale 2 read as scale 3"},
		{"precision up", record(dec(8, 2)), record(dec(10, 2)), false, "amount: a decimal of precision 10 read as precision 8"},
		{"precision down", record(dec(10, 2)), record(dec(8, 2)), true, ""},
		{"same", record(dec(10, 2)), record(dec(10, 2)), true, ""},
		{"in a union", record(`["null",` + dec(10, 2) + `]`), record(`["null",` + dec(10, 4) + `]`), false, "amount: a decimal of scale 4 read as scale 2"},
		{"fixed", record(fixed(12, 2)), record(fixed(12, 1)), false, "amount: a decimal of scale 1 read as scale 2"},
		{"array, map, recursion", nested(10, 2), nested(10, 5), false, "lines[].cost{}: a decimal of scale 5 read as scale 2"},
		{"array, map, recursion, same", nested(10, 2), nested(10, 2), true, ""},
	}
	ctx := context.Background()
	for i, c := range cases {
		subject := "price" + itoa(i) + "-value"
		older := register(t, reg, subject, sr.Schema{Schema: c.older})
		register(t, reg, subject, sr.Schema{Schema: c.newer})
		d := newDecoder(t, reg.URL())
		got, err := d.Registry().CheckLatest(ctx, subject, older)
		if err != nil || !got.Local || got.Level != "BACKWARD" {
			t.Fatalf("%s: %+v %v", c.name, got, err)
		}
		if got.Compatible != c.compatible {
			t.Fatalf("%s: compatible %v, want %v: %v", c.name, got.Compatible, c.compatible, got.Messages)
		}
		if !c.compatible && (len(got.Messages) != 1 || !strings.Contains(got.Messages[0], c.why) || !strings.HasPrefix(got.Messages[0], "it cannot read v2's data: ")) {
			t.Fatalf("%s: messages %q, want %q", c.name, got.Messages, c.why)
		}
	}
}
