package ui

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// session drives a root model like the Bubble Tea loop: Cmds run in
// goroutines and their messages go back to Update, until a condition holds.
type session struct {
	m    *Model
	msgs chan tea.Msg
}

func newSession(m *Model) *session {
	s := &session{m: m, msgs: make(chan tea.Msg, 256)}
	s.m.Update(tea.WindowSizeMsg{Width: m.c.Width, Height: m.c.Height})
	s.run(m.Init())
	return s
}

func (s *session) run(c tea.Cmd) {
	if c != nil {
		go func() { s.msgs <- c() }()
	}
}

// key presses a key and runs what it starts.
func (s *session) key(k string) {
	_, cmd := s.m.Update(keyPress(k))
	s.run(cmd)
}

// until feeds messages to the model until stop holds (15 s at most).
func (s *session) until(t *testing.T, what string, stop func() bool) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for !stop() {
		select {
		case msg := <-s.msgs:
			switch msg := msg.(type) {
			case nil:
			case tea.BatchMsg:
				for _, c := range msg {
					s.run(c)
				}
			default:
				_, cmd := s.m.Update(msg)
				s.run(cmd)
			}
		case <-deadline:
			t.Fatalf("waiting for %s; the screen:\n%s", what, s.m.View())
		}
	}
}

func (s *session) shows(parts ...string) func() bool {
	return func() bool {
		v := s.m.View()
		for _, p := range parts {
			if !strings.Contains(v, p) {
				return false
			}
		}
		return true
	}
}

func kafkaSpec(name, addr string) ConnSpec {
	return ConnSpec{Name: name, Kind: "kafka", Address: addr, Dial: func(ctx context.Context) (sources.Conn, error) {
		return kafka.Dial(ctx, kafka.Options{Name: name, Brokers: []string{addr}})
	}}
}

// TestEachConnectionOpensOnItsOwn: among a good Kafka, an unreachable one,
// a RabbitMQ with a wrong password and a Kafka that is not up yet, the
// list shows each with its own state and the failures by name and
// reason; the good one opens while the others failed; r retries a failed
// one, which opens once its broker is up.
func TestEachConnectionOpensOnItsOwn(t *testing.T) {
	good := filledTopic(t, "orders", 3, []byte("x"))
	lateAddr, startLate := testbroker.RestartableKafka(t, "late-topic")
	amqpURL, _ := testbroker.RabbitURLs()
	u, err := url.Parse(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "wrong-password")
	wrong := u.String()
	specs := []ConnSpec{
		kafkaSpec("good", good.Address()),
		kafkaSpec("away", "127.0.0.1:1"),
		{Name: "wrongpw", Kind: "rabbitmq", Address: rabbitmq.RedactURL(wrong), Dial: func(ctx context.Context) (sources.Conn, error) {
			return rabbitmq.Dial(ctx, rabbitmq.Options{Name: "wrongpw", URL: wrong})
		}},
		kafkaSpec("late", lateAddr),
	}
	c := testCommon(160, 30)
	m := NewConnections(c, specs)
	defer func() {
		m.Stop()
		for _, conn := range m.Conns() {
			conn.Close()
		}
	}()
	s := newSession(m)
	if v := m.View(); !strings.Contains(v, "connecting…") || !strings.Contains(v, "wrongpw") {
		t.Fatalf("first frame:\n%s", v)
	}
	p := m.stack[0].(*connsPage)
	s.until(t, "every connection settled", func() bool { ready, failed := p.counts(); return ready+failed == 4 })
	if ready, failed := p.counts(); ready != 1 || failed != 3 || p.entries[0].state != connReady {
		t.Fatalf("%d ready, %d failed:\n%s", ready, failed, m.View())
	}
	if v := m.View(); !strings.Contains(v, "4 connections: 1 ready, 3 failed\n") || !strings.Contains(v, "r retry") {
		t.Fatalf("the list:\n%s", v)
	}
	for _, l := range strings.Split(m.View(), "\n") {
		f := strings.Fields(l)
		if len(f) > 3 && (f[0] == "away" || f[0] == "wrongpw" || f[0] == "late") && f[3] != "✖" || len(f) > 3 && f[0] == "good" && f[3] != "ready" {
			t.Fatalf("row %q", l)
		}
	}
	if !strings.Contains(p.entries[2].err.Error(), "auth") || p.entries[1].err == nil {
		t.Fatalf("reasons: %v / %v", p.entries[1].err, p.entries[2].err)
	}
	// the selected failure is shown by name with its reason
	s.key("j")
	s.key("j")
	if v := m.View(); !strings.Contains(v, "✖ connection wrongpw: ") || !strings.Contains(v, p.entries[2].err.Error()[:20]) {
		t.Fatalf("the failure of wrongpw:\n%s", v)
	}
	if strings.Contains(m.View(), "wrong-password") {
		t.Fatal("the password is on the screen")
	}
	// the good one opens
	s.key("k")
	s.key("k")
	s.key("enter")
	s.until(t, "the streams of good", s.shows("orders"))
	if _, ok := m.top().(*streamsPage); !ok {
		t.Fatalf("enter on good opened %T", m.top())
	}
	s.key("esc")
	// r retries: late opens once its broker is up
	kf := startLate()
	defer kf.Close()
	s.key("j")
	s.key("j")
	s.key("j")
	s.key("r")
	if p.entries[3].state != connConnecting {
		t.Fatalf("r did not retry: %v", p.entries[3].state)
	}
	s.until(t, "late to open", func() bool { return p.entries[3].state == connReady && len(m.Conns()) == 2 })
	if len(m.Conns()) != 2 || m.ConnectError() != nil {
		t.Fatalf("%d connections, %v", len(m.Conns()), m.ConnectError())
	}
	// a retry of a broker still away fails again, by name
	s.key("k")
	s.key("k")
	s.key("r")
	s.until(t, "away to fail again", func() bool { return p.entries[1].state == connFailed })
	if v := m.View(); !strings.Contains(v, "connection away did not open") && !strings.Contains(v, "✖ connection away: ") {
		t.Fatalf("away:\n%s", v)
	}
}

