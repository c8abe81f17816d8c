package redis_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/redis"
)

// items makes a redrive of ms to target with the headers replay gives a
// copy: the message's own, then the provenance.
func items(ms []sources.Message, target, redriveID string, remove bool) []sources.RedriveItem {
	out := make([]sources.RedriveItem, len(ms))
	for i := range ms {
		out[i] = sources.RedriveItem{
			Message: ms[i], Target: sources.Target{Stream: target}, Remove: remove,
			Headers: append(slices.Clone(ms[i].Headers),
				sources.Header{Key: dlq.HeaderRedriveID, Value: []byte(redriveID)},
				sources.Header{Key: dlq.HeaderRedriveSource, Value: []byte(ms[i].Stream)},
				sources.Header{Key: dlq.HeaderRedrivePosition, Value: []byte(strconv.FormatInt(ms[i].Offset, 10))},
				sources.Header{Key: dlq.HeaderRedriveHops, Value: []byte("1")},
			),
		}
	}
	return out
}

// tally counts a run's outcomes.
type tally struct {
	mu                    sync.Mutex
	written, done, failed int
	settled               map[int]bool
	errs                  []error
}

func newTally() *tally { return &tally{settled: map[int]bool{}} }

func (t *tally) report(o sources.RedriveOutcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch o.Result {
	case sources.RedriveWritten:
		t.written++
		t.settled[o.Item] = true
	case sources.RedriveAlreadyDone:
		t.done++
		t.settled[o.Item] = true
	default:
		t.failed++
		t.errs = append(t.errs, o.Err)
	}
}

func (t *tally) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.written + t.done + t.failed
}

// unsettled are the items of req no outcome settled.
func (t *tally) unsettled(all []sources.RedriveItem) []sources.RedriveItem {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []sources.RedriveItem
	for i := range all {
		if !t.settled[i] {
			out = append(out, all[i])
		}
	}
	return out
}

// checkCopies reads target and fails unless it holds exactly one copy of
// each of n entries (seq 0..n-1), each with its provenance.
func (e *env) checkCopies(target string, n int) {
	e.t.Helper()
	ms := e.read(target, sources.ReadOptions{})
	seen := map[string]int{}
	for i := range ms {
		seq, _ := ms[i].Header("seq")
		seen[string(seq)]++
		if _, ok := ms[i].Header(dlq.HeaderRedriveID); !ok || ms[i].Redriven == nil {
			e.t.Fatalf("a copy without provenance: %+v", ms[i])
		}
	}
	dups, lost := 0, 0
	for i := 0; i < n; i++ {
		switch c := seen[strconv.Itoa(i)]; {
		case c == 0:
			lost++
		case c > 1:
			dups += c - 1
		}
	}
	if dups > 0 || lost > 0 || len(ms) != n {
		e.t.Fatalf("target %s: %d copies of %d entries: %d lost, %d duplicated", target, len(ms), n, lost, dups)
	}
}

// deadLetters makes n entries pending in group g, every one past the
// delivery limit, and reads them as dead letters.
func (e *env) deadLetters(stream string, n int) []sources.Message {
	e.t.Helper()
	ids := e.fill(stream, n)
	e.deliver(stream, "g", "c1")
	// As a consumer that failed each entry 4 times leaves it: past the
	// limit of 3.
	for done := 0; done < len(ids); done += 1000 {
		args := []any{"XCLAIM", stream, "g", "c1", 0}
		for _, id := range ids[done:min(len(ids), done+1000)] {
			args = append(args, id)
		}
		if err := e.raw.Do(e.ctx, append(args, "RETRYCOUNT", 4, "JUSTID")...).Err(); err != nil {
			e.t.Fatal(err)
		}
	}
	ms := e.read(redis.PendingName(stream, "g"), sources.ReadOptions{})
	if len(ms) != n {
		e.t.Fatalf("%d dead letters, want %d", len(ms), n)
	}
	return ms
}

