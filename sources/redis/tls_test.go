package redis_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// tlsFront serves TLS on a loopback port and passes every connection on
// to the test server in the clear, as a TLS-terminating proxy in front of
// a Redis does. It stops when the test ends.
func tlsFront(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", serverAddr)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			open = append(open, in, out)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestTLSFromConfig(t *testing.T) {
	e := newEnv(t, redis.Options{})
	e.fill(e.key("s"), 3)
	serverCfg, files := testbroker.TLS(t, true)
	addr := tlsFront(t, serverCfg)
	open := func(tlsLine string) (sources.Conn, error) {
		spec, err := redis.Driver().FromConfig("secure", entryNode(t, "kind: redis\nurl: rediss://"+addr+"\nmatch: \""+e.prefix+"*\"\n"+tlsLine))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		return spec.Open(ctx, sources.OpenEnv{Name: "secure"})
	}
	c, err := open("tls: {ca: " + files.CA + ", cert: " + files.ClientCert + ", key: " + files.ClientKey + "}\n")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if list, err := c.(sources.Lister).ListStreams(e.ctx); err != nil || len(list) != 1 || list[0].Messages != 3 {
		t.Fatalf("over TLS: %v %+v", err, list)
	}
	// A read's own connection too.
	if sub, err := c.(sources.Reader).Read(e.ctx, e.key("s"), sources.ReadOptions{}); err != nil {
		t.Fatalf("read %s: %v", "over TLS", err)
	} else if got, err := sources.Drain(e.ctx, sub, 0); err != nil || len(got) != 3 {
		t.Fatalf("read %s: %v %d", "over TLS", err, len(got))
	}
	// The redrive's own connection goes through TLS too.
	ms := e.deadLetters(e.key("orders"), 20)
	tl := newTally()
	if err := c.(sources.Redriver).Redrive(e.ctx, sources.RedriveRequest{ID: e.prefix + "tls", Source: redis.PendingName(e.key("orders"), "g"), Items: items(ms, e.key("retry"), e.prefix+"tls", false)}, tl.report); err != nil || tl.written != 20 {
		t.Fatalf("redrive over TLS: %v %d written, errors %v", err, tl.written, tl.errs)
	}
	if !strings.HasPrefix(c.Address(), "rediss://") {
		t.Fatalf("address %q", c.Address())
	}
	if _, err := open(""); err == nil || !strings.Contains(err.Error(), "TLS failed") {
		t.Fatalf("a CA not trusted: %v", err)
	}
	if _, err := open("tls: {ca: " + files.CA + "}\n"); err == nil {
		t.Fatal("no client certificate, yet connected")
	}
}
