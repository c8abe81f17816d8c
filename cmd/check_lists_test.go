package cmd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/health"
)

// TestCheckListsSayWhatTheyLeaveOut: 15 duplicates show 10 and say 5
// more; an entity with 12 holes lists the lowest 5 and says 7 more; seq
// 1 then 1e12 is one suspicious jump, not a trillion findings; --examples
// 0 shows none, a negative count is an error; JSON lists are [] when
// empty and carry the totals and the verdict.
func TestCheckListsSayWhatTheyLeaveOut(t *testing.T) {
	const topic = "check-lists"
	addr := kfakeTopics(t, 1, topic)
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 15; i++ {
		m := event(topic, 0, fmt.Sprintf("d%d", i), 1)
		msgs = append(msgs, m, m)
	}
	for i := 0; i <= 12; i++ {
		msgs = append(msgs, event(topic, 0, "g", 2*i+1))
	}
	msgs = append(msgs, valued(topic, 0, "j", `{"seq":1}`, 1), valued(topic, 0, "j", `{"seq":1000000000000}`, 2))
	writeRecords(t, addr, msgs)

	code, out, errOut := run(t, "--kafka", addr, "check", topic)
	for _, want := range []string{"  … 5 more duplicates not shown", "  g  missing 12: 2, 4, 6, 8, 10, … 7 more holes",
		"  j  missing 0; 1 suspicious jump: 2-999999999999 ", "28 findings (exit status 3)", "  … 7 more entities with findings not shown"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q", want)
		}
	}
	if code != exitFindings || t.Failed() {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}

	code, r, _ := checkJSON(t, "--kafka", addr, "check", topic)
	if code != exitFindings || r.Total != 28 || r.Verdict != health.VerdictFindings || !r.Complete || r.Gaps.Jumps != 1 || r.Gaps.Count != 12 ||
		r.OffendersTotal != 17 || len(r.Offenders) != 10 {
		t.Fatalf("exit %d, outcome %+v, gaps %d+%d jumps, offenders %d of %d", code, r.Outcome, r.Gaps.Count, r.Gaps.Jumps, len(r.Offenders), r.OffendersTotal)
	}

	_, jsonOut, _ := run(t, "--kafka", addr, "check", topic, "--examples", "0", "--json")
	if strings.Contains(jsonOut, "null") || !strings.Contains(jsonOut, `"examples": []`) || !strings.Contains(jsonOut, `"offenders": []`) {
		t.Fatalf("--examples 0 --json:\n%s", jsonOut)
	}
	code, out, _ = run(t, "--kafka", addr, "check", topic, "--examples", "0")
	if code != exitFindings || strings.Contains(out, "  retry      d") || !strings.Contains(out, "  … 15 more duplicates not shown") {
		t.Fatalf("--examples 0: exit %d:\n%s", code, out)
	}
	if code, _, errOut := run(t, "--kafka", addr, "check", topic, "--examples", "-1"); code != 1 || !strings.Contains(errOut, "--examples -1") {
		t.Fatalf("--examples -1: exit %d: %s", code, errOut)
	}
}
