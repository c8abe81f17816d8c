package schema

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// manualClock is a registry's clock that moves only when told.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// withClock gives d's registry a manual clock.
func withClock(d *Decoder) *manualClock {
	c := &manualClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	d.reg.now = c.now
	return c
}

// TestRegistryDownAskedAgainAfterTwoSeconds: a registry failing with a
// 5xx, or not answering in time, is remembered as failing for 2 s (with
// the default RetryAfter of 10 s), not longer: the decode after that asks
// it again and decodes.
func TestRegistryDownAskedAgainAfterTwoSeconds(t *testing.T) {
	for _, c := range []struct {
		name string
		kind Kind
		fail func(w http.ResponseWriter, r *http.Request)
	}{
		{"503", KindRegistryDown, func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, `{"error_code":50301,"message":"overloaded"}`, http.StatusServiceUnavailable)
		}},
		{"timeout", KindRegistrySlow, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := newFake(t)
			id := register(t, reg, "k-value", sr.Schema{Schema: `"string"`})
			var mu sync.Mutex
			down, calls := true, 0
			reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
				mu.Lock()
				calls++
				failing := down
				mu.Unlock()
				if failing {
					c.fail(w, r)
				}
				return failing
			})
			d := newDecoder(t, reg.URL(), func(cfg *Config) {
				cfg.Registry.Timeout, cfg.Timeout = 200*time.Millisecond, time.Second
			})
			clock := withClock(d)
			body := framed(id, []byte{2, 'a'})
			if got := value(t, d, "k", body); KindOf(got.Err) != c.kind {
				t.Fatalf("failing registry: %v", got.Err)
			}
			mu.Lock()
			asked := calls
			down = false
			mu.Unlock()
			clock.advance(1900 * time.Millisecond)
			if got := value(t, d, "k", body); KindOf(got.Err) != c.kind {
				t.Fatalf("1.9 s after the failure: %v", got.Err)
			}
			mu.Lock()
			if calls != asked {
				t.Fatalf("asked again %d times within 2 s", calls-asked)
			}
			mu.Unlock()
			c0 := d.Classify(PartValue, "k", nil, nil, body)
			if held, ok := d.Cached(c0); !ok || KindOf(held.Err) != c.kind {
				t.Fatalf("held within 2 s: %v %v", ok, held.Err)
			}
			if d.Stale(c0) {
				t.Fatal("a failure under 2 s old is to be asked again")
			}
			clock.advance(200 * time.Millisecond)
			// Still shown (a view never falls back to "decoding…"), and
			// to be asked again.
			if held, ok := d.Cached(c0); !ok || KindOf(held.Err) != c.kind || !d.Stale(c0) {
				t.Fatalf("a failure 2 s old: held %v (%v), stale %v", ok, held.Err, d.Stale(c0))
			}
			mustJSON(t, value(t, d, "k", body), `"a"`)
		})
	}
}

// TestRegistryRefusedAskedAgain: a registry that refused the connection
// is asked again 2 s later, and decodes once it listens.
func TestRegistryRefusedAskedAgain(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "k-value", sr.Schema{Schema: `"string"`})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d := newDecoder(t, "http://"+addr)
	clock := withClock(d)
	body := framed(id, []byte{2, 'a'})
	if got := value(t, d, "k", body); KindOf(got.Err) != KindRegistryDown {
		t.Fatalf("refused: %v", got.Err)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again at %s: %v", addr, err)
	}
	target, _ := url.Parse(reg.URL())
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	if got := value(t, d, "k", body); KindOf(got.Err) != KindRegistryDown || !strings.Contains(got.Err.Error(), "refused") {
		t.Fatalf("at once after the refusal: %v", got.Err)
	}
	clock.advance(2 * time.Second)
	mustJSON(t, value(t, d, "k", body), `"a"`)
}

// TestRegistryUnreadableBody: a registry answering 200 with what is not
// its JSON (a page, JSON of another shape, JSON without a schema) is said
// to have answered with an unreadable body, with the id, not with a JSON
// parser's words.
func TestRegistryUnreadableBody(t *testing.T) {
	for _, answer := range []string{`<html><body>Welcome</body></html>`, `{"schema":5}`, `{}`, `[1,2`} {
		reg := newFake(t)
		id := register(t, reg, "k-value", sr.Schema{Schema: `"string"`})
		reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(answer))
			return true
		})
		d := newDecoder(t, reg.URL())
		got := value(t, d, "k", framed(id, []byte{2, 'a'}))
		msg := ""
		if got.Err != nil {
			msg = got.Err.Error()
		}
		if KindOf(got.Err) != KindRegistryDown || !strings.Contains(msg, "schema id "+itoa(id)+": registry answered with an unreadable body") ||
			strings.Contains(msg, "invalid character") || strings.Contains(msg, "unmarshal") || strings.Contains(msg, "unexpected end") {
			t.Errorf("answer %s: %v", answer, got.Err)
		}
	}
}
