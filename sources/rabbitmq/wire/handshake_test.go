package wire_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// dialHandshake opens a wire connection to a HandshakeServer.
func dialHandshake(t *testing.T, s *testbroker.HandshakeServer, o wire.Options) (*wire.Conn, error) {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wire.Dial(ctx, nc, o)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// TestLoginMechanisms: the connection logs in with the first of its
// mechanisms the broker offers, sending that mechanism's response: PLAIN,
// AMQPLAIN (a table of LOGIN and PASSWORD, as amqp091-go encodes it), and
// EXTERNAL (amqp091-go's placeholder response: the client certificate
// says who).
func TestLoginMechanisms(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sasl     []amqp.Authentication
		mech     string
		response string
	}{
		{"PLAIN by default", nil, "PLAIN", "\x00u\x00p"},
		{"AMQPLAIN", []amqp.Authentication{&amqp.AMQPlainAuth{Username: "u", Password: "p"}}, "AMQPLAIN", (&amqp.AMQPlainAuth{Username: "u", Password: "p"}).Response()},
		{"EXTERNAL", []amqp.Authentication{&amqp.ExternalAuth{}}, "EXTERNAL", (&amqp.ExternalAuth{}).Response()},
		{"the first the broker offers", []amqp.Authentication{&amqp.ExternalAuth{}, &amqp.PlainAuth{Username: "u", Password: "p"}}, "PLAIN", "\x00u\x00p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offered := "PLAIN AMQPLAIN EXTERNAL"
			if tc.name == "the first the broker offers" {
				offered = "AMQPLAIN PLAIN"
			}
			s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: offered, Heartbeat: 60})
			if _, err := dialHandshake(t, s, wire.Options{Username: "u", Password: "p", SASL: tc.sasl, Vhost: "/"}); err != nil {
				t.Fatal(err)
			}
			l := s.Logins()[0]
			if l.Mechanism == "AMQPLAIN" { // a table: its entries in any order
				got, err := wire.DecodeTable(l.Response)
				if err != nil || !reflect.DeepEqual(got, amqp.Table{"LOGIN": "u", "PASSWORD": "p"}) {
					t.Fatalf("AMQPLAIN response %q: %v, %v", l.Response, got, err)
				}
				return
			}
			if l.Mechanism != tc.mech || string(l.Response) != tc.response {
				t.Fatalf("logged in with %s %q, want %s %q", l.Mechanism, l.Response, tc.mech, tc.response)
			}
		})
	}
}

// TestLoginWithoutASharedMechanismSaysWhich: a broker that offers none of
// the connection's mechanisms is refused before any credential is sent,
// with a typed error naming both lists.
func TestLoginWithoutASharedMechanismSaysWhich(t *testing.T) {
	s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: "PLAIN AMQPLAIN", Heartbeat: 60})
	_, err := dialHandshake(t, s, wire.Options{SASL: []amqp.Authentication{&amqp.ExternalAuth{}}, Vhost: "/"})
	var me *wire.MechanismError
	if !errors.As(err, &me) || strings.Join(me.Offered, " ") != "PLAIN AMQPLAIN" || strings.Join(me.Wanted, " ") != "EXTERNAL" {
		t.Fatalf("dial: %v, want a MechanismError offering PLAIN AMQPLAIN for EXTERNAL", err)
	}
	if !strings.Contains(err.Error(), "auth_mechanism") {
		t.Fatalf("%q does not say how to choose a mechanism", err)
	}
	if l := s.Logins()[0]; l.Mechanism != "" {
		t.Fatalf("a login was sent: %+v", l)
	}
}

// TestLoginRefusedSaysWhoAndHow: a refused login names the mechanism and
// the user, with the broker's words.
func TestLoginRefusedSaysWhoAndHow(t *testing.T) {
	s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: "PLAIN AMQPLAIN", Refuse: true})
	_, err := dialHandshake(t, s, wire.Options{SASL: []amqp.Authentication{&amqp.AMQPlainAuth{Username: "ann", Password: "wrong"}}, Vhost: "/"})
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != 403 || !strings.Contains(err.Error(), `(AMQPLAIN) for user "ann"`) {
		t.Fatalf("dial: %v, want a 403 naming AMQPLAIN and ann", err)
	}
}

// TestHeartbeatsNegotiatedAndSent: the connection takes the smaller of its
// interval and the broker's, tells the broker in tune-ok, and sends
// heartbeats while it writes nothing else.
func TestHeartbeatsNegotiatedAndSent(t *testing.T) {
	for _, tc := range []struct {
		name          string
		client        time.Duration
		server        uint16
		want          time.Duration
		waitForBeats  bool
		wantTuneOkSec uint16
	}{
		{"the broker's, smaller", 0, 1, time.Second, true, 1},
		{"the client's, smaller", 2 * time.Second, 60, 2 * time.Second, true, 2},
		{"the client's when the broker proposes none", 0, 0, wire.DefaultHeartbeat, false, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: "PLAIN", Heartbeat: tc.server})
			c, err := dialHandshake(t, s, wire.Options{Vhost: "/", Heartbeat: tc.client})
			if err != nil {
				t.Fatal(err)
			}
			if c.Heartbeat() != tc.want || s.Logins()[0].Heartbeat != tc.wantTuneOkSec {
				t.Fatalf("heartbeat %s (tune-ok %ds), want %s", c.Heartbeat(), s.Logins()[0].Heartbeat, tc.want)
			}
			if !tc.waitForBeats {
				return
			}
			deadline := time.Now().Add(30 * time.Second)
			for s.Logins()[0].Heartbeats < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("%d heartbeats sent in 30s at %s", s.Logins()[0].Heartbeats, c.Heartbeat())
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestSilentBrokerEndsTheConnection: a broker that sends nothing, not even
// heartbeats, for two intervals is taken for dead: the reader ends with
// ErrNoHeartbeat, which says so.
func TestSilentBrokerEndsTheConnection(t *testing.T) {
	s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: "PLAIN", Heartbeat: 1})
	c, err := dialHandshake(t, s, wire.Options{Vhost: "/"})
	if err != nil {
		t.Fatal(err)
	}
	ev := c.Start(1)
	for range ev.Deliveries {
		t.Fatal("a delivery from a silent broker")
	}
	if err := c.Err(); !errors.Is(err, wire.ErrNoHeartbeat) || !strings.Contains(err.Error(), "the connection is dead") {
		t.Fatalf("the reader ended with %v, want ErrNoHeartbeat", err)
	}
}
