package rabbitmq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestExternalLoginOverTLS: with auth_mechanism=EXTERNAL in an amqps URL,
// amqp091-go and the hand-framed connections both log in with EXTERNAL
// over TLS with the client certificate (the server demands one), as
// amqp091-go chooses the mechanism. The server speaks the AMQP handshake
// only: the shared RabbitMQ has no TLS listener with certificate logins.
func TestExternalLoginOverTLS(t *testing.T) {
	serverTLS, files := testbroker.TLS(t, true)
	s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: "PLAIN AMQPLAIN EXTERNAL", Heartbeat: 60, TLS: serverTLS})
	clientTLS, err := (&config.TLS{CA: files.CA, Cert: files.ClientCert, Key: files.ClientKey}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: "amqps://" + s.Addr + "/?auth_mechanism=EXTERNAL", ManagementURL: "http://127.0.0.1:1", TLS: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wc, err := c.DialWire(ctx, "external test")
	if err != nil {
		t.Fatalf("a hand-framed connection with EXTERNAL: %v", err)
	}
	defer wc.Close()
	logins := s.Logins()
	if len(logins) != 2 || logins[0].Mechanism != "EXTERNAL" || logins[1].Mechanism != "EXTERNAL" {
		t.Fatalf("logins %+v, want amqp091-go's and the hand-framed one with EXTERNAL", logins)
	}
	if wc.Heartbeat() != 10*time.Second {
		t.Fatalf("heartbeat %s, want the connection's 10s", wc.Heartbeat())
	}
}

// TestNoSharedMechanismSaysSo: a broker that offers none of the URL's
// mechanisms is refused with a message that names them and how to choose,
// not as a wrong password.
func TestNoSharedMechanismSaysSo(t *testing.T) {
	s := testbroker.NewHandshakeServer(t, testbroker.HandshakeOptions{Mechanisms: "PLAIN", Heartbeat: 60})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: "amqp://" + s.Addr + "/?auth_mechanism=EXTERNAL", ManagementURL: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "none of the SASL mechanisms configured (EXTERNAL)") || errors.Is(err, rabbitmq.ErrAuth) {
		t.Fatalf("dial: %v, want the mechanisms named", err)
	}
}