// TestNoConnectionOpens: when none opens, the session's error names each.
func TestNoConnectionOpens(t *testing.T) {
	c := testCommon(120, 24)
	m := NewConnections(c, []ConnSpec{kafkaSpec("away", "127.0.0.1:1"), kafkaSpec("gone", "127.0.0.1:2")})
	s := newSession(m)
	p := m.stack[0].(*connsPage)
	s.until(t, "both to fail", func() bool { _, failed := p.counts(); return failed == 2 })
	err := m.ConnectError()
	if err == nil || !strings.Contains(err.Error(), "connection away: ") || !strings.Contains(err.Error(), "connection gone: ") {
		t.Fatalf("ConnectError %v", err)
	}
	// a single connection that fails stays on the list, with its retry
	one := NewConnections(c, []ConnSpec{kafkaSpec("away", "127.0.0.1:1")})
	s1 := newSession(one)
	s1.until(t, "away to fail", s1.shows("✖ connection away: ", "r: retry"))
	if one.ConnectError() == nil {
		t.Fatal("no error")
	}
}

// TestSingleConnectionOpensItsStreams: one connection shows its streams
// once open, as before.
func TestSingleConnectionOpensItsStreams(t *testing.T) {
	good := filledTopic(t, "orders", 3, []byte("x"))
	c := testCommon(120, 24)
	m := NewConnections(c, []ConnSpec{kafkaSpec("good", good.Address())})
	defer func() {
		m.Stop()
		for _, conn := range m.Conns() {
			conn.Close()
		}
	}()
	s := newSession(m)
	s.until(t, "the streams", func() bool {
		_, ok := m.top().(*streamsPage)
		return ok && strings.Contains(m.View(), "orders") && len(m.Conns()) == 1 // the page and the connection's notice come in either order
	})
	if len(m.stack) != 1 || len(m.Conns()) != 1 {
		t.Fatalf("stack %d conns %d", len(m.stack), len(m.Conns()))
	}
}

// TestAFailedConnectionIsNamedOnce: an error that already names its
// connection (as the command line's dials do) is not named again, in the
// row, under the list or in the session's error.
func TestAFailedConnectionIsNamedOnce(t *testing.T) {
	m := NewConnections(testCommon(80, 24), goldenConnSpecs())
	s := newSession(m)
	p := m.stack[0].(*connsPage)
	s.until(t, "every connection settled", func() bool { ready, failed := p.counts(); return ready+failed == 3 })
	s.key("j")
	v := m.View()
	// dead, selected, is named under the list; bad-password by its row only
	for name, want := range map[string]int{"dead": 1, "bad-password": 0} {
		if n := strings.Count(v, "connection "+name+":"); n != want {
			t.Errorf("%q named %d times:\n%s", name, n, v)
		}
	}
	if !strings.Contains(v, "dead         kafka    kafka-1.prod.e… ✖ broker unreachable: dial tcp") {
		t.Errorf("the row of dead does not show its reason:\n%s", v)
	}
	none := NewConnections(testCommon(80, 24), goldenConnSpecs()[1:])
	sn := newSession(none)
	pn := none.stack[0].(*connsPage)
	sn.until(t, "both to fail", func() bool { _, failed := pn.counts(); return failed == 2 })
	if err := none.ConnectError(); err == nil || strings.Count(err.Error(), "connection dead:") != 1 || strings.Count(err.Error(), "connection bad-password:") != 1 {
		t.Errorf("ConnectError %v", err)
	}
}
