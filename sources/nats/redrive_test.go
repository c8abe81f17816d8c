package nats_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// provenance is the headers replay gives a redriven copy.
func provenance(id, source string, m *sources.Message) []sources.Header {
	return []sources.Header{
		{Key: dlq.HeaderRedriveID, Value: []byte(id)},
		{Key: dlq.HeaderRedriveHops, Value: []byte("1")},
		{Key: dlq.HeaderRedriveSource, Value: []byte(source)},
		{Key: dlq.HeaderRedrivePosition, Value: []byte(strconv.FormatInt(m.Offset, 10))},
	}
}

func items(id, source string, dead []sources.Message, target string, remove bool) []sources.RedriveItem {
	out := make([]sources.RedriveItem, len(dead))
	for i := range dead {
		headers := append(slices.Clone(dead[i].Headers), provenance(id, source, &dead[i])...)
		out[i] = sources.RedriveItem{Message: dead[i], Target: sources.Target{Stream: target}, Headers: headers, Remove: remove}
	}
	return out
}

func streamMsgs(t testing.TB, s jetstream.Stream) uint64 {
	t.Helper()
	si, err := s.Info(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return si.State.Msgs
}

// runs keeps what every run of one redrive reported, by dead letter.
type runs struct {
	done map[int64][]sources.RedriveResult // by dead-letter offset
	all  []sources.RedriveItem
}

// run redrives the items not yet reported done; stop, when set, is told
// each outcome reported in this run.
func (r *runs) run(ctx context.Context, c *mqnats.Conn, id, source string, rate float64, onOutcome func(n int)) error {
	var todo []sources.RedriveItem
	for _, it := range r.all {
		if len(r.done[it.Message.Offset]) == 0 {
			todo = append(todo, it)
		}
	}
	n := 0
	return c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: source, Items: todo, Rate: rate}, func(o sources.RedriveOutcome) {
		off := todo[o.Item].Message.Offset
		switch o.Result {
		case sources.RedriveWritten, sources.RedriveAlreadyDone:
			r.done[off] = append(r.done[off], o.Result)
		default:
			panic(fmt.Sprintf("dead letter %d failed: %v", off, o.Err))
		}
		n++
		if onOutcome != nil {
			onOutcome(n)
		}
	})
}

// A redrive interrupted twice (its connection closed mid-run, then its
// context cancelled) and run again each time with the same id writes every
// dead letter exactly once: the target holds one copy of each, and, with
// Remove, each advisory record is removed once its copy is acknowledged.
// Without Remove the interruptions catch publishes in flight (no PubAck).
func TestRedriveExactlyOnceDespiteFaults(t *testing.T) {
	t.Run("remove", func(t *testing.T) { redriveWithFaults(t, true) })
	t.Run("keep", func(t *testing.T) { redriveWithFaults(t, false) })
}

