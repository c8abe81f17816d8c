package rabbitmq_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// tlsTerminator listens with TLS (demanding a client certificate) and
// passes each connection on to the real RabbitMQ, as stunnel or a load
// balancer does in front of a broker.
func tlsTerminator(t *testing.T, serverTLS *tls.Config, backend string) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				b, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer b.Close()
				go func() { _, _ = io.Copy(b, c); b.Close() }()
				_, _ = io.Copy(c, b)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestAMQPSAndHTTPSManagement: amqps:// with a client certificate, and the
// management API over https, through TLS terminators in front of the real
// server; without the client certificate the connection is refused.
func TestAMQPSAndHTTPSManagement(t *testing.T) {
	vhostURL, vhost, _ := testbroker.RabbitVhost(t)
	serverTLS, files := testbroker.TLS(t, true)
	amqpsAddr := tlsTerminator(t, serverTLS, "127.0.0.1:5672")
	_, api := testbroker.RabbitURLs()
	apiURL, _ := url.Parse(api)
	apiURL.User = nil
	mgmt := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(apiURL))
	mgmt.TLS = serverTLS
	mgmt.StartTLS()
	defer mgmt.Close()

	u, _ := url.Parse(vhostURL)
	pw, _ := u.User.Password()
	clientTLS, err := (&config.TLS{CA: files.CA, Cert: files.ClientCert, Key: files.ClientKey}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	amqps := "amqps://" + amqpsAddr + "/" + url.PathEscape(vhost)
	c, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: amqps, ManagementURL: strings.Replace(mgmt.URL, "127.0.0.1", "localhost", 1),
		Username: u.User.Username(), Password: pw, TLS: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Notice() != "" {
		t.Fatalf("the management API over https failed: %s", c.Notice())
	}
	if _, err := c.ListStreams(ctx); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Channel(ctx)
	if err != nil {
		t.Fatalf("an AMQP channel over TLS: %v", err)
	}
	ch.Close()
	wc, err := c.DialWire(ctx, "tls test") // the redrive's hand-framed connections take the same TLS and credentials
	if err != nil {
		t.Fatalf("a wire connection over TLS: %v", err)
	}
	if err := wc.ConfirmSelect(); err != nil {
		t.Fatal(err)
	}
	wc.Close()
	noCert, _ := (&config.TLS{CA: files.CA}).ClientConfig()
	if _, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: amqps, Username: u.User.Username(), Password: pw, TLS: noCert}); err == nil {
		t.Fatal("connected without the client certificate")
	}
}
