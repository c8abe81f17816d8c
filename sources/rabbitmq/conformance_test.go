package rabbitmq_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// The conformance suite: every redrive transport keeps one contract
// (heartbeats, logins, the broker's blocks of publishing, one journal
// identity), tested on the real RabbitMQ through a proxy of the test's
// own (proxy_test.go), each test in a vhost of its own.

// transport is one way a redrive runs.
type transport struct {
	name string
	// redriver is the connection as this transport's redriver.
	redriver func(c *rabbitmq.Conn) sources.StreamRedriver
	// all runs over the whole queue; else over the plan's selection.
	all bool
}

// transports are the three: pass-through over two hand-framed
// connections (the whole queue without edits), hand-framed reads with
// amqp091-go publishes (a selection), amqp091-go alone.
var transports = []transport{
	{"pass-through", func(c *rabbitmq.Conn) sources.StreamRedriver { return c }, true},
	{"decoded", func(c *rabbitmq.Conn) sources.StreamRedriver { return c }, false},
	{"amqp091-go", rabbitmq.AMQPClientOnly, true},
}

// confEnv is a vhost with the queue work, dead-lettering into work.dlq,
// and n dead letters there, reached through a proxy.
type confEnv struct {
	*env
	proxy      *amqpProxy
	proxiedURL string
	want       []string
}

func newConfEnv(t *testing.T, n int, idleDrop time.Duration) *confEnv {
	t.Helper()
	e := &confEnv{env: newEnv(t)}
	e.queue("work", amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "work.dlq"})
	e.queue("work.dlq", nil)
	for i := range n {
		body := fmt.Sprintf("m-%d", i)
		e.want = append(e.want, body)
		e.publish("", "work", amqp.Publishing{Body: []byte(body), MessageId: body, Headers: amqp.Table{"n": int32(i)}})
	}
	e.waitDepth("work", n)
	for range n {
		d, ok, err := e.app.Get("work", false)
		if err != nil || !ok {
			t.Fatalf("work ran dry: %v", err)
		}
		e.must(d.Reject(false))
	}
	e.waitDepth("work.dlq", n)
	e.proxy, e.proxiedURL = newProxy(t, e.url, idleDrop)
	return e
}

// dialProxied is a connection through the proxy; rawQuery is added to its
// URL.
func (e *confEnv) dialProxied(rawQuery string, opts ...func(*rabbitmq.Options)) *rabbitmq.Conn {
	e.t.Helper()
	u, err := url.Parse(e.proxiedURL)
	e.must(err)
	u.RawQuery = rawQuery
	return e.dial(append([]func(*rabbitmq.Options){func(o *rabbitmq.Options) { o.URL = u.String() }}, opts...)...)
}

// plan is the plan of every dead letter in work.dlq, back to work.
func (e *confEnv) plan(c *rabbitmq.Conn) *replay.Plan {
	e.t.Helper()
	p, err := replay.NewPlan("work.dlq", read(e.t, c, "work.dlq", sources.ReadOptions{}, len(e.want)), replay.Options{})
	e.must(err)
	return p
}

// moved checks work holds every dead letter once and work.dlq none.
func (e *confEnv) moved() {
	e.t.Helper()
	e.waitDepth("work.dlq", 0)
	got := bodies(read(e.t, e.dial(), "work", sources.ReadOptions{}, len(e.want)))
	slices.Sort(got)
	want := slices.Clone(e.want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		e.t.Fatalf("work holds %d messages %v, want each of the %d dead letters once", len(got), got, len(want))
	}
}

// movedOnce checks work holds every dead letter, each once but for at
// most possible copies reported as possibly sent twice (acknowledgements
// in flight when a connection was cut: the broker may have taken them or
// not), and work.dlq none.
func (e *confEnv) movedOnce(possible int) {
	e.t.Helper()
	e.waitDepth("work.dlq", 0)
	got := map[string]int{}
	for _, b := range bodies(read(e.t, e.dial(), "work", sources.ReadOptions{}, 0)) {
		got[b]++
	}
	extra := 0
	for _, w := range e.want {
		if got[w] == 0 {
			e.t.Errorf("%s: lost", w)
		}
		extra += max(got[w]-1, 0)
		delete(got, w)
	}
	if len(got) > 0 || extra > possible {
		e.t.Fatalf("work holds %d copies too many (%d reported as possible) and %d unknown messages", extra, possible, len(got))
	}
}

// consumers is how many consumers a queue has.
func (e *confEnv) consumers(q string) int {
	e.t.Helper()
	st, err := e.app.QueueDeclarePassive(q, true, false, false, false, nil)
	e.must(err)
	return st.Consumers
}

// waitFor polls cond until it holds (failing after a minute).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pausedRun is a redrive started with its breaker tripped: it opens its
// connections and waits for Resume.
type pausedRun struct {
	guard *replay.Guard
	done  chan struct{}
	res   replay.Result
	err   error
}

