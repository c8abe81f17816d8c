package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// holdingConn is a Redis connection whose redrive, after hold outcomes,
// waits in its report until the run is stopped: a quit key then comes
// while the run is surely under way, with script calls in flight.
type holdingConn struct {
	*redis.Conn
	hold int
	held chan struct{} // closed when the run waits
	once sync.Once
}

// Redrive is the connection's, its report held after c.hold outcomes.
func (c *holdingConn) Redrive(ctx context.Context, req sources.RedriveRequest, report func(sources.RedriveOutcome)) error {
	n := 0
	return c.Conn.Redrive(ctx, req, func(o sources.RedriveOutcome) {
		report(o)
		if n++; n == c.hold {
			c.once.Do(func() { close(c.held) })
			<-ctx.Done()
		}
	})
}

// quitFixture is a Model on a messages page whose redrive dialog runs a
// redrive of a Redis DLQ stream of n entries, held after hold outcomes.
type quitFixture struct {
	t              *testing.T
	m              *Model
	d              *redriveDialog
	conn           *holdingConn
	raw            *goredis.Client
	dlq, origin    string
	state          string
	pending        []tea.Cmd
	n              int
	quitSeen       bool
	stoppedLogSeen bool
}

func newQuitFixture(t *testing.T, n, hold int) *quitFixture {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	f := &quitFixture{t: t, raw: raw, dlq: prefix + "h.dlq", origin: prefix + "h", state: t.TempDir(), n: n}
	for done := 0; done < n; done += 1000 {
		pipe := raw.Pipeline()
		for i := done; i < min(n, done+1000); i++ {
			pipe.XAdd(ctx, &goredis.XAddArgs{Stream: f.dlq, Values: []any{"value", "x", "seq", fmt.Sprint(i)}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: f.origin, Values: []any{"value", "x"}}).Err(); err != nil {
		t.Fatal(err)
	}
	rc, err := redis.Dial(ctx, redis.Options{Name: "redis", URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() }) // before the keys' deletion (registered earlier, run later)
	f.conn = &holdingConn{Conn: rc, hold: hold, held: make(chan struct{})}
	sub, err := rc.Read(ctx, f.dlq, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sources.Drain(ctx, sub, 0)
	if err != nil || len(msgs) != n {
		t.Fatalf("read %d of %d: %v", len(msgs), n, err)
	}
	c := testCommon(140, 40)
	c.StateDir = f.state
	c.Now = time.Now
	f.m = newModel(c, []sources.Conn{f.conn})
	p := newMessagesPage(c, f.conn, sources.StreamInfo{Name: f.dlq})
	p.pid = 50
	f.m.stack = append(f.m.stack, p)
	f.d = newRedriveDialog(c, f.conn, p.pid, f.dlq, msgs, false)
	p.openOverlay(redriveOverlay{f.d})
	f.d.targetsChecked(f.d.replan()().(redriveTargetsChecked))
	if f.d.targetErr != nil {
		t.Fatal(f.d.targetErr)
	}
	f.pending = append(f.pending, f.d.start())
	select {
	case <-f.conn.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the redrive never wrote its first outcomes")
	}
	return f
}

// key hands a key to the Model and keeps the Cmd it returns.
func (f *quitFixture) key(msg tea.KeyMsg) tea.Cmd {
	_, cmd := f.m.Update(msg)
	return cmd
}

// settle runs the dialog's Cmds (the run's reports) until the run's end
// is on the page.
func (f *quitFixture) settle() {
	for len(f.pending) > 0 && f.d.state != redriveDone {
		cmd := f.pending[0]
		f.pending = f.pending[1:]
		if cmd == nil {
			continue
		}
		msg := cmd()
		if _, ok := msg.(tea.QuitMsg); ok {
			f.quitSeen = true
		}
		_, next := f.m.Update(msg)
		f.pending = append(f.pending, next)
	}
	if f.d.state != redriveDone {
		f.t.Fatal("the run's reports ended without its end")
	}
}

// counts checks the run's count against the copies in the target, the
// marker set, the entries gone from the DLQ and the audit's sent lines,
// and that the audit ends with the run's line.
func (f *quitFixture) counts() {
	f.t.Helper()
	ctx := context.Background()
	done := f.d.res.Done
	copies := int(f.raw.XLen(ctx, f.origin).Val()) - 1
	marked := int(f.raw.SCard(ctx, redis.MarkerKey(f.d.plan.ID, f.dlq)).Val())
	gone := f.n - int(f.raw.XLen(ctx, f.dlq).Val())
	sent, last := 0, ""
	file, err := os.Open(filepath.Join(f.state, "audit.jsonl"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var l struct{ Action, Result string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			f.t.Fatal(err)
		}
		if l.Action == "redrive" && l.Result == "sent" {
			sent++
		}
		last = l.Action + " " + l.Result
	}
	if done >= f.n || done != copies || done != marked || done != gone || done != sent {
		f.t.Fatalf("%d redriven; %d copies, %d marked, %d gone from the DLQ, %d sent in the audit", done, copies, marked, gone, sent)
	}
	if last != "redrive-run stopped: cancelled" {
		f.t.Fatalf("the audit's last line: %q", last)
	}
}

// TestCtrlCDuringARedriveStopsItThenQuits: ctrl+c while a redrive runs
// does not quit: it stops the run, the status line says so, the run
// settles and its summary shows with the resume hint, every copy counted
// and audited; ctrl+c then quits.
func TestCtrlCDuringARedriveStopsItThenQuits(t *testing.T) {
	f := newQuitFixture(t, 3000, 500)
	if cmd := f.key(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd != nil {
		t.Fatal("ctrl+c during a redrive returned a Cmd: it may quit")
	}
	if f.d.state != redriveRunning || len(f.m.stopping) != 1 {
		t.Fatalf("after ctrl+c: state %d, %d stopping", f.d.state, len(f.m.stopping))
	}
	if v := f.m.View(); !strings.Contains(v, "stopping the redrive… (ctrl+c again to quit now)") {
		t.Fatalf("the status line while it stops:\n%s", v)
	}
	f.settle()
	if f.quitSeen {
		t.Fatal("the program quit before the summary")
	}
	v := f.m.View()
	for _, want := range []string{"stopped: cancelled", "resume: redrive again with id rd-test", "redrive stopped: q or ctrl+c again quits"} {
		if !strings.Contains(v, want) {
			t.Errorf("after the run settled the view lacks %q:\n%s", want, v)
		}
	}
	if len(f.m.stopping) != 0 {
		t.Fatal("still stopping after the run settled")
	}
	f.counts()
	cmd := f.key(tea.KeyMsg{Type: tea.KeyCtrlC})
	if cmd == nil {
		t.Fatal("ctrl+c after the summary did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c after the summary did not quit")
	}
}

// TestQDuringARedriveStopsItAndCtrlCAgainQuitsOnceSettled: q stops the
// run as ctrl+c does; ctrl+c again while it settles quits, once the run
// has settled (everything audited), not before.
func TestQDuringARedriveStopsItAndCtrlCAgainQuitsOnceSettled(t *testing.T) {
	f := newQuitFixture(t, 3000, 500)
	if cmd := f.key(keyPress("q")); cmd != nil {
		t.Fatal("q during a redrive returned a Cmd: it may quit")
	}
	if len(f.m.stopping) != 1 {
		t.Fatal("q did not stop the run")
	}
	quit := f.key(tea.KeyMsg{Type: tea.KeyCtrlC})
	if quit == nil {
		t.Fatal("ctrl+c again while settling returned nothing")
	}
	if v := f.m.View(); !strings.Contains(v, "quitting once the redrive has settled") {
		t.Fatalf("the status line while it settles to quit:\n%s", v)
	}
	msg := quit() // returns once the run settled (or after quitWait)
	if _, ok := msg.(quitNow); !ok {
		t.Fatalf("the quit Cmd returned %T", msg)
	}
	select {
	case <-f.d.settled:
	default:
		t.Fatal("the quit came before the run settled")
	}
	_, cmd := f.m.Update(msg)
	if cmd == nil {
		t.Fatal("no quit after the run settled")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("no quit after the run settled")
	}
	// The pages are closed: the run's end is read from its reports.
	for msg := range f.d.updates {
		if fin, ok := msg.(redriveFinished); ok {
			f.d.res = fin.res
		}
	}
	f.counts()
}
