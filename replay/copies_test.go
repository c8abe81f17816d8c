package replay_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/trace"
	"github.com/mqscope/mqscope/triage"
)

// checkedPlan plans a redrive of dead and looks for earlier copies.
func checkedPlan(t *testing.T, c *kafka.Conn, source string, dead []sources.Message, o replay.Options) *replay.Plan {
	t.Helper()
	p, err := replay.NewPlan(source, dead, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckCopies(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return p
}

// runWithJournal runs a plan with its journal in dir.
func runWithJournal(t *testing.T, c *kafka.Conn, p *replay.Plan, dir string) replay.Result {
	t.Helper()
	j, err := replay.OpenJournal(dir, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	res, err := replay.RedriveKafka(context.Background(), c, p, replay.RunOptions{Batch: 9, Journal: j})
	if err != nil {
		t.Fatalf("run %s: %v", p.ID, err)
	}
	return res
}

// copiesPerDeadLetter counts the copies in topic of each dead letter of source.
func copiesPerDeadLetter(t *testing.T, c *kafka.Conn, topic, source string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range readAll(t, c, topic) {
		if src, ok := m.Header(replay.HeaderSource); ok && string(src) == source {
			pos, _ := m.Header(replay.HeaderPosition)
			out[string(pos)]++
		}
	}
	return out
}

func planText(t *testing.T, p *replay.Plan) string {
	t.Helper()
	var b strings.Builder
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A redrive run again, with another id and another state directory (a
// colleague's machine), writes nothing twice: the copies on the broker say
// what was redriven. --again redrives them again.
func TestRedriveRunTwiceFromTwoMachinesWritesEachRecordOnce(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")
	first := checkedPlan(t, c, "orders.DLT", dead, replay.Options{})
	if s := first.Summary(); s.AlreadyRedriven != 0 || s.Redrive != len(dead) {
		t.Fatalf("first plan %+v", s)
	}
	if res := runWithJournal(t, c, first, t.TempDir()); res.Done != len(dead) {
		t.Fatalf("first run: %+v", res)
	}

	second := checkedPlan(t, c, "orders.DLT", dead, replay.Options{})
	s := second.Summary()
	if s.AlreadyRedriven != len(dead) || s.Redrive != 0 || len(second.AlreadyRedriven) != len(dead) {
		t.Fatalf("second plan %+v for %d dead letters already redriven", s, len(dead))
	}
	text := planText(t, second)
	for _, want := range []string{
		"looked for earlier copies in orders from ",
		" already redriven (left out; --again to redrive them again)",
		"orders.DLT@" + replay.Position(second.AlreadyRedriven[0].Msg) + ": redriven to orders[",
		"by " + first.ID + " at ",
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("the plan does not say %q:\n%s", want, text)
		}
	}
	if sc := second.Copies.Scans; len(sc) != 1 || sc[0].Topic != "orders" || sc[0].Records == 0 {
		t.Fatalf("scans %+v", sc)
	}
	if res := runWithJournal(t, c, second, t.TempDir()); res.Done != 0 {
		t.Fatalf("second run wrote %d", res.Done)
	}
	// A plan that was not checked is checked by the run itself.
	unchecked, err := replay.NewPlan("orders.DLT", dead, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := runWithJournal(t, c, unchecked, t.TempDir()); res.Done != 0 || res.Duplicates != len(dead) {
		t.Fatalf("an unchecked plan's run: %+v", res)
	}
	for pos, n := range copiesPerDeadLetter(t, c, "orders", "orders.DLT") {
		if n != 1 {
			t.Fatalf("orders.DLT@%s is in orders %d times", pos, n)
		}
	}

	again := checkedPlan(t, c, "orders.DLT", dead, replay.Options{Again: true})
	if s := again.Summary(); s.AlreadyRedriven != 0 || s.Again != len(dead) || s.Redrive != len(dead) {
		t.Fatalf("--again plan %+v", s)
	}
	if text := planText(t, again); !strings.Contains(text, " already redriven, redriven again (--again)") {
		t.Fatalf("the --again plan does not say so:\n%s", text)
	}
	if res := runWithJournal(t, c, again, t.TempDir()); res.Done != len(dead) {
		t.Fatalf("--again run: %+v", res)
	}
	counts := copiesPerDeadLetter(t, c, "orders", "orders.DLT")
	if len(counts) != len(dead) {
		t.Fatalf("%d dead letters have copies, want %d", len(counts), len(dead))
	}
	for pos, n := range counts {
		if n != 2 {
			t.Fatalf("orders.DLT@%s is in orders %d times after --again", pos, n)
		}
	}
	last := checkedPlan(t, c, "orders.DLT", dead, replay.Options{})
	if e := last.AlreadyRedriven[0].Copy; e.Count != 2 || e.RedriveID != again.ID {
		t.Fatalf("the latest copy %+v, want 2 copies, the last by %s", e, again.ID)
	}
}

// Two runs on one DLT at once: the later one fences the earlier, which
// stops with a clear error; each record ends up in the origin once.
func TestConcurrentRedrivesOfOneDLTDoNotBothWrite(t *testing.T) {
	c, _ := kafkaDemo(t)
	concurrentRuns(t, c, replay.Options{}, 1)
}

// Two --again runs at once redrive each dead letter once more, not twice:
// what the other wrote after the plan was made is left out.
func TestConcurrentAgainRunsDoNotBothWrite(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")
	runWithJournal(t, c, checkedPlan(t, c, "orders.DLT", dead, replay.Options{}), t.TempDir())
	concurrentRuns(t, c, replay.Options{Again: true}, 2)
}

// concurrentRuns plans two redrives of orders.DLT, runs a slow one and,
// once it wrote a batch, a fast one; the slow one must be taken over and
// every dead letter end up copies times in orders.
func concurrentRuns(t *testing.T, c *kafka.Conn, o replay.Options, copies int) {
	t.Helper()
	dead := readAll(t, c, "orders.DLT")
	slow := checkedPlan(t, c, "orders.DLT", dead, o)
	fast := checkedPlan(t, c, "orders.DLT", dead, o) // planned before either ran
	started := make(chan struct{})
	var once sync.Once
	var slowRes replay.Result
	var slowErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		slowRes, slowErr = replay.RedriveKafka(context.Background(), c, slow, replay.RunOptions{Batch: 3, Rate: 30,
			OnProgress: func(replay.Progress) { once.Do(func() { close(started) }) }})
	}()
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the slow run did not start")
	}
	fastRes, err := replay.RedriveKafka(context.Background(), c, fast, replay.RunOptions{Batch: 50})
	if err != nil {
		t.Fatalf("the later run: %v", err)
	}
	<-done
	var taken *replay.TakenOverError
	if !errors.As(slowErr, &taken) || taken.Source != "orders.DLT" || !strings.Contains(slowErr.Error(), "another redrive of orders.DLT took over") {
		t.Fatalf("the earlier run ended with %v (%+v)", slowErr, slowRes)
	}
	if slowRes.Stop.Reason != replay.TakenOver || slowRes.Stop.Resumable() {
		t.Fatalf("the earlier run's stop: %v", slowRes.Stop)
	}
	if slowRes.Done == 0 || slowRes.Done+fastRes.Done != len(dead) || fastRes.Duplicates != slowRes.Done {
		t.Fatalf("slow %+v, fast %+v, for %d dead letters", slowRes.Progress, fastRes.Progress, len(dead))
	}
	counts := copiesPerDeadLetter(t, c, "orders", "orders.DLT")
	if len(counts) != len(dead) {
		t.Fatalf("%d of %d dead letters redriven", len(counts), len(dead))
	}
	for pos, n := range counts {
		if n != copies {
			t.Fatalf("orders.DLT@%s is in orders %d times, want %d", pos, n, copies)
		}
	}
}

// A copy read back from its origin is a copy, not a dead letter: no
// DeadLetter, triage does not count it, trace does not mark it dead.
func TestRedrivenCopyReadBackIsNotADeadLetter(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")
	p := checkedPlan(t, c, "orders.DLT", dead, replay.Options{})
	runWithJournal(t, c, p, t.TempDir())
	copies := redriven(readAll(t, c, "orders"), p.ID)
	if len(copies) != len(dead) {
		t.Fatalf("%d copies of %d", len(copies), len(dead))
	}
	b := triage.NewBuilder("orders")
	for i := range copies {
		m := &copies[i]
		if m.DeadLetter != nil || m.Redriven == nil || m.Redriven.ID != p.ID || m.Redriven.Source != "orders.DLT" || m.Redriven.Hops != 1 {
			t.Fatalf("copy %s: dead letter %+v, redriven %+v", m.Where(), m.DeadLetter, m.Redriven)
		}
		if _, kept := m.Header("kafka_dlt-exception-fqcn"); !kept {
			t.Fatal("the copy lost its dead-letter headers")
		}
		b.Add(m)
	}
	if b.DeadLetters() != 0 {
		t.Fatalf("triage counts %d copies as dead letters", b.DeadLetters())
	}
	_, value, ok := trace.Correlation(&copies[0], nil)
	if !ok {
		t.Fatal("the demo's dead letter carries no correlation value")
	}
	res, err := trace.Run(context.Background(), []sources.Conn{c}, value, trace.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inOrigin, inDLT int
	for _, h := range res.Hits {
		switch {
		case h.Stream == "orders" && h.Message.Redriven != nil:
			inOrigin++
			if h.Died != "" || !strings.HasPrefix(h.Redriven, "Redriven copy of orders.DLT@") {
				t.Fatalf("trace marks the copy %s dead (%q) or not a copy (%q)", h.Message.Where(), h.Died, h.Redriven)
			}
		case h.Stream == "orders.DLT":
			inDLT++
			if h.Died == "" {
				t.Fatal("trace does not mark the dead letter dead")
			}
		}
	}
	if inOrigin == 0 || inDLT == 0 {
		t.Fatalf("trace hits %+v", res.Hits)
	}
}

// The same holds for Kafka Connect's dead letters: a second plan leaves
// out what the first redrove, and the copies in the origin are copies.
func TestConnectDLQRedrivenTwiceWritesOnce(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "connect.dlq")
	first := checkedPlan(t, c, "connect.dlq", dead, replay.Options{})
	if res := runWithJournal(t, c, first, t.TempDir()); res.Done != len(dead) {
		t.Fatalf("first run: %+v", res)
	}
	second := checkedPlan(t, c, "connect.dlq", dead, replay.Options{})
	if s := second.Summary(); s.AlreadyRedriven != len(dead) || s.Redrive != 0 {
		t.Fatalf("second plan %+v", s)
	}
	for _, m := range redriven(readAll(t, c, "payments"), first.ID) {
		if m.DeadLetter != nil || m.Redriven == nil || m.Redriven.Before == nil || m.Redriven.Before.Scheme != "connect" {
			t.Fatalf("copy %s: %+v %+v", m.Where(), m.DeadLetter, m.Redriven)
		}
	}
	for pos, n := range copiesPerDeadLetter(t, c, "payments", "connect.dlq") {
		if n != 1 {
			t.Fatalf("connect.dlq@%s is in payments %d times", pos, n)
		}
	}
}

// A target too large to read for copies is refused with what to do; with
// --again the plan says it did not look.
func TestCopyScanOverItsLimit(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")
	p, err := replay.NewPlan("orders.DLT", dead, replay.Options{CopyScanLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	var tooLarge *kafka.ScanTooLargeError
	err = p.CheckCopies(context.Background(), c)
	if !errors.As(err, &tooLarge) || tooLarge.Topic != "orders" || !strings.Contains(err.Error(), "more than the 5 a scan may read") || !strings.Contains(err.Error(), "--again") {
		t.Fatalf("an over-limit scan: %v", err)
	}
	again, err := replay.NewPlan("orders.DLT", dead, replay.Options{CopyScanLimit: 5, Again: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.CheckCopies(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if text := planText(t, again); !strings.Contains(text, "not looked for earlier copies (orders holds ") || again.Summary().Redrive != len(dead) {
		t.Fatalf("the --again plan over the limit:\n%s", text)
	}
}