func redriveWithFaults(t *testing.T, remove bool) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RD")
	capture, dlqName := captureFor(t, js, name)
	f := kill(t, js, s, name, capture, 4, 296)
	target, targetName := plainStream(t, js, "RDT")
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 300 {
		t.Fatalf("%d dead letters, want 300", len(dead))
	}
	originBefore := streamMsgs(t, s)
	id := uniq("rd")
	r := &runs{done: map[int64][]sources.RedriveResult{}, all: items(id, dlqName, dead, targetName+".retry", remove)}

	// 1: the connection closes after 60 outcomes (the runs are paced so
	// that the faults come while they publish).
	c1 := openTimeout(t, 2e9)
	err := r.run(ctx, c1, id, dlqName, 3000, func(n int) {
		if n == 60 {
			_ = c1.Close()
		}
	})
	if err == nil {
		t.Fatal("a redrive whose connection closed mid-run reported no error")
	}
	t.Logf("first run: %v", err)
	after1 := len(r.done)
	if after1 < 60 || after1 >= 300 {
		t.Fatalf("after the first run %d done", after1)
	}
	// 2: the context is cancelled after 60 more.
	c2 := open(t)
	cctx, cancel := context.WithCancel(ctx)
	err = r.run(cctx, c2, id, dlqName, 3000, func(n int) {
		if n == 60 {
			cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled redrive ended with %v", err)
	}
	t.Logf("second run: %v", err)
	if len(r.done) < after1+60 || len(r.done) >= 300 {
		t.Fatalf("after the second run %d done (%d after the first)", len(r.done), after1)
	}
	// 3: to the end.
	if err := r.run(ctx, open(t), id, dlqName, 0, nil); err != nil {
		t.Fatal(err)
	}

	already := 0
	for _, m := range dead {
		got := r.done[m.Offset]
		if len(got) != 1 {
			t.Fatalf("dead letter %d reported done %v", m.Offset, got)
		}
		if got[0] == sources.RedriveAlreadyDone {
			already++
		}
	}
	t.Logf("%d of 300 settled by a later run as already written", already)
	copies := read(t, c, targetName, sources.ReadOptions{})
	if len(copies) != 300 {
		t.Fatalf("the target holds %d copies of 300 dead letters", len(copies))
	}
	var ids []string
	for _, m := range copies {
		if m.Redriven == nil || m.Redriven.ID != id || m.Redriven.Source != dlqName {
			t.Fatalf("copy %+v", m)
		}
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	var want []string
	for _, m := range dead {
		want = append(want, mqnats.RedriveMsgID(dlqName, mqnats.AdvisoryID(&m)))
	}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatal("the copies' Nats-Msg-Id are not one per dead letter")
	}
	if n := streamMsgs(t, capture); remove && n != 0 {
		t.Fatalf("%d advisory records left after every dead letter was redriven with Remove", n)
	} else if !remove && n != 300 {
		t.Fatalf("%d advisory records of 300 left by a redrive without Remove", n)
	}
	if n := streamMsgs(t, s); n != originBefore {
		t.Fatalf("the origin stream went from %d to %d messages", originBefore, n)
	}
	if streamMsgs(t, target) != 300 {
		t.Fatal("target count changed")
	}
	if len(f.maxDelivered)+len(f.terminated) != 300 {
		t.Fatal("the worker did not fail 300 messages")
	}
}

// Without a target a dead letter goes back to its original subject, with
// the provenance headers and an edited value where there is one; the same
// run again, or a new run of the same dead letters, is deduplicated
// (RedriveAlreadyDone) and writes nothing; a dead
// letter whose original is gone fails, written nowhere.
func TestRedriveToOriginalSubject(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RDO")
	capture, dlqName := captureFor(t, js, name)
	f := kill(t, js, s, name, capture, 1, 2)
	if err := s.DeleteMsg(ctx, f.maxDelivered[0]); err != nil {
		t.Fatal(err)
	}
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 3 {
		t.Fatalf("%d dead letters", len(dead))
	}
	lastBefore := func() uint64 {
		si, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return si.State.LastSeq
	}()
	id := uniq("rdo")
	its := items(id, dlqName, dead, "", false)
	edited := -1
	for i := range its {
		if !mqnats.GoneOriginal(&its[i].Message) && edited < 0 {
			edited = i
			its[i].Value = []byte(`{"edited":true}`)
		}
	}
	results := func(id string) map[int]sources.RedriveOutcome {
		out := map[int]sources.RedriveOutcome{}
		if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: its}, func(o sources.RedriveOutcome) { out[o.Item] = o }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := results(id)
	for i, it := range its {
		o := first[i]
		if mqnats.GoneOriginal(&it.Message) {
			if o.Result != sources.RedriveFailed || !errors.Is(o.Err, mqnats.ErrOriginalGone) {
				t.Fatalf("gone original: %+v", o)
			}
		} else if o.Result != sources.RedriveWritten || o.Position == "" {
			t.Fatalf("item %d: %+v", i, o)
		}
	}
	copies := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: int64(lastBefore) + 1}})
	if len(copies) != 2 {
		t.Fatalf("%d copies back in %s, want 2", len(copies), name)
	}
	for _, m := range copies {
		if m.Redriven == nil || m.Redriven.Source != dlqName || m.Redriven.ID != id || m.DeadLetter != nil {
			t.Fatalf("copy %+v", m)
		}
		orig := dead[slices.IndexFunc(dead, func(d sources.Message) bool { return d.Offset == m.Redriven.Offset })]
		if string(m.Key) != string(orig.Key) || m.ID != mqnats.RedriveMsgID(dlqName, mqnats.AdvisoryID(&orig)) {
			t.Fatalf("copy %+v of %+v", m, orig)
		}
		if v, _ := m.Header("x-tag"); string(v) != "term" {
			t.Fatalf("the copy lost the original's headers: %+v", m.Headers)
		}
		wantValue := string(orig.Value)
		if orig.Offset == dead[edited].Offset {
			wantValue = `{"edited":true}`
		}
		if string(m.Value) != wantValue {
			t.Fatalf("copy value %s, want %s", m.Value, wantValue)
		}
	}
	total := streamMsgs(t, s)
	// run again, resumed (the same id) or as a new run (another id, as a
	// plain second `mqscope redrive` is): nothing written twice
	for _, again := range []string{id, uniq("rdo-again")} {
		second := results(again)
		for i, it := range its {
			if !mqnats.GoneOriginal(&it.Message) && second[i].Result != sources.RedriveAlreadyDone {
				t.Fatalf("item %d run again as %s: %+v", i, again, second[i])
			}
		}
		if streamMsgs(t, s) != total {
			t.Fatalf("the redrive run again as %s wrote copies", again)
		}
	}
	if streamMsgs(t, capture) != 3 {
		t.Fatal("a redrive without Remove removed advisory records")
	}
}