func TestRedrivePendingOnceAndAgain(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, target := e.key("orders"), e.key("orders-retry")
	ms := e.deadLetters(s, 250)
	its := items(ms, target, e.prefix+"run", false)
	req := sources.RedriveRequest{ID: e.prefix + "run", Source: redis.PendingName(s, "g"), Items: its}
	var positions []string
	tl := newTally()
	if err := e.conn.Redrive(e.ctx, req, func(o sources.RedriveOutcome) { tl.report(o); positions = append(positions, o.Position) }); err != nil {
		t.Fatal(err)
	}
	if tl.written != 250 || tl.done != 0 || tl.failed != 0 {
		t.Fatalf("first run: %+v", tl)
	}
	if !strings.HasPrefix(positions[0], target+"@") {
		t.Fatalf("position %q", positions[0])
	}
	e.checkCopies(target, 250)
	if p := e.pendingCount(s, "g"); p != 0 || e.length(s) != 250 {
		t.Fatalf("after the run: %d pending, %d entries (want 0 and 250: acked, not deleted)", p, e.length(s))
	}
	copies := e.read(target, sources.ReadOptions{})
	if copies[7].Redriven.Source != redis.PendingName(s, "g") || string(copies[7].Value) != "7" {
		t.Fatalf("copy: %+v", copies[7])
	}
	tl2 := newTally()
	if err := e.conn.Redrive(e.ctx, req, tl2.report); err != nil {
		t.Fatal(err)
	}
	if tl2.written != 0 || tl2.done != 250 {
		t.Fatalf("second run: %+v", tl2)
	}
	e.checkCopies(target, 250)
}

// TestRedriveRemoveAndEdits: edited copies carry the edits and the
// provenance; Remove acknowledges the dead letters in their group and
// leaves the entries in the stream for a group that has not read them.
func TestRedriveRemoveAndEdits(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, target := e.key("orders"), e.key("orders-retry")
	id0 := e.add(s, "*", "type", "order", "payload", "old", "trace", "t1")
	id1 := e.add(s, "*", "a", "1", "b", "2")
	e.deliver(s, "g", "c1")
	if err := e.raw.XGroupCreate(e.ctx, s, "later", "0").Err(); err != nil { // a group that has read nothing yet
		t.Fatal(err)
	}
	ms := e.read(redis.PendingName(s, "g"), sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if len(ms) != 0 {
		t.Fatalf("not yet dead: %v", ms)
	}
	e.claim(s, "g", "c1", id0, 1, time.Hour)
	e.claim(s, "g", "c1", id1, 1, time.Hour)
	pr, err := e.conn.ReadPending(e.ctx, s, "g", redis.Limits{MaxIdle: time.Minute}, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err = sources.Drain(e.ctx, pr, 0)
	if err != nil || len(ms) != 2 {
		t.Fatalf("%v %d", err, len(ms))
	}
	its := items(ms, target, e.prefix+"edit", true)
	its[0].Value = []byte("new")
	its[1].Value = []byte(`{"a":"9","c":"3"}`)
	tl := newTally()
	if err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: e.prefix + "edit", Source: redis.PendingName(s, "g"), Items: its}, tl.report); err != nil {
		t.Fatal(err)
	}
	if tl.written != 2 {
		t.Fatalf("%+v", tl)
	}
	// Remove takes the dead letters out of g's pending list only: the
	// entries stay in the stream for the groups that have not read them.
	if e.length(s) != 2 || e.pendingCount(s, "g") != 0 {
		t.Fatalf("after the redrive: %d entries (want 2), %d pending in g (want 0)", e.length(s), e.pendingCount(s, "g"))
	}
	e.deliver(s, "later", "c2")
	if n := e.pendingCount(s, "later"); n != 2 {
		t.Fatalf("the group that had not read yet got %d of the 2 entries", n)
	}
	raw, err := e.raw.Do(e.ctx, "XRANGE", target, "-", "+").Slice()
	if err != nil {
		t.Fatal(err)
	}
	fields := func(i int) string {
		b, _ := json.Marshal(raw[i].([]any)[1])
		return string(b)
	}
	pos0 := strconv.FormatInt(ms[0].Offset, 10)
	if got := fields(0); !strings.HasPrefix(got, `["type","order","payload","new","trace","t1","x-mqscope-redrive-id",`) || !strings.Contains(got, pos0) {
		t.Fatalf("edited payload: %s", got)
	}
	if got := fields(1); !strings.HasPrefix(got, `["a","9","c","3","x-mqscope-redrive-id"`) {
		t.Fatalf("edited entry: %s", got)
	}
}

