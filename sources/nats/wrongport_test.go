package nats_test

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// hostOf is a test URL's host:port, without scheme, credentials or path.
func hostOf(env, fallback string) string {
	u := os.Getenv(env)
	if u == "" {
		return fallback
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

// muteListener accepts connections and never says a byte.
func muteListener(t *testing.T) string {
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

// TestDialSaysWhatAWrongPortSpeaks: a NATS URL at a Redis, a RabbitMQ's
// AMQP port, an HTTP port or a mute listener says which in one line,
// (a mute one after the dial's whole timeout, as a slow server may yet
// greet); the NATS server itself still opens.
func TestDialSaysWhatAWrongPortSpeaks(t *testing.T) {
	redis := hostOf("MQSCOPE_TEST_REDIS", "127.0.0.1:6379")
	amqp := hostOf("MQSCOPE_TEST_RABBITMQ", "127.0.0.1:5672")
	web := hostOf("MQSCOPE_TEST_RABBITMQ_API", "127.0.0.1:15672")
	mute := muteListener(t)
	for _, c := range []struct{ addr, want string }{
		{redis, redis + " speaks Redis, not NATS: is the URL meant for --redis?"},
		{amqp, amqp + " speaks AMQP (RabbitMQ), not NATS: is the URL meant for --rabbitmq?"},
		{web, web + " speaks HTTP, not NATS: is it a web port"},
		{mute, mute + " accepted the connection but did not answer as NATS within 3s"},
	} {
		conn, err := mqnats.Dial(context.Background(), mqnats.Options{URL: "nats://" + c.addr, Timeout: 3 * time.Second})
		if err == nil {
			conn.Close()
			t.Fatalf("%s: a connection", c.addr)
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || len(msg) > 200 {
			t.Errorf("%s: %q, want it to say %q", c.addr, msg, c.want)
		}
	}
	conn, err := mqnats.Dial(ctxT(t), mqnats.Options{URL: serverURL})
	if err != nil {
		t.Fatalf("the NATS server: %v", err)
	}
	if _, err := conn.JetStream().AccountInfo(ctxT(t)); err != nil {
		t.Fatalf("JetStream through a greeted connection: %v", err)
	}
	conn.Close()
}

// slowGreeter is a proxy to the NATS server that holds the server's
// first bytes (its INFO) back for delay: a server behind a slow link.
func slowGreeter(t *testing.T, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	target := hostOf("MQSCOPE_TEST_NATS", "127.0.0.1:4222")
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); defer s.Close(); _, _ = io.Copy(s, c) }()
			go func() {
				defer wg.Done()
				defer c.Close()
				time.Sleep(delay)
				_, _ = io.Copy(c, s)
			}()
		}
	}()
	return l.Addr().String()
}

// TestDialWaitsForASlowGreeting: a NATS server whose INFO comes later
// than the first look for it (a far link) still opens within the dial's
// timeout, not refused as another kind of server.
func TestDialWaitsForASlowGreeting(t *testing.T) {
	addr := slowGreeter(t, 3*time.Second)
	conn, err := mqnats.Dial(ctxT(t), mqnats.Options{URL: "nats://" + addr, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("a server greeting after 3s: %v", err)
	}
	defer conn.Close()
	if _, err := conn.JetStream().AccountInfo(ctxT(t)); err != nil {
		t.Fatalf("JetStream through the slow link: %v", err)
	}
}