// A target no stream stores, or that is not a plain subject, is refused
// before anything is written.
func TestRedriveRefusesBadTarget(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "BAD")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 0, 2)
	dead := read(t, c, dlqName, sources.ReadOptions{})
	before := streamMsgs(t, s)
	nowhere := uniq("nowhere") + ".x"
	reported := 0
	err := c.Redrive(ctx, sources.RedriveRequest{ID: uniq("bad"), Source: dlqName, Items: items("bad", dlqName, dead, nowhere, true)}, func(sources.RedriveOutcome) { reported++ })
	if !errors.Is(err, sources.ErrBadTarget) || reported != 0 {
		t.Fatalf("redrive to %s: %v (%d reported)", nowhere, err, reported)
	}
	if streamMsgs(t, s) != before || streamMsgs(t, capture) != 2 {
		t.Fatal("a refused redrive wrote or removed something")
	}
	for _, bad := range []sources.Target{{Stream: nowhere}, {Stream: ""}, {Stream: name + ".*"}, {Stream: name + ".>"}, {Stream: name + "..x"}, {Stream: "a b"},
		{Stream: "$JS.API.STREAM.LIST"}, {Stream: mqnats.AdvisoryTerminated + "." + name + ".worker"}, {Stream: "q", Exchange: true}} {
		if err := c.CheckTarget(ctx, bad); !errors.Is(err, sources.ErrBadTarget) {
			t.Errorf("target %+v: %v", bad, err)
		}
	}
	if err := c.CheckTarget(ctx, sources.Target{Stream: name + ".ok"}); err != nil {
		t.Fatalf("a subject %s stores: %v", name, err)
	}
}

// A dead-letter stream deleted and created again numbers its advisory
// records from 1 again: its new dead letters have new Nats-Msg-Ids (from
// the advisories' ids) and are written, not taken for the old ones; each
// redrive run twice writes each dead letter once.
func TestRedriveMsgIDSurvivesRecreatedCapture(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RDRE")
	target, targetName := plainStream(t, js, "RDRET")
	capture, dlqName := captureFor(t, js, name)
	cfg := capture.CachedInfo().Config
	kill(t, js, s, name, capture, 1, 1)

	redriveTwice := func(want int) []sources.Message {
		t.Helper()
		dead := read(t, c, dlqName, sources.ReadOptions{})
		if len(dead) != want {
			t.Fatalf("%d dead letters in %s, want %d", len(dead), dlqName, want)
		}
		for i := range dead {
			if id := mqnats.AdvisoryID(&dead[i]); id == "" || strings.Contains(id, "@") {
				t.Fatalf("dead letter %d has no advisory id: %q", dead[i].Offset, id)
			}
		}
		for run, wantResult := range []sources.RedriveResult{sources.RedriveWritten, sources.RedriveAlreadyDone} {
			id := uniq("rdre")
			err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: items(id, dlqName, dead, targetName+".back", false)}, func(o sources.RedriveOutcome) {
				if o.Result != wantResult {
					t.Errorf("run %d, item %d: %+v, want %v", run+1, o.Item, o, wantResult)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return dead
	}
	first := redriveTwice(2)
	if n := streamMsgs(t, target); n != 2 {
		t.Fatalf("the target holds %d copies after the first redrive, want 2", n)
	}

	if err := js.DeleteStream(ctx, dlqName); err != nil {
		t.Fatal(err)
	}
	// its new dead letters: those of another origin stream (the first
	// one's would be taken for duplicates of its own messages)
	s2, name2 := plainStream(t, js, "RDRE2")
	cfg.Subjects = []string{mqnats.AdvisoryMaxDeliveries + "." + name2 + ".*", mqnats.AdvisoryTerminated + "." + name2 + ".*"}
	recreated, err := js.CreateStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kill(t, js, s2, name2, recreated, 1, 1)
	second := redriveTwice(2)
	if !slices.Equal(offsets(first), offsets(second)) {
		t.Fatalf("the re-created stream's records are %v, the first's %v (the case this test is about needs the same sequences)", offsets(second), offsets(first))
	}
	copies := read(t, c, targetName, sources.ReadOptions{})
	if len(copies) != 4 {
		t.Fatalf("the target holds %d copies, want 4 (2 from each stream)", len(copies))
	}
	ids := map[string]bool{}
	for _, m := range copies {
		if !strings.HasPrefix(m.ID, "mqscope-redrive:"+dlqName+":") || ids[m.ID] {
			t.Fatalf("copy Nats-Msg-Id %q", m.ID)
		}
		ids[m.ID] = true
	}
}