func TestRedriveDeadLetterStream(t *testing.T) {
	e := newEnv(t, redis.Options{})
	src, target := e.key("orders.dlq"), e.key("orders")
	e.fill(src, 120)
	ms := e.read(src, sources.ReadOptions{})
	if ms[0].DeadLetter == nil || ms[0].DeadLetter.OriginStream != target {
		t.Fatalf("a DLQ stream's entry: %+v", ms[0].DeadLetter)
	}
	// Kept in the DLQ: the run's marker set says what was copied.
	keep := sources.RedriveRequest{ID: e.prefix + "keep", Source: src, Items: items(ms[:60], target, e.prefix+"keep", false)}
	for run := 0; run < 2; run++ {
		tl := newTally()
		if err := e.conn.Redrive(e.ctx, keep, tl.report); err != nil {
			t.Fatal(err)
		}
		if run == 0 && tl.written != 60 || run == 1 && tl.done != 60 {
			t.Fatalf("run %d: %+v", run, tl)
		}
	}
	if e.length(src) != 120 {
		t.Fatal("a run without Remove deleted entries")
	}
	ttl, err := e.raw.TTL(e.ctx, redis.MarkerKey(e.prefix+"keep", src)).Result()
	if err != nil || ttl <= 0 || ttl > redis.MarkerTTL {
		t.Fatalf("marker ttl %v %v", ttl, err)
	}
	// Moved: XADD and XDEL together.
	move := sources.RedriveRequest{ID: e.prefix + "move", Source: src, Items: items(ms[60:], target, e.prefix+"move", true)}
	for run := 0; run < 2; run++ {
		tl := newTally()
		if err := e.conn.Redrive(e.ctx, move, tl.report); err != nil {
			t.Fatal(err)
		}
		if run == 0 && tl.written != 60 || run == 1 && tl.done != 60 {
			t.Fatalf("move run %d: %+v", run, tl)
		}
	}
	if e.length(src) != 60 || e.length(target) != 120 {
		t.Fatalf("dlq %d target %d", e.length(src), e.length(target))
	}
	e.checkCopies(target, 120)
}

func TestRedriveBadTarget(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, hash := e.key("orders"), e.key("a-hash")
	ms := e.deadLetters(s, 10)
	if err := e.raw.HSet(e.ctx, hash, "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	view := redis.PendingName(s, "g")
	for _, bad := range []sources.Target{{Stream: hash}, {Stream: view}, {Stream: ""}, {Stream: "x", Exchange: true}} {
		if err := e.conn.CheckTarget(e.ctx, bad); !errors.Is(err, sources.ErrBadTarget) {
			t.Errorf("target %+v: %v", bad, err)
		}
	}
	if st, err := e.conn.Target(e.ctx, sources.Target{Stream: e.key("new")}); err != nil || st.Exists || !strings.Contains(st.String(), "creates it") {
		t.Fatalf("a new stream: %+v %v", st, err)
	}
	if st, err := e.conn.Target(e.ctx, sources.Target{Stream: s}); err != nil || !st.Exists || st.Length != 10 {
		t.Fatalf("the origin: %+v %v", st, err)
	}
	tl := newTally()
	err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: e.prefix + "bad", Source: view, Items: items(ms, hash, e.prefix+"bad", false)}, tl.report)
	if err != nil || tl.failed != 10 || !strings.Contains(tl.errs[0].Error(), "WRONGTYPE") {
		t.Fatalf("to a hash: %v %+v", err, tl)
	}
	tl = newTally()
	err = e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: e.prefix + "bad", Source: view, Items: items(ms, view, e.prefix+"bad", false)}, tl.report)
	if err != nil || tl.failed != 10 || !errors.Is(tl.errs[0], sources.ErrBadTarget) {
		t.Fatalf("to the source: %v %+v", err, tl)
	}
	if p := e.pendingCount(s, "g"); p != 10 {
		t.Fatalf("a refused run acked entries: %d pending", p)
	}
}

// clients counts the connections named name.
func (e *env) clients(name string) int {
	list, err := e.raw.ClientList(e.ctx).Result()
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Count(list, " name="+name+" ")
}

// killClients kills the connections named name (CLIENT KILL ID), and only
// those: the server may have other users.
func (e *env) killClients(name string) int {
	list, err := e.raw.ClientList(e.ctx).Result()
	if err != nil {
		e.t.Error(err)
		return 0
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if e.raw.Do(e.ctx, "CLIENT", "KILL", "ID", id).Err() == nil {
					n++
				}
			}
		}
	}
	return n
}

