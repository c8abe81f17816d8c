package kafka

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestBrokerConnCloseEndsARequestAtOnce: a broker that takes the request
// and never answers holds the fetch only until the connection is closed
// (an export stops at once on Ctrl-C), and a closed connection does not
// dial again.
func TestBrokerConnCloseEndsARequestAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	c := newBrokerConn(ln.Addr().String(), NewConfig(Options{}))
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxWaitMillis = fetchVersion, 200
	done := make(chan error, 1)
	go func() {
		_, err := c.fetch(context.Background(), req)
		done <- err
	}()
	server := <-accepted
	defer server.Close()
	time.Sleep(50 * time.Millisecond) // the request is written and waits for its answer
	start := time.Now()
	c.close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a fetch without an answer succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not end the request in flight")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the request ended %v after close", d)
	}
	if _, err := c.fetch(context.Background(), req); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a fetch after close: %v", err)
	}
}
