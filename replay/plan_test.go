package replay_test

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// TestPlanWriteIsSanitised: the plan printed before a redrive shows the
// targets, the dropped headers and every message left in place with its
// stream, position and reason, none of them able to drive the terminal.
func TestPlanWriteIsSanitised(t *testing.T) {
	dead := []sources.Message{poison.KafkaDeadLetter(), poison.RabbitDeadLetter()}
	lost := sources.Message{Stream: "dlq" + poison.Text, Partition: 0, Offset: 9, ID: "id" + poison.Text} // no provenance: unresolved
	hops := poison.KafkaDeadLetter()
	hops.Headers = append(hops.Headers, sources.Header{Key: replay.HeaderHops, Value: []byte("99")}) // redriven too often: parked
	plan, err := replay.NewPlan("dlq"+poison.Text, append(dead, lost, hops), replay.Options{ID: "rd" + poison.Text, DropHeaders: []string{"name*"}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := plan.Write(&out); err != nil {
		t.Fatal(err)
	}
	if bad := poison.Find(out.String()); bad != "" {
		t.Fatalf("%s in the plan:\n%s", bad, out.String())
	}
	for _, want := range []string{"redrive rd␛]52;c;", "unresolved", "parked", "headers dropped: name␛]52;c;", "-> orders␛]52;c;", "-> exchange shop␛]52;c;"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out.String())
		}
	}
}

// TestPlanReturnsToWhereProvenanceSays: a dead letter whose provenance
// names where it goes back (a NATS message's original subject) is
// redriven there, not to the name of the stream it came from; --to still
// wins.
func TestPlanReturnsToWhereProvenanceSays(t *testing.T) {
	dead := sources.Message{Stream: "DEAD", Partition: sources.NoPartition, Offset: 1, Value: []byte("{}"),
		DeadLetter: &sources.DeadLetter{Scheme: "nats", OriginStream: "ORDERS", OriginPartition: sources.NoPartition, OriginOffset: 7, ReturnTo: "orders.created"}}
	plan, err := replay.NewPlan("DEAD", []sources.Message{dead}, replay.Options{ID: "rd-1"})
	if err != nil {
		t.Fatal(err)
	}
	if it := plan.Items[0]; it.Action != replay.Redrive || it.Target.Stream != "orders.created" {
		t.Fatalf("item %+v", it)
	}
	plan, err = replay.NewPlan("DEAD", []sources.Message{dead}, replay.Options{ID: "rd-2", To: "orders.retried"})
	if err != nil {
		t.Fatal(err)
	}
	if it := plan.Items[0]; it.Target.Stream != "orders.retried" {
		t.Fatalf("with --to: %+v", it)
	}
}

// TestPlanLeavesALostMessage: a dead letter of which only the notice of
// its death is left (its original gone) is left in place, the reason
// said, even with --to; an edit gives it a value, and then it goes.
func TestPlanLeavesALostMessage(t *testing.T) {
	lost := sources.Message{Stream: "DEAD", Partition: sources.NoPartition, Offset: 3,
		DeadLetter: &sources.DeadLetter{Scheme: "nats", OriginStream: "ORDERS", OriginPartition: sources.NoPartition, OriginOffset: 2},
		Flaw:       &sources.Flaw{Lost: true, Reason: "the original message ORDERS#2 is gone"}}
	for _, to := range []string{"", "orders.retried"} {
		plan, err := replay.NewPlan("DEAD", []sources.Message{lost}, replay.Options{ID: "rd-1", To: to})
		if err != nil {
			t.Fatal(err)
		}
		if it := plan.Items[0]; it.Action != replay.Unresolved || it.Reason != "the original message ORDERS#2 is gone: nothing to redrive" {
			t.Fatalf("--to %q: item %+v", to, it)
		}
	}
	plan, err := replay.NewPlan("DEAD", []sources.Message{lost}, replay.Options{ID: "rd-2", To: "orders.retried",
		Edits: map[string]replay.Edit{replay.Fingerprint(lost): {Value: []byte(`{"rewritten":true}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	if it := plan.Items[0]; it.Action != replay.Redrive || it.Edit == nil {
		t.Fatalf("an edited lost message: %+v", it)
	}
	if got, want := lost.FlawLine(), "DEAD@3: the original message ORDERS#2 is gone"; got != want {
		t.Errorf("flaw line %q, want %q (no size of headers where the flaw is not theirs)", got, want)
	}
}

// TestPlanKeepsTheFirstOriginalNATSMsgID: a NATS copy that died again is
// redriven with the application's Nats-Msg-Id its first copy kept, once,
// while the other provenance headers are the new run's.
func TestPlanKeepsTheFirstOriginalNATSMsgID(t *testing.T) {
	dead := sources.Message{Stream: "DEAD", Partition: sources.NoPartition, Offset: 2, Value: []byte("{}"),
		Headers: []sources.Header{{Key: "Nats-Msg-Id", Value: []byte("mqscope-redrive:DEAD:a1")}, {Key: dlq.HeaderRedriveOriginalMsgID, Value: []byte("app-3")},
			{Key: replay.HeaderID, Value: []byte("rd-old")}, {Key: replay.HeaderHops, Value: []byte("1")}},
		DeadLetter: &sources.DeadLetter{Scheme: "nats", OriginStream: "ORDERS", OriginPartition: sources.NoPartition, OriginOffset: 7, ReturnTo: "orders.created"}}
	plan, err := replay.NewPlan("DEAD", []sources.Message{dead}, replay.Options{ID: "rd-new"})
	if err != nil {
		t.Fatal(err)
	}
	var originals, ids []string
	for _, h := range plan.Items[0].Headers {
		switch h.Key {
		case dlq.HeaderRedriveOriginalMsgID:
			originals = append(originals, string(h.Value))
		case replay.HeaderID:
			ids = append(ids, string(h.Value))
		}
	}
	if len(originals) != 1 || originals[0] != "app-3" || len(ids) != 1 || ids[0] != "rd-new" {
		t.Fatalf("original ids %q, redrive ids %q in %+v", originals, ids, plan.Items[0].Headers)
	}
}