func TestRedriveSurvivesKilledConnections(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, target := e.key("orders"), e.key("orders-retry")
	const n = 20000
	all := items(e.deadLetters(s, n), target, e.prefix+"kill", false)
	req := sources.RedriveRequest{ID: e.prefix + "kill", Source: redis.PendingName(s, "g"), Items: all}
	tl := newTally()
	stop := make(chan struct{})
	var killed atomic.Int64
	go func() {
		for _, at := range []int{2000, 8000, 14000} {
			for tl.count() < at {
				select {
				case <-stop:
					return
				default:
					time.Sleep(time.Millisecond)
				}
			}
			killed.Add(int64(e.killClients(e.name)))
		}
	}()
	err := e.conn.Redrive(e.ctx, req, tl.report)
	close(stop)
	t.Logf("first run: %v; %d written, %d done before; %d connections killed", err, tl.written, tl.done, killed.Load())
	index := map[string]int{}
	for j := range all {
		index[all[j].Message.ID] = j
	}
	for try := 0; try < 5 && len(tl.unsettled(all)) > 0; try++ {
		rest := tl.unsettled(all)
		again := newTally()
		if err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: req.ID, Source: req.Source, Items: rest}, again.report); err != nil {
			t.Logf("run again: %v", err)
		}
		for i, it := range rest {
			if again.settled[i] {
				tl.settled[index[it.Message.ID]] = true
			}
		}
	}
	if killed.Load() == 0 {
		t.Fatal("no connection was killed: the run ended first")
	}
	if p := e.pendingCount(s, "g"); p != 0 {
		t.Fatalf("%d still pending", p)
	}
	e.checkCopies(target, n)
}

func TestRedriveCancelledThenRunAgain(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, target := e.key("orders"), e.key("orders-retry")
	const n = 5000
	all := items(e.deadLetters(s, n), target, e.prefix+"cancel", false)
	req := sources.RedriveRequest{ID: e.prefix + "cancel", Source: redis.PendingName(s, "g"), Items: all}
	ctx, cancel := context.WithCancel(e.ctx)
	tl := newTally()
	err := e.conn.Redrive(ctx, req, func(o sources.RedriveOutcome) {
		tl.report(o)
		if o.Item == 150 {
			go cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled run: %v (%d written)", err, tl.written)
	}
	if tl.written >= n {
		t.Fatalf("the run finished before it was cancelled")
	}
	again := newTally()
	if err := e.conn.Redrive(e.ctx, req, again.report); err != nil { // the same id, every item
		t.Fatal(err)
	}
	// What the server ran after the cancel, unreported, is already done now.
	if again.written+again.done != n || again.done < tl.written || again.failed != 0 {
		t.Fatalf("first %d written; again %d written, %d already done", tl.written, again.written, again.done)
	}
	e.checkCopies(target, n)
}

// childEnv carries a redrive for a child process to run (and be killed in).
const childEnv = "MQSCOPE_REDIS_TEST_REDRIVE"

// childJob is what the child runs.
type childJob struct {
	Source, Target, ID, Name string
}

// redriveChild runs the job in childEnv, printing one line an outcome.
func redriveChild() int {
	var job childJob
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	conn, err := redis.Dial(ctx, redis.Options{URL: "redis://" + serverAddr, ClientName: job.Name})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer conn.Close()
	sub, err := conn.Read(ctx, job.Source, sources.ReadOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ms, err := sources.Drain(ctx, sub, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	err = conn.Redrive(ctx, sources.RedriveRequest{ID: job.ID, Source: job.Source, Items: items(ms, job.Target, job.ID, false)}, func(o sources.RedriveOutcome) {
		fmt.Fprintln(out, o.Item, int(o.Result))
		_ = out.Flush()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestRedriveSurvivesTheProcessKilled(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, target := e.key("orders"), e.key("orders-retry")
	const n = 10000
	ms := e.deadLetters(s, n)
	child := e.name + "-child"
	job, _ := json.Marshal(childJob{Source: redis.PendingName(s, "g"), Target: target, ID: e.prefix + "crash", Name: child})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(job))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	seen := 0
	for seen < 1000 && lines.Scan() {
		seen++
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		seen++
	}
	werr := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v (it reported %d)", werr, seen)
	}
	if seen >= n {
		t.Fatalf("the child finished (%d outcomes) before it was killed", seen)
	}
	// The server may still run what the child wrote before it died: wait
	// until its connections are gone before counting.
	for try := 0; e.clients(child) > 0; try++ {
		if try == 1000 {
			t.Fatal("the killed child's connections stay open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	left := e.pendingCount(s, "g")
	t.Logf("killed after %d outcomes reported; %d still pending, %d copies written", seen, left, e.length(target))
	tl := newTally()
	req := sources.RedriveRequest{ID: e.prefix + "crash", Source: redis.PendingName(s, "g"), Items: items(ms, target, e.prefix+"crash", false)}
	if err := e.conn.Redrive(e.ctx, req, tl.report); err != nil {
		t.Fatal(err)
	}
	if tl.failed != 0 || tl.written != int(left) || tl.done != n-int(left) {
		t.Fatalf("the run again: %+v (left %d)", tl, left)
	}
	e.checkCopies(target, n)
}