func startPaused(e *confEnv, tr transport, c *rabbitmq.Conn) *pausedRun {
	e.t.Helper()
	g := replay.NewGuard(0.1, time.Hour)
	g.Returned(5) // tripped before the run starts: it waits for a person's answer
	if paused, _ := g.Paused(); !paused {
		e.t.Fatal("the guard did not trip")
	}
	r := &pausedRun{guard: g, done: make(chan struct{})}
	p := e.plan(c)
	go func() {
		defer close(r.done)
		r.res, r.err = replay.RedriveStreamed(context.Background(), tr.redriver(c), p, tr.all, replay.RunOptions{Guard: g})
	}()
	waitFor(e.t, "the run's consumer", func() bool { return e.consumers("work.dlq") == 1 })
	return r
}

func (r *pausedRun) finish(t *testing.T) replay.Result {
	t.Helper()
	r.guard.Resume()
	<-r.done
	if r.err != nil {
		t.Fatalf("run: %v (%+v)", r.err, r.res)
	}
	if r.res.Stop.Reason != replay.Finished || r.res.Failed != 0 {
		t.Fatalf("run ended %s with %d failed", r.res.Stop, r.res.Failed)
	}
	return r.res
}

// TestConformanceHeartbeatsAreNegotiatedAndSent: on every transport, each
// connection of a paused run (and the connection it runs on) takes the
// heartbeat interval asked for (1s) and sends heartbeats while nothing
// else is written.
func TestConformanceHeartbeatsAreNegotiatedAndSent(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e := newConfEnv(t, 5, 0)
			c := e.dialProxied("", func(o *rabbitmq.Options) { o.Heartbeat = time.Second })
			run := startPaused(e, tr, c)
			waitFor(t, "three heartbeats from every connection", func() bool {
				st := e.proxy.stats()
				return len(st.heartbeats) >= 2 && slices.Min(st.heartbeats) >= 3
			})
			run.finish(t)
			e.moved()
		})
	}
}

// TestConformancePausedRunKeepsItsConnections: a run paused for two
// minutes behind a proxy that drops connections idle for 30s (a load
// balancer) keeps its connections alive with heartbeats and, resumed,
// finishes on them: none dropped, none dialled again.
func TestConformancePausedRunKeepsItsConnections(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			e := newConfEnv(t, 20, 30*time.Second)
			c := e.dialProxied("")
			run := startPaused(e, tr, c)
			before := e.proxy.stats()
			time.Sleep(2 * time.Minute)
			during := e.proxy.stats()
			if during.dropped != 0 || during.dials != before.dials {
				t.Fatalf("paused two minutes: %d connections dropped as idle, %d dials then %d", during.dropped, before.dials, during.dials)
			}
			for i, n := range during.heartbeats {
				if n == 0 {
					t.Fatalf("connection %d of %d sent no heartbeat in two minutes: %v", i+1, during.dials, during.heartbeats)
				}
			}
			run.finish(t)
			if after := e.proxy.stats(); after.dials != before.dials || after.dropped != 0 {
				t.Fatalf("the run dialled %d connections again (%d dropped)", after.dials-before.dials, after.dropped)
			}
			e.moved()
		})
	}
}

// TestConformanceLogins: PLAIN and AMQPLAIN, chosen by the URL's
// auth_mechanism as amqp091-go chooses, log in every connection of every
// transport.
func TestConformanceLogins(t *testing.T) {
	for _, mech := range []string{"PLAIN", "AMQPLAIN"} {
		for _, tr := range transports {
			t.Run(mech+"/"+tr.name, func(t *testing.T) {
				e := newConfEnv(t, 5, 0)
				c := e.dialProxied("auth_mechanism=" + mech)
				res, err := replay.RedriveStreamed(context.Background(), tr.redriver(c), e.plan(c), tr.all, replay.RunOptions{})
				if err != nil || res.Stop.Reason != replay.Finished {
					t.Fatalf("run: %v, %s", err, res.Stop)
				}
				st := e.proxy.stats()
				for i, m := range st.mechanisms {
					if m != mech {
						t.Fatalf("connection %d of %d logged in with %q, want %s: %v", i+1, st.dials, m, mech, st.mechanisms)
					}
				}
				e.moved()
			})
		}
	}
}

// TestConformanceWrongPasswordSaysSo: a run whose user's password changed
// since the connection was opened fails to open on every transport with
// ErrAuth, saying to check the credentials, and leaves the queue as it was.
func TestConformanceWrongPasswordSaysSo(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e := newConfEnv(t, 3, 0)
			user := testUser(t, e.env, "right")
			u, err := url.Parse(e.proxiedURL)
			e.must(err)
			u.User = url.UserPassword(user, "right")
			c := e.dial(func(o *rabbitmq.Options) { o.URL = u.String() })
			p := e.plan(c)
			setPassword(t, user, "changed")
			_, err = replay.RedriveStreamed(context.Background(), tr.redriver(c), p, tr.all, replay.RunOptions{})
			if !errors.Is(err, rabbitmq.ErrAuth) {
				t.Fatalf("run with a wrong password: %v, want rabbitmq.ErrAuth", err)
			}
			t.Logf("%s: %v", tr.name, err)
			if n := e.depth("work.dlq"); n != 3 {
				t.Fatalf("work.dlq holds %d, want 3", n)
			}
		})
	}
}

