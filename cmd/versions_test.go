package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/trace"
	"github.com/mqscope/mqscope/triage"
	"github.com/mqscope/mqscope/versions"
)

// TestSchemasCensusOfDemoDLT: mqscope schemas on the demo's
// payments.avro.DLT prints its versions (90% v3), its origin's over the
// same span (17% v3), the compatibility and the comparison line; --json
// has the same numbers.
func TestSchemasCensusOfDemoDLT(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 300, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "schemas", demo.TopicPaymentsAvroDLT)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"payments.avro.DLT: 50 messages read (50 dead letters)",
		"payments.avro: 289 messages read",
		"payments.avro.DLT: 90% carry v3; payments.avro: 17% v3",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	var v3 string
	for _, l := range lines {
		if strings.Contains(l, " v3 ") && strings.Contains(l, "103") {
			v3 = l
			break
		}
	}
	if f := strings.Fields(v3); len(f) < 10 || f[0] != "45" || f[1] != "90%" || f[2] != demo.SubjectPaymentsAvro || f[5] != "avro" || f[len(f)-1] != "latest" {
		t.Fatalf("v3 line %q in\n%s", v3, out)
	}
	if !strings.Contains(out, "compatible with v3") {
		t.Fatalf("no compatibility of v1/v2 in\n%s", out)
	}

	code, out, errOut = run(t, "--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "schemas", demo.TopicPaymentsAvroDLT, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r versions.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0].Count != 45 || r.Rows[0].Version != 3 || r.Origin == nil || r.Origin.Row(103).Count != 49 {
		t.Fatalf("json %s", out)
	}

	// Without a registry: counted by id, and said so.
	code, out, _ = run(t, "--kafka", cl.Addr(), "schemas", demo.TopicPaymentsAvro, "--max-scan", "100")
	if code != 0 || !strings.Contains(out, "payments.avro: 100 messages read") || !strings.Contains(out, "stopped at --max-scan") || !strings.Contains(out, "no registry") {
		t.Fatalf("without a registry:\n%s", out)
	}
}

// TestTriageByVersionOfDemoDLT: --by version groups payments.avro.DLT's
// dead letters by schema version: 45 v3, 5 v2, each with the filter that
// selects it.
func TestTriageByVersionOfDemoDLT(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 300, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	args := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "triage", demo.TopicPaymentsAvroDLT, "--by", "version"}
	code, out, errOut := run(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r triage.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Mode != "version" || len(r.Groups) != 2 || r.DeadLetters != 50 {
		t.Fatalf("report %s", out)
	}
	v3, v2 := r.Groups[0], r.Groups[1]
	if v3.Key != "payments.avro-value v3 (id 103)" || v3.Count != 45 || v3.Schema == nil || v3.Schema.Version != 3 || v3.Schema.Compat() != "latest" ||
		v2.Key != "payments.avro-value v2 (id 102)" || v2.Count != 5 {
		t.Fatalf("groups %+v", r.Groups)
	}
	for _, g := range r.Groups {
		code, sel, errOut := run(t, "--kafka", cl.Addr(), "export", demo.TopicPaymentsAvroDLT, "--filter", g.Filter)
		if code != 0 || int64(strings.Count(sel, "\n")) != g.Count {
			t.Errorf("filter %s selects %d, the group has %d: %s", g.Filter, strings.Count(sel, "\n"), g.Count, errOut)
		}
	}
	code, table, _ := run(t, args...)
	if code != 0 || !strings.Contains(table, "2 groups by version") || !strings.Contains(table, "45     90%") || !strings.Contains(table, "payments.avro-value v3 (id 103)") {
		t.Fatalf("table:\n%s", table)
	}
}

