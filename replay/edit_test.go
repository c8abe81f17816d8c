package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

func TestEditDocumentRoundTrip(t *testing.T) {
	m := sources.Message{Key: []byte("ord-1"), Value: []byte(`{"total":-12.5,"lines":[1,2]}`), Headers: []sources.Header{
		{Key: "tenant", Value: []byte("acme")}, {Key: "bin", Value: []byte{0, 0xff}}, {Key: "empty", Value: []byte{}},
		{Key: "x-mqscope-redrive-id", Value: []byte("rd-1")}, {Key: "x-death", Value: []byte("[...]")}}}
	doc := replay.EditDocument(m)
	if !bytes.Contains(doc, []byte(`"value_json": {`)) || bytes.Contains(doc, []byte("x-death")) || bytes.Contains(doc, []byte(`"rd-1"`)) {
		t.Fatalf("document:\n%s", doc)
	}
	e, err := replay.ParseEdit(doc)
	if err != nil {
		t.Fatal(err)
	}
	if string(e.Key) != "ord-1" || string(e.Value) != `{"total":-12.5,"lines":[1,2]}` || len(e.Headers) != 3 || !bytes.Equal(e.Headers[1].Value, []byte{0, 0xff}) {
		t.Fatalf("round trip: %q %q %v", e.Key, e.Value, e.Headers)
	}
	edited := bytes.Replace(doc, []byte("-12.5"), []byte("12.5"), 1)
	if e, err = replay.ParseEdit(edited); err != nil || string(e.Value) != `{"total":12.5,"lines":[1,2]}` {
		t.Fatalf("edited: %q %v", e.Value, err)
	}
	binary := replay.EditDocument(sources.Message{Value: []byte{1, 2, 0xff}})
	if e, err := replay.ParseEdit(binary); err != nil || !bytes.Equal(e.Value, []byte{1, 2, 0xff}) || e.Key != nil {
		t.Fatalf("binary value: %v %v", e, err)
	}
	for _, bad := range []string{`{"key":"a","key_b64":"YQ=="}`, `{"headers":[{"key":"x-mqscope-redrive-id","value":"x"}]}`,
		`{"headers":[{"value":"x"}]}`, `{"value":"a","value_json":{}}`, `{"valu":"typo"}`, `not json`, `{"value_b64":"%%%"}`} {
		if _, err := replay.ParseEdit([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func FuzzParseEdit(f *testing.F) {
	f.Add(replay.EditDocument(sources.Message{Key: []byte("k"), Value: []byte(`{"a":1}`), Headers: []sources.Header{{Key: "h", Value: []byte("v")}}}))
	f.Add([]byte(`{"value_b64":"AAE=","headers":[]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		e, err := replay.ParseEdit(doc)
		if err != nil {
			return
		}
		// what parses renders and parses again to the same content
		again, err := replay.ParseEdit(replay.EditDocument(e.Edited(sources.Message{})))
		if err != nil || !bytes.Equal(again.Key, e.Key) || !bytes.Equal(again.Value, e.Value) || len(again.Headers) != len(e.Headers) {
			t.Fatalf("%q: %v", doc, err)
		}
	})
}

// TestEditThenRedriveKafka: one dead letter is edited; the edited version
// reaches the origin with provenance and the edited mark, and the plan
// run again writes nothing more.
func TestEditThenRedriveKafka(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")[0]
	doc := replay.EditDocument(dead)
	e, err := replay.ParseEdit(bytes.Replace(doc, []byte(`"tenant"`), []byte(`"tenant-renamed"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	e.Value = []byte(`{"fixed":true}`)
	plan, err := replay.NewPlan("orders.DLT", []sources.Message{dead}, replay.Options{Edits: map[string]replay.Edit{replay.Fingerprint(dead): e}})
	if err != nil || plan.Items[0].Edit == nil {
		t.Fatalf("plan: %v", err)
	}
	audit, lines := auditLog(t)
	res, err := replay.RedriveKafka(context.Background(), c, plan, replay.RunOptions{Audit: audit})
	if err != nil || res.Done != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	wantEditedAudit(t, lines(), "orders")
	back := redriven(readAll(t, c, "orders"), plan.ID)
	if len(back) != 1 || string(back[0].Value) != `{"fixed":true}` || !bytes.Equal(back[0].Key, dead.Key) {
		t.Fatalf("redriven: %v", back)
	}
	if v, ok := back[0].Header(replay.HeaderEdited); !ok || string(v) != "true" {
		t.Fatal("no edited mark")
	}
	if again, err := replay.RedriveKafka(context.Background(), c, plan, replay.RunOptions{}); err != nil || again.Done != 0 || again.Duplicates != 1 {
		t.Fatalf("the plan run again (its group deleted once it finished): %+v %v", again, err)
	}
	if strings.Contains(string(doc), "x-mqscope") {
		t.Fatal("provenance in the document")
	}
}

// TestEditThenRedriveRabbit: one dead letter of a RabbitMQ DLQ is edited;
// only it leaves the DLQ, the edited body reaches the origin queue, and
// the broker's x-death history goes with it as a table.
func TestEditThenRedriveRabbit(t *testing.T) {
	const n = 6
	e := newRabbitEnv(t, n)
	msgs := readAll(t, e.conn, "work.dlq")
	pick := msgs[2]
	ed, err := replay.ParseEdit(bytes.Replace(replay.EditDocument(pick), []byte(`"acme"`), []byte(`"globex"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	ed.Value = []byte(`{"order":"fixed"}`)
	plan, err := replay.NewPlan("work.dlq", []sources.Message{pick}, replay.Options{Edits: map[string]replay.Edit{replay.Fingerprint(pick): ed}})
	if err != nil {
		t.Fatal(err)
	}
	audit, lines := auditLog(t)
	res, err := replay.RedriveStreamed(context.Background(), e.conn, plan, false, replay.RunOptions{Audit: audit})
	if err != nil || res.Done != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	wantEditedAudit(t, lines(), "exchange")
	e.waitDepth(t, "work.dlq", n-1)
	e.waitDepth(t, "work", 1)
	got := readAll(t, e.conn, "work")[0]
	// a copy, not a dead letter; the x-death it kept is still a table
	if b := got.Redriven; string(got.Value) != `{"order":"fixed"}` || got.DeadLetter != nil || b == nil || b.Before == nil || b.Before.Reason != "rejected" {
		t.Fatalf("redriven: %q, dead letter %+v, copy %+v", got.Value, got.DeadLetter, got.Redriven)
	}
	if v, _ := got.Header("tenant"); string(v) != "globex" {
		t.Fatalf("edited header: %q", v)
	}
	if v, _ := got.Header(replay.HeaderEdited); string(v) != "true" {
		t.Fatal("no edited mark")
	}
}

// auditLog opens an audit log in a temporary directory; lines closes it
// and returns its records.
func auditLog(t *testing.T) (*replay.Audit, func() []replay.AuditRecord) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a, err := replay.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	return a, func() []replay.AuditRecord {
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []replay.AuditRecord
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var r replay.AuditRecord
			if err := json.Unmarshal(l, &r); err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			out = append(out, r)
		}
		return out
	}
}

// wantEditedAudit checks the audit of a one-message edited redrive: its
// line says edited, and the run's line names the target.
func wantEditedAudit(t *testing.T, recs []replay.AuditRecord, target string) {
	t.Helper()
	if len(recs) != 2 || recs[0].Action != "redrive" || !recs[0].Edited || recs[1].Action != "redrive-run" || !strings.Contains(recs[1].Target, target) {
		t.Fatalf("audit: %+v", recs)
	}
}

// TestEditDiffOfARabbitDeadLetterIsTheEditOnly: a RabbitMQ dead letter
// (x-death, x-first-death-*) edited in one header differs from its edited
// version in that header only: the broker's headers, which the editor
// does not show, are not listed as removed.
func TestEditDiffOfARabbitDeadLetterIsTheEditOnly(t *testing.T) {
	e := newRabbitEnv(t, 3)
	pick := readAll(t, e.conn, "work.dlq")[1]
	if _, ok := pick.Header("x-death"); !ok {
		t.Fatalf("not a dead letter: %+v", pick.Headers)
	}
	if _, ok := pick.Header("x-first-death-queue"); !ok {
		t.Fatalf("no x-first-death-queue: %+v", pick.Headers)
	}
	ed, err := replay.ParseEdit(bytes.Replace(replay.EditDocument(pick), []byte(`"acme"`), []byte(`"globex"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	edited := ed.Edited(pick)
	var changed []string
	for _, r := range msgdiff.Messages(&pick, &edited) {
		if r.Change != msgdiff.Same {
			changed = append(changed, r.Section+" "+r.Field)
		}
	}
	if strings.Join(changed, "; ") != "headers tenant" {
		t.Fatalf("diff rows: %q", changed)
	}
}

// An edit that leaves a JSON value as it was keeps its bytes (spacing,
// number texts); one that changes it does not.
func TestEditKeepsUntouchedJSONValueBytes(t *testing.T) {
	orig := []byte(`{ "b": 1.50,  "a": 1e2 }`)
	m := sources.Message{Value: orig, Headers: []sources.Header{{Key: "error", Value: []byte("oops")}}}
	doc := strings.Replace(string(replay.EditDocument(m)), `"oops"`, `"oops2"`, 1)
	e, err := replay.ParseEdit([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	e.KeepValueBytes(orig)
	if string(e.Value) != string(orig) {
		t.Fatalf("value %q, want the original bytes %q", e.Value, orig)
	}
	doc = strings.Replace(string(replay.EditDocument(m)), `1.50`, `2.50`, 1)
	if e, err = replay.ParseEdit([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	e.KeepValueBytes(orig)
	if string(e.Value) != `{"b":2.50,"a":1e2}` {
		t.Fatalf("an edited value: %q", e.Value)
	}
}

// A subject-stored dead letter whose original is gone has no subject to
// go back to: an edit that gives it a value again still needs --to, and
// its stream's name is never taken for a subject.
func TestPlanLostSubjectNeedsATarget(t *testing.T) {
	m := sources.Message{Stream: "DLQ", Partition: sources.NoPartition, Offset: 1,
		DeadLetter: &sources.DeadLetter{Scheme: "nats", BySubject: true, OriginStream: "ORDERS", OriginPartition: sources.NoPartition, OriginOffset: 7},
		Flaw:       &sources.Flaw{Lost: true, Reason: "the original message ORDERS#7 is gone"}}
	edits := map[string]replay.Edit{replay.Fingerprint(m): {Value: []byte("rebuilt")}}
	p, err := replay.NewPlan("DLQ", []sources.Message{m}, replay.Options{ID: "rd-l", Edits: edits})
	if err != nil {
		t.Fatal(err)
	}
	if it := p.Items[0]; it.Action != replay.Unresolved || !strings.Contains(it.Reason, "--to") {
		t.Fatalf("without --to: %v %q -> %s", it.Action, it.Reason, it.Target)
	}
	if p, err = replay.NewPlan("DLQ", []sources.Message{m}, replay.Options{ID: "rd-l", Edits: edits, To: "orders.rebuilt"}); err != nil {
		t.Fatal(err)
	}
	if it := p.Items[0]; it.Action != replay.Redrive || it.Target.Stream != "orders.rebuilt" {
		t.Fatalf("with --to: %v %q -> %s", it.Action, it.Reason, it.Target)
	}
}