// TestConformanceBrokerBlocksPublishing: the broker blocks publishing
// (connection.blocked, injected by the proxy, which holds what clients
// send until connection.unblocked): the run says so in its progress,
// typed, waits, and once unblocked finishes with nothing failed, lost or
// duplicated.
func TestConformanceBrokerBlocksPublishing(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e := newConfEnv(t, 30, 0)
			c := e.dialProxied("")
			var mu sync.Mutex
			var seen []string // the block of each progress report
			var blockOnce, unblockOnce sync.Once
			progress := func(pr replay.Progress) {
				mu.Lock()
				defer mu.Unlock()
				now := ""
				if pr.Blocked != nil {
					now = pr.Blocked.String()
					unblockOnce.Do(func() { go e.proxy.unblock() })
				}
				switch {
				case len(seen) == 0 && now == "":
					if pr.Done > 0 {
						blockOnce.Do(func() { go e.proxy.block("low on memory") })
					}
				case len(seen) == 0 || seen[len(seen)-1] != now:
					seen = append(seen, now)
				}
			}
			res, err := replay.RedriveStreamed(context.Background(), tr.redriver(c), e.plan(c), tr.all, replay.RunOptions{Rate: 30, OnProgress: progress})
			if err != nil || res.Stop.Reason != replay.Finished || res.Failed != 0 || res.Blocked != nil {
				t.Fatalf("run: %v, %s, %d failed, blocked %v", err, res.Stop, res.Failed, res.Blocked)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(seen, []string{"the broker blocked publishing: low on memory", ""}) {
				t.Fatalf("progress said %q, want the block and then its end", seen)
			}
			e.moved()
		})
	}
}

// TestConformanceResumeAcrossTransports: a run on one transport loses its
// consuming connection after ten confirms (the proxy cuts it), so what it
// had confirmed last is journalled and not acknowledged; a resume with the
// same id on another transport acknowledges those without sending them
// and redrives the rest: nothing is lost, and every dead letter reaches
// the target once but for the copies reported as possibly sent twice.
func TestConformanceResumeAcrossTransports(t *testing.T) {
	for i, first := range transports {
		then := transports[(i+1)%len(transports)]
		t.Run(first.name+"-then-"+then.name, func(t *testing.T) {
			e := newConfEnv(t, 40, 0)
			e.proxy.cutAfter = 10
			c := e.dialProxied("")
			p := e.plan(c)
			dir := t.TempDir()
			j, err := replay.OpenJournal(dir, p.ID)
			e.must(err)
			res1, err := replay.RedriveStreamed(context.Background(), first.redriver(c), p, first.all, replay.RunOptions{Rate: 20, Journal: j})
			j.Close()
			if err == nil {
				t.Fatalf("first run went on after its consumer was cut: %v, %s", err, res1.Stop)
			}
			j2, err := replay.OpenJournal(dir, p.ID)
			e.must(err)
			defer j2.Close()
			res2, err := replay.RedriveStreamed(context.Background(), then.redriver(e.dial()), p, then.all, replay.RunOptions{Journal: j2})
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			t.Logf("first run %d done; resume %d done, %d acknowledged without sending, %d possible copies", res1.Done, res2.Done, res2.Duplicates, res2.PossibleCopies())
			if res2.Duplicates == 0 {
				t.Fatal("the resume acknowledged nothing without sending: it did not know what the first run confirmed")
			}
			e.movedOnce(res2.PossibleCopies())
		})
	}
}

// testUser creates a user of the test's own with password, allowed
// everything in e's vhost, and deletes it when the test ends.
func testUser(t *testing.T, e *env, password string) string {
	t.Helper()
	user := "mqscope-" + e.vhost
	mgmtDo(t, "PUT", "/api/users/"+url.PathEscape(user), map[string]string{"password": password, "tags": ""})
	mgmtDo(t, "PUT", "/api/permissions/"+url.PathEscape(e.vhost)+"/"+url.PathEscape(user), map[string]string{"configure": ".*", "write": ".*", "read": ".*"})
	t.Cleanup(func() { mgmtDo(t, "DELETE", "/api/users/"+url.PathEscape(user), nil) })
	return user
}

func setPassword(t *testing.T, user, password string) {
	t.Helper()
	mgmtDo(t, "PUT", "/api/users/"+url.PathEscape(user), map[string]string{"password": password, "tags": ""})
}

// mgmtDo calls the management API the tests use.
func mgmtDo(t *testing.T, method, path string, body any) {
	t.Helper()
	_, api := testbroker.RabbitURLs()
	u, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.Scheme+"://"+u.Host+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	req.SetBasicAuth(u.User.Username(), pass)
	req.Header.Set("Content-Type", "application/json")
	req.Close = true // no idle connection left behind
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, msg)
	}
}
