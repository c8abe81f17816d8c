package netprobe_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/netprobe"
)

// TestClassify: first bytes recorded from real listeners say their protocol.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		first string
		want  netprobe.Protocol
	}{
		{`INFO {"server_id":"NDBHHW6ESW66M6JAM5OBNF3LADRVC5GTPVS42W3N4HJKAGGJHPUQ2TFO","server_name"`, netprobe.NATS},
		{"INFO", netprobe.NATS},
		{"+PONG\r\n", netprobe.Redis},
		{"-ERR wrong number of arguments for 'get' command\r\n", netprobe.Redis},
		{"-NOAUTH Authentication required.\r\n", netprobe.Redis},
		{"*1\r\n$4\r\npong\r\n", netprobe.Redis},
		{"%7\r\n$6\r\nserver", netprobe.Redis},
		{"AMQP\x00\x00\x09\x01", netprobe.AMQP},
		{"HTTP/1.1 400 Bad Request\r\n", netprobe.HTTP},
		{"HTTP/1.0 200 OK\r\n", netprobe.HTTP},
		{"\x00\x00\x01~mqsc\x00\x00\x00\x00\x00>\x00\x00", netprobe.Kafka},
		{"\x16\x03\x03\x04\xba\x02\x00\x04\xb6\x03\x03", netprobe.TLS},
		{"\x15\x03\x01\x00\x02\x02\x46", netprobe.TLS},
		{"SSH-2.0-OpenSSH_9.6\r\n", netprobe.Unknown},
		{"\x00\x00\x01~xxxx\x00\x00", netprobe.Unknown}, // a frame, not the probe's
		{"+\x00\x01binary", netprobe.Unknown},
		{"", netprobe.Unknown},
	} {
		if got := netprobe.Classify([]byte(c.first)); got != c.want {
			t.Errorf("Classify(%q) = %s, want %s", c.first, got, c.want)
		}
	}
}

// TestProtocolNames: each protocol says its name.
func TestProtocolNames(t *testing.T) {
	for p, want := range map[netprobe.Protocol]string{netprobe.NATS: "NATS", netprobe.Redis: "Redis", netprobe.AMQP: "AMQP",
		netprobe.HTTP: "HTTP", netprobe.Kafka: "Kafka", netprobe.TLS: "TLS", netprobe.Unknown: "an unknown protocol"} {
		if p.String() != want {
			t.Errorf("%d: %q, want %q", p, p.String(), want)
		}
	}
}

func envAddr(name, scheme, fallback string) string {
	if u := os.Getenv(name); u != "" {
		u = strings.TrimPrefix(u, scheme)
		if i := strings.LastIndexByte(u, '@'); i >= 0 {
			u = u[i+1:]
		}
		return strings.TrimSuffix(u, "/")
	}
	return fallback
}

// mute is a listener that accepts and never says a byte.
func mute(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return l.Addr().String()
}

// TestProbeTellsListenersApart: the real brokers, an embedded Kafka, a TLS
// web server, a listener that says nothing and a closed port.
func TestProbeTellsListenersApart(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	web := httptest.NewUnstartedServer(http.NotFoundHandler())
	web.Config.ErrorLog = nil
	web.StartTLS()
	defer web.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	mgmt := envAddr("MQSCOPE_TEST_RABBITMQ_API", "http://", "127.0.0.1:15672")
	all := []netprobe.Ask{netprobe.Ping, netprobe.KafkaAPIVersions, netprobe.TLSHello}
	for _, c := range []struct {
		name, addr string
		reply      netprobe.Reply
		want       netprobe.Protocol
	}{
		{"nats", envAddr("MQSCOPE_TEST_NATS", "nats://", "127.0.0.1:4222"), netprobe.Answered, netprobe.NATS},
		{"redis", envAddr("MQSCOPE_TEST_REDIS", "redis://", "127.0.0.1:6379"), netprobe.Answered, netprobe.Redis},
		{"amqp", envAddr("MQSCOPE_TEST_RABBITMQ", "amqp://", "127.0.0.1:5672"), netprobe.Answered, netprobe.AMQP},
		{"management", mgmt, netprobe.Answered, netprobe.HTTP},
		{"kafka", kf.ListenAddrs()[0], netprobe.Answered, netprobe.Kafka},
		{"tls", strings.TrimPrefix(web.URL, "https://"), netprobe.Answered, netprobe.TLS},
		{"mute", mute(t), netprobe.Silent, netprobe.Unknown},
		{"closed", closedAddr, netprobe.Unreachable, netprobe.Unknown},
	} {
		r := netprobe.Probe(context.Background(), c.addr, netprobe.DefaultWait, all...)
		if r.Reply != c.reply || r.Protocol != c.want {
			t.Errorf("%s %s: %s %s, want %s %s", c.name, c.addr, r.Reply, r.Protocol, c.reply, c.want)
		}
	}
}

// TestListenHearsTheGreeting: a NATS server speaks first, and Exchange
// keeps what it said for the caller to replay.
func TestListenHearsTheGreeting(t *testing.T) {
	c, err := net.Dial("tcp", envAddr("MQSCOPE_TEST_NATS", "nats://", "127.0.0.1:4222"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := netprobe.Exchange(context.Background(), c, netprobe.Listen, netprobe.DefaultWait)
	if r.Protocol != netprobe.NATS || !strings.HasPrefix(string(r.Head), "INFO {") {
		t.Fatalf("%s %s %q", r.Reply, r.Protocol, r.Head)
	}
}

// TestMismatch: one line naming both protocols and the flag meant.
func TestMismatch(t *testing.T) {
	if got, want := netprobe.Mismatch("127.0.0.1:6379", netprobe.NATS, netprobe.Redis), "127.0.0.1:6379 speaks Redis, not NATS: is the URL meant for --redis?"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if got := netprobe.Mismatch("h:1", netprobe.Redis, netprobe.TLS); got != "h:1 speaks TLS, not plain Redis" {
		t.Fatalf("%q", got)
	}
}
