package versions_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

// registerIn adds a schema under subject and returns its id.
func registerIn(t *testing.T, r *srfake.Registry, subject, text string) int {
	t.Helper()
	id, _, err := r.RegisterSchema(subject, sr.Schema{Schema: text})
	if err != nil {
		t.Fatalf("register %s: %v", subject, err)
	}
	return id
}

// census counts one message framed with each id and resolves them.
func census(t *testing.T, dec *schema.Decoder, stream string, ids ...int) versions.Census {
	t.Helper()
	b := versions.NewBuilder(stream, dec, nil, 0)
	for i, id := range ids {
		b.Add(&sources.Message{Stream: stream, Partition: 0, Offset: int64(i), Value: schema.AppendHeader(nil, id)})
	}
	b.Resolve(context.Background())
	return b.Census()
}

func rowOf(t *testing.T, c versions.Census, id int) versions.Row {
	t.Helper()
	r := c.Row(id)
	if r == nil {
		t.Fatalf("no row for id %d in %+v", id, c.Rows)
	}
	return *r
}

// TestCensusEdgeIDs: values framed with id 0, or with an id the registry
// does not have, get a row that says so; an id registered under two
// subjects, neither the stream's, is named by both, not one by guess.
func TestCensusEdgeIDs(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	shared := `{"type":"record","name":"Shared","fields":[{"name":"x","type":"string"}]}`
	a := registerIn(t, reg, "a-value", shared)
	if b := registerIn(t, reg, "b-value", shared); b != a {
		t.Fatalf("the same schema under two subjects has ids %d and %d", a, b)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := census(t, dec, "orders", 0, 0, 4242, a)
	if len(c.Rows) != 3 {
		t.Fatalf("rows %+v", c.Rows)
	}
	zero := rowOf(t, c, 0)
	if !zero.Framed || zero.Count != 2 || zero.Note() != "id 0: not in the registry" || zero.Label() != "id 0" || zero.Format == "" || zero.Filter == "" {
		t.Fatalf("id 0 row %+v", zero)
	}
	if r := rowOf(t, c, 4242); r.Note() != "id 4242: not in the registry" {
		t.Fatalf("unknown id row %+v", r)
	}
	two := rowOf(t, c, a)
	if two.Subject != "" || strings.Join(two.Subjects, ", ") != "a-value v1, b-value v1" || two.Note() != "id "+itoa(a)+": subjects a-value v1, b-value v1" {
		t.Fatalf("two subjects row %+v: %s", two, two.Note())
	}
	// The stream's own subject is named, and the others still shown.
	own := rowOf(t, census(t, dec, "a", a), a)
	if own.Subject != "a-value" || len(own.Subjects) != 2 {
		t.Fatalf("own subject row %+v", own)
	}
	d := dec.Value(context.Background(), &sources.Message{Stream: "orders", Value: schema.AppendHeader(nil, a)})
	if d.Ref.Subject != "" || !strings.Contains(d.Ref.String(), "subjects a-value v1, b-value v1") {
		t.Fatalf("ref %+v: %s", d.Ref, d.Ref.String())
	}
}

// TestCensusCompatibilityCheckedLocally: srfake answers every compatibility
// check "compatible"; a registry that refuses the check (403, as for a
// read-only credential) leaves the verdict to a local check of the Avro
// schemas at the subject's level, which finds v1 incompatible with v2
// (v1 cannot read v2's data: v2 dropped a field v1 needs) and says it was
// checked locally; a FORWARD subject is checked the other way.
func TestCensusCompatibilityCheckedLocally(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	v1 := registerIn(t, reg, "orders-value", `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":"string"}]}`)
	v2 := registerIn(t, reg, "orders-value", `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	// The registry's own answer stands while it gives one.
	if r := rowOf(t, census(t, dec, "orders", v1), v1); r.Compatible == nil || !*r.Compatible || r.CheckedLocally {
		t.Fatalf("registry's answer %+v", r)
	}
	reg.Intercept(func(w http.ResponseWriter, req *http.Request) bool {
		if !strings.HasPrefix(req.URL.Path, "/compatibility/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error_code":40301,"message":"User cannot access the resource."}`))
		return true
	})
	dec, err = schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := census(t, dec, "orders", v1, v2)
	old := rowOf(t, c, v1)
	if old.Compatible == nil || *old.Compatible || !old.CheckedLocally || old.CompatLevel != "BACKWARD" ||
		old.Compat() != "incompatible with v2 (checked locally)" || len(old.Incompatibilities) != 1 || !strings.Contains(old.Incompatibilities[0], "note") ||
		!strings.Contains(old.CompatError, "HTTP 403: User cannot access the resource.") {
		t.Fatalf("v1 row %+v (%s)", old, old.Compat())
	}
	if latest := rowOf(t, c, v2); latest.Compat() != "latest" {
		t.Fatalf("v2 row %+v", latest)
	}
	// FORWARD: v2 reads v1's data (it drops note): compatible.
	if err := reg.SetCompat("orders-value", sr.CompatForward); err != nil {
		t.Fatal(err)
	}
	dec, err = schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, census(t, dec, "orders", v1), v1); r.Compatible == nil || !*r.Compatible || r.CompatLevel != "FORWARD" || r.Compat() != "compatible with v2 (checked locally)" {
		t.Fatalf("forward v1 row %+v", r)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
