package replay_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// memBroker is a broker that redrives itself (sources.Redriver), held in
// memory: a dead-letter stream, target streams, and the deduplication keys
// it has seen (a JetStream duplicate window, say).
type memBroker struct {
	mu      sync.Mutex
	dlq     []sources.Message
	streams map[string][]sources.Message
	seen    map[string]bool
	// crashAfter, when > 0, makes Redrive stop with an error after that
	// many writes, the last of them written but not reported (killed
	// between the broker's acknowledgement and the report).
	crashAfter int
	// onWrite is called after each write (the test cancels from it).
	onWrite func(n int)
	// requests are the requests Redrive was given.
	requests []sources.RedriveRequest
}

var (
	_ sources.Redriver      = (*memBroker)(nil)
	_ sources.TargetChecker = (*memBroker)(nil)
)

func (b *memBroker) Name() string    { return "mem" }
func (b *memBroker) Kind() string    { return "mem" }
func (b *memBroker) Address() string { return "memory" }
func (b *memBroker) Close() error    { return nil }

// CheckTarget accepts the streams it holds.
func (b *memBroker) CheckTarget(_ context.Context, t sources.Target) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.streams[t.Stream]; !ok {
		return fmt.Errorf("%q: no such stream: %w", t.Stream, sources.ErrBadTarget)
	}
	return nil
}

// Redrive writes each item once per (id, position), removing the dead
// letter when asked.
func (b *memBroker) Redrive(ctx context.Context, req sources.RedriveRequest, report func(sources.RedriveOutcome)) error {
	b.mu.Lock()
	b.requests = append(b.requests, req)
	b.mu.Unlock()
	for i, it := range req.Items {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := req.ID + "/" + strconv.FormatInt(it.Message.Offset, 10)
		b.mu.Lock()
		if b.seen[key] {
			b.mu.Unlock()
			report(sources.RedriveOutcome{Item: i, Result: sources.RedriveAlreadyDone})
			continue
		}
		if string(it.Message.Value) == "poison" {
			b.mu.Unlock()
			report(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: errors.New("the broker refused it")})
			continue
		}
		b.seen[key] = true
		copyOf := sources.Message{Stream: it.Target.Stream, Value: it.Message.Value, Headers: it.Headers}
		if it.Value != nil {
			copyOf.Value = it.Value
		}
		b.streams[it.Target.Stream] = append(b.streams[it.Target.Stream], copyOf)
		if it.Remove {
			for j, m := range b.dlq {
				if m.Offset == it.Message.Offset {
					b.dlq = append(b.dlq[:j], b.dlq[j+1:]...)
					break
				}
			}
		}
		written := len(b.seen)
		b.mu.Unlock()
		if b.crashAfter > 0 && written == b.crashAfter {
			return errors.New("connection lost")
		}
		report(sources.RedriveOutcome{Item: i, Result: sources.RedriveWritten, Position: it.Target.Stream + "@" + strconv.Itoa(written)})
		if b.onWrite != nil {
			b.onWrite(written)
		}
	}
	return nil
}

// newMemBroker holds n dead letters of orders (values v0, v1...).
func newMemBroker(n int) *memBroker {
	b := &memBroker{streams: map[string][]sources.Message{"orders": nil, "parking": nil}, seen: map[string]bool{}}
	for i := range n {
		b.dlq = append(b.dlq, sources.Message{Conn: "mem", Stream: "orders.dlq", Partition: sources.NoPartition, Offset: int64(i),
			Value: []byte("v" + strconv.Itoa(i)), DeadLetter: &sources.DeadLetter{OriginStream: "orders", OriginPartition: sources.NoPartition, OriginOffset: int64(i)}})
	}
	return b
}

// held is what the broker holds now: the dead letters and each target.
func (b *memBroker) held() (dlq []sources.Message, targets map[string][]sources.Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	targets = map[string][]sources.Message{}
	for k, v := range b.streams {
		targets[k] = append([]sources.Message(nil), v...)
	}
	return append([]sources.Message(nil), b.dlq...), targets
}

// auditLines reads the audit log's lines of a redrive id.
func auditLines(t *testing.T, dir, id string) []replay.AuditRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []replay.AuditRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r replay.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if r.RedriveID == id {
			out = append(out, r)
		}
	}
	return out
}