// TestDiffAndTraceOnDecodedValues: diff of a typed dead letter and the
// original its provenance names compares the decoded Avro fields; trace finds an order id that
// only the decoded values hold.
func TestDiffAndTraceOnDecodedValues(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 60, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dead := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvroDLT)[0]
	reg := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL()}
	pos := fmt.Sprintf("%d/%d", dead.Partition, dead.Offset)
	orig := fmt.Sprintf("%d/%d", dead.DeadLetter.OriginPartition, dead.DeadLetter.OriginOffset)
	code, out, errOut := run(t, append(reg, "diff", demo.TopicPaymentsAvroDLT, pos, demo.TopicPaymentsAvro, orig, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	type row struct{ Section, Field, Left, Right, Change string }
	var rows []row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	fields := map[string]row{}
	for _, r := range rows {
		if r.Section == "value" {
			fields[r.Field] = r
		}
	}
	if s := fields["(schema)"]; s.Change != "same" || !strings.Contains(s.Left, "payments.avro-value v3") {
		t.Fatalf("schema row %+v in %s", s, out)
	}
	if o := fields["orderId"]; o.Change != "same" || !strings.HasPrefix(o.Left, `"ord-`) {
		t.Fatalf("orderId row %+v", o)
	}
	var orderID string
	_ = json.Unmarshal([]byte(fields["orderId"].Left), &orderID)

	code, out, errOut = run(t, append(reg, "trace", orderID, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res trace.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	via := map[string]string{}
	for _, h := range res.Hits {
		via[h.Stream] = h.Via
	}
	if via[demo.TopicPaymentsAvro] != "value.orderId" || via[demo.TopicPaymentsAvroDLT] != "value.orderId" {
		t.Fatalf("hits %+v", res.Hits)
	}
}

// TestReplayEncodesDecodedLines: a capture line with value_decoded and
// value_schema and no raw value is encoded with that schema; a line with
// both keeps its raw value with --keep-raw, is encoded with --reencode; a document that does not fit
// is refused with its line and field before anything is written.
func TestReplayEncodesDecodedLines(t *testing.T) {
	cl, conn, dec := typedDemoDecoded(t)
	var orig sources.Message
	var doc []byte
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro) {
		d := dec.Value(context.Background(), &m)
		if d.Ref.Version == 3 && strings.Contains(string(d.JSON), `"status":"AUTHORIZED"`) {
			orig, doc = m, d.JSON
			break
		}
	}
	if doc == nil {
		t.Fatal("no v3 AUTHORIZED payment")
	}
	edited := strings.Replace(string(doc), `"status":"AUTHORIZED"`, `"status":"DECLINED"`, 1)
	sch := `"value_schema":{"id":103,"subject":"payments.avro-value","version":3,"format":"avro"}`
	line := func(key string, raw bool, decoded string) string {
		l := `{"stream":"payments.avro","partition":0,"offset":0,"timestamp":"2026-11-29T19:32:11.548Z","key":"` + key + `"`
		if raw {
			l += `,"value_b64":"` + base64.StdEncoding.EncodeToString(orig.Value) + `"`
		}
		return l + `,"value_decoded":` + decoded + "," + sch + "}\n"
	}
	file := filepath.Join(t.TempDir(), "typed.jsonl")
	write := func(lines ...string) {
		if err := os.WriteFile(file, []byte(strings.Join(lines, "")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reg := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "--log-file", filepath.Join(t.TempDir(), "log")}
	replayed := func(key string) []sources.Message {
		var out []sources.Message
		for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro) {
			if string(m.Key) == key {
				out = append(out, m)
			}
		}
		return out
	}
	statusOf := func(m sources.Message) string {
		d := dec.Value(context.Background(), &m)
		if d.Err != nil || d.Ref.ID != 103 {
			t.Fatalf("replayed value %s: %v", d.Ref, d.Err)
		}
		var p struct{ Status string }
		_ = json.Unmarshal(d.JSON, &p)
		return p.Status
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	write(line("rp-a", false, edited), line("rp-b", true, edited))
	if code, out, errOut := run(t, append(reg, "replay", file, "--to", demo.TopicPaymentsAvro, "--yes", "--keep-raw")...); code != 0 || !strings.Contains(out, "replayed 2 messages") ||
		!strings.Contains(errOut, "line 2: value_decoded was edited, the raw value was written as it was (--reencode writes the edit)") || !strings.Contains(out, "1 lines noted above") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if a, b := replayed("rp-a"), replayed("rp-b"); len(a) != 1 || statusOf(a[0]) != "DECLINED" || len(b) != 1 || !bytes.Equal(b[0].Value, orig.Value) {
		t.Fatalf("without --reencode: %d %d", len(a), len(b))
	}
	write(line("rp-c", true, edited))
	if code, _, errOut := run(t, append(reg, "replay", file, "--to", demo.TopicPaymentsAvro, "--yes", "--reencode")...); code != 0 {
		t.Fatalf("--reencode: %s", errOut)
	}
	if c := replayed("rp-c"); len(c) != 1 || statusOf(c[0]) != "DECLINED" {
		t.Fatalf("--reencode: %v", c)
	}

	bogus := strings.Replace(string(doc), `"status":"AUTHORIZED"`, `"status":"BOGUS"`, 1)
	write(line("rp-d", false, edited), line("rp-e", false, bogus))
	code, _, errOut := run(t, append(reg, "replay", file, "--to", demo.TopicPaymentsAvro, "--yes")...)
	if code == 0 || !strings.Contains(errOut, "capture line 2") || !strings.Contains(errOut, "status") || !strings.Contains(errOut, "nothing written") {
		t.Fatalf("a document outside the schema: exit %d: %s", code, errOut)
	}
	if d := replayed("rp-d"); len(d) != 0 {
		t.Fatalf("%d messages written before the refusal", len(d))
	}
	// Without a registry a line without a raw value cannot be written.
	write(line("rp-f", false, edited))
	if code, _, errOut := run(t, "--kafka", cl.Addr(), "replay", file, "--to", demo.TopicPaymentsAvro, "--yes"); code == 0 || !strings.Contains(errOut, "--schema-registry") {
		t.Fatalf("without a registry: %d %s", code, errOut)
	}
}

// TestEditTypedHeadless: mqscope edit of an Avro dead letter edits its
// decoded document, shows the changed field, and publishes it encoded with
// the same schema id; a document outside the schema is refused with the
// field, nothing written.
func TestEditTypedHeadless(t *testing.T) {
	cl, conn, dec := typedDemoDecoded(t)
	var dead sources.Message
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvroDLT) {
		if strings.Contains(string(dec.Value(context.Background(), &m).JSON), `"PENDING_REVIEW"`) {
			dead = m
			break
		}
	}
	if dead.Value == nil {
		t.Fatal("no PENDING_REVIEW dead letter")
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("VISUAL", "")
	editTo := func(status string) {
		script := filepath.Join(t.TempDir(), "editor")
		if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"status\": \"PENDING_REVIEW\"/\"status\": \""+status+"\"/' \"$1\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("EDITOR", script)
	}
	args := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "edit", demo.TopicPaymentsAvroDLT, fmt.Sprintf("%d/%d", dead.Partition, dead.Offset), "--yes"}
	before := len(testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro))
	editTo("BOGUS")
	if code, _, errOut := run(t, args...); code == 0 || !strings.Contains(errOut, "does not fit the schema at status") || !strings.Contains(errOut, "nothing written") {
		t.Fatalf("BOGUS: %d %s", code, errOut)
	}
	if n := len(testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro)); n != before {
		t.Fatalf("a refused edit wrote %d messages", n-before)
	}
	editTo("AUTHORIZED")
	code, out, errOut := run(t, args...)
	if code != 0 || !strings.Contains(out, "1 redriven") || !strings.Contains(out, "status") || !strings.Contains(out, `"AUTHORIZED"`) {
		t.Fatalf("edit: %d %s %s", code, out, errOut)
	}
	all := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro)
	last := all[len(all)-1]
	for _, m := range all {
		if _, ok := m.Header("x-mqscope-redrive-edited"); ok {
			last = m
		}
	}
	d := dec.Value(context.Background(), &last)
	if d.Ref.ID != 103 || !strings.Contains(string(d.JSON), `"status":"AUTHORIZED"`) {
		t.Fatalf("published %s: %s", d.Ref, d.JSON)
	}
}

// typedDemoDecoded is a demo with its typed topics, a connection to it and a
// decoder on its Schema Registry; all end with the test.
func typedDemoDecoded(t *testing.T) (*demo.Cluster, *kafka.Conn, *schema.Decoder) {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 60, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	return cl, conn, dec
}