// TestExecuteDrivesARedriver: a connection that redrives itself is driven
// by replay.Execute like any other: each dead letter written once to its
// target with the provenance headers, taken out of the DLQ, journalled
// and audited, and the run finished.
func TestExecuteDrivesARedriver(t *testing.T) {
	b := newMemBroker(5)
	dir := t.TempDir()
	dlq, _ := b.held()
	p, err := replay.NewPlan("orders.dlq", dlq, replay.Options{ID: "mem-1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.Execute(context.Background(), b, p, replay.RunOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop.Early() || res.Done != 5 || res.Failed != 0 || res.PerTarget["orders"] != 5 {
		t.Fatalf("result %+v", res)
	}
	left, targets := b.held()
	if len(left) != 0 || len(targets["orders"]) != 5 {
		t.Fatalf("%d left in the DLQ, %d in orders", len(left), len(targets["orders"]))
	}
	for i, m := range targets["orders"] {
		if id, ok := m.Header(replay.HeaderID); !ok || string(id) != "mem-1" || string(m.Value) != "v"+strconv.Itoa(i) {
			t.Fatalf("copy %d: %s %v", i, m.Value, m.Headers)
		}
	}
	audit := auditLines(t, dir, "mem-1")
	if len(audit) != 6 || audit[0].Result != "sent" || audit[0].Target != "orders" || audit[5].Action != "redrive-run" || audit[5].Counts["done"] != 5 {
		t.Fatalf("audit %+v", audit)
	}
}

// TestRedriverResumeWritesNothingTwice: a run that dies part way (one
// write acknowledged by the broker but never reported) is resumed with
// the same id: the journal leaves out what was reported, the broker's
// own deduplication answers for the one in doubt, and every dead letter
// is in the target exactly once.
func TestRedriverResumeWritesNothingTwice(t *testing.T) {
	b := newMemBroker(6)
	b.crashAfter = 3
	dir := t.TempDir()
	dlq, _ := b.held()
	plan := func() *replay.Plan {
		p, err := replay.NewPlan("orders.dlq", dlq, replay.Options{ID: "mem-2"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	res, err := replay.Execute(context.Background(), b, plan(), replay.RunOptions{StateDir: dir})
	if err == nil || res.Stop.Reason != replay.Failed || !res.Stop.Resumable() || res.Done != 2 {
		t.Fatalf("the first run: %v %+v", err, res)
	}
	b.crashAfter = 0
	res, err = replay.Execute(context.Background(), b, plan(), replay.RunOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop.Early() || res.Done != 3 || res.Duplicates != 3 {
		t.Fatalf("the resume: %+v", res)
	}
	if got := len(b.requests[1].Items); got != 4 {
		t.Fatalf("the resume handed the broker %d items, want the 4 not journalled", got)
	}
	_, targets := b.held()
	seen := map[string]int{}
	for _, m := range targets["orders"] {
		seen[string(m.Value)]++
	}
	if len(seen) != 6 {
		t.Fatalf("orders holds %v", seen)
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("%s is in orders %d times", v, n)
		}
	}
}

// TestRedriverFailuresAndCancel: an item the broker refuses stays in the
// DLQ and is reported; a run cancelled part way stops Cancelled and
// resumes.
func TestRedriverFailuresAndCancel(t *testing.T) {
	b := newMemBroker(4)
	b.dlq[1].Value = []byte("poison")
	dir := t.TempDir()
	dlq, _ := b.held()
	p, err := replay.NewPlan("orders.dlq", dlq, replay.Options{ID: "mem-3"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.Execute(context.Background(), b, p, replay.RunOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 3 || res.Failed != 1 || len(res.Failures) != 1 || res.Failures[0].Err != "the broker refused it" || res.Failures[0].Position != "1" {
		t.Fatalf("result %+v", res)
	}
	if left, _ := b.held(); len(left) != 1 || string(left[0].Value) != "poison" {
		t.Fatalf("the DLQ holds %v", left)
	}
	if audit := auditLines(t, dir, "mem-3"); audit[1].Result != "failed: the broker refused it" {
		t.Fatalf("audit %+v", audit)
	}

	c := newMemBroker(5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.onWrite = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	dlq, _ = c.held()
	p, err = replay.NewPlan("orders.dlq", dlq, replay.Options{ID: "mem-4"})
	if err != nil {
		t.Fatal(err)
	}
	res, err = replay.Execute(ctx, c, p, replay.RunOptions{StateDir: dir})
	if err != nil || res.Stop.Reason != replay.Cancelled || !res.Stop.Resumable() || res.Done != 2 {
		t.Fatalf("cancelled: %v %+v", err, res)
	}
	c.onWrite = nil
	if res, err = replay.Execute(context.Background(), c, p, replay.RunOptions{StateDir: dir}); err != nil || res.Done != 3 || res.Duplicates != 2 {
		t.Fatalf("resumed: %v %+v", err, res)
	}
}
