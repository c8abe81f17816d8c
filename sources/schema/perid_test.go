package schema

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/sources"
)

// refusingRegistry is a registry that serves a good Avro and a good JSON
// Schema id, answers 403 for id 60, 500 for id 61 and has no id 99.
func refusingRegistry(t *testing.T) (url string, avroID, jsonID int) {
	t.Helper()
	reg := newFake(t)
	avroID = register(t, reg, "t-value", sr.Schema{Schema: `{"type":"record","name":"A","fields":[{"name":"n","type":"int"}]}`})
	jsonID = register(t, reg, "t-json-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object"}`})
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasPrefix(r.URL.Path, "/schemas/ids/60"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error_code":40301,"message":"forbidden for id 60"}`))
			return true
		case strings.HasPrefix(r.URL.Path, "/schemas/ids/61"):
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}
		return false
	})
	return reg.URL(), avroID, jsonID
}

// A 403 for one id, a 500 for another and an unknown id fail only
// themselves: on every run every good id decodes, whatever the order, and
// each failure names its own id and cause, never another's.
func TestRegistryFailuresArePerID(t *testing.T) {
	url, a, j := refusingRegistry(t)
	orders := [][]int{{60, 61, 99, a, j}, {a, 60, j, 61, 99}, {61, 99, 60, j, a}}
	for run, order := range orders {
		d := newDecoder(t, url)
		for pass := 0; pass < 2; pass++ {
			for _, id := range order {
				var got Decoded
				switch id {
				case a:
					got = value(t, d, "t", framed(a, []byte{4}))
					mustJSON(t, got, `{"n":2}`)
					continue
				case j:
					got = value(t, d, "t-json", framed(j, []byte(`{"x":1}`)))
					mustJSON(t, got, `{"x":1}`)
					continue
				}
				got = value(t, d, "t", framed(id, []byte{4}))
				msg := ""
				if got.Err != nil {
					msg = got.Err.Error()
				}
				want := map[int]struct {
					kind Kind
					says string
				}{60: {KindUnauthorized, "unauthorised for id 60"}, 61: {KindRegistryDown, "HTTP 500: boom"}, 99: {KindUnknownID, "schema id 99"}}[id]
				if KindOf(got.Err) != want.kind || !strings.Contains(msg, "schema id "+itoa(id)) || !strings.Contains(msg, want.says) || strings.Contains(msg, "not asked") {
					t.Fatalf("run %d pass %d id %d: %v", run, pass, id, got.Err)
				}
				for _, other := range []int{60, 61, 99} {
					if other != id && strings.Contains(msg, "id "+itoa(other)) {
						t.Fatalf("run %d pass %d: id %d's error names id %d: %s", run, pass, id, other, msg)
					}
				}
				cached, ok := d.Cached(d.Classify(PartValue, "t", nil, nil, framed(id, []byte{4})))
				if !ok || cached.Err == nil || cached.Err.Error() != msg {
					t.Fatalf("run %d id %d cached: %v %v", run, id, cached.Err, ok)
				}
			}
		}
	}
}

// Decoded concurrently, as an export's workers do, the good ids decode on
// every run.
func TestRegistryFailuresArePerIDConcurrently(t *testing.T) {
	url, a, j := refusingRegistry(t)
	for run := 0; run < 5; run++ {
		d := newDecoder(t, url)
		var wg sync.WaitGroup
		errs := make(chan string, 64)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, id := range []int{60, 61, 99} {
					d.Value(context.Background(), messageOf("t", framed(id, []byte{4})))
				}
				if got := d.Value(context.Background(), messageOf("t", framed(a, []byte{4}))); got.Err != nil {
					errs <- got.Err.Error()
				}
				if got := d.Value(context.Background(), messageOf("t-json", framed(j, []byte(`{}`)))); got.Err != nil {
					errs <- got.Err.Error()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("run %d: a good id failed: %s", run, e)
		}
	}
}

// A registry that is down (its port closed) pauses the asking, and says so
// for each id with its own id and the registry's state, never with the
// request of another id; Cached holds the same.
func TestRegistryDownPausesPerID(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	d := newDecoder(t, url)
	first := value(t, d, "t", framed(5, []byte{4})).Err
	if KindOf(first) != KindRegistryDown || !strings.Contains(first.Error(), "schema id 5") || strings.Contains(first.Error(), "not asked") {
		t.Fatalf("first: %v", first)
	}
	for _, id := range []int{6, 7} {
		got := value(t, d, "t", framed(id, []byte{4})).Err
		msg := got.Error()
		if KindOf(got) != KindRegistryDown || !strings.Contains(msg, "schema id "+itoa(id)+" not asked: the registry is asked again in") ||
			!strings.Contains(msg, "it was down a moment ago: connection refused") || strings.Contains(msg, "id 5") {
			t.Fatalf("id %d: %v", id, got)
		}
		cached, ok := d.Cached(d.Classify(PartValue, "t", nil, nil, framed(id, []byte{4})))
		if !ok || cached.Err == nil || cached.Err.Error() != msg {
			t.Fatalf("id %d cached: %v %v", id, cached.Err, ok)
		}
	}
	// An id never asked is said not asked, with its own id.
	never, ok := d.Cached(d.Classify(PartValue, "t", nil, nil, framed(8, []byte{4})))
	if !ok || !strings.Contains(never.Err.Error(), "schema id 8 not asked") {
		t.Fatalf("never asked: %v %v", never.Err, ok)
	}
}

// fakeClock is a clock a test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A failure old enough to ask again stays held (a list shows it, not
// "decoding…") until a Decode asks again, which it then does.
func TestCachedHoldsStaleFailure(t *testing.T) {
	url, _, _ := refusingRegistry(t)
	d := newDecoder(t, url)
	clock := &fakeClock{t: time.Now()}
	d.reg.now = clock.now
	c := d.Classify(PartValue, "t", nil, nil, framed(60, []byte{4}))
	d.Decode(context.Background(), c)
	clock.add(time.Minute)
	got, ok := d.Cached(c)
	if !ok || KindOf(got.Err) != KindUnauthorized {
		t.Fatalf("stale failure: %+v %v", got, ok)
	}
	// A pause for a down registry is held for the ids it refused after it ends.
	srv := httptest.NewServer(http.NotFoundHandler())
	down := srv.URL
	srv.Close()
	dd := newDecoder(t, down)
	dd.reg.now = clock.now
	dd.Decode(context.Background(), dd.Classify(PartValue, "t", nil, nil, framed(5, []byte{4})))
	paused := dd.Classify(PartValue, "t", nil, nil, framed(6, []byte{4}))
	dd.Decode(context.Background(), paused)
	clock.add(time.Minute)
	if got, ok := dd.Cached(paused); !ok || !strings.Contains(got.Err.Error(), "schema id 6 not asked") {
		t.Fatalf("after the pause: %v %v", got.Err, ok)
	}
	if got := dd.Decode(context.Background(), paused); strings.Contains(got.Err.Error(), "not asked") {
		t.Fatalf("after the pause, id 6 is asked: %v", got.Err)
	}
}

// A latest-version lookup that fails is said to have failed, not taken
// for version 0.
func TestLatestLookupFailureIsKept(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "t-value", sr.Schema{Schema: `"string"`})
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/versions/latest") || strings.HasSuffix(r.URL.Path, "/versions/-1") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error_code":40301,"message":"no"}`))
			return true
		}
		return false
	})
	d := newDecoder(t, reg.URL())
	got := value(t, d, "t", framed(id, []byte{2, 'x'}))
	mustJSON(t, got, `"x"`)
	if got.Ref.Latest != 0 || got.Ref.LatestErr == nil || KindOf(got.Ref.LatestErr) != KindUnauthorized {
		t.Fatalf("latest %d, err %v", got.Ref.Latest, got.Ref.LatestErr)
	}
	cached, ok := d.Cached(d.Classify(PartValue, "t", nil, nil, framed(id, []byte{2, 'x'})))
	if !ok || cached.Ref.LatestErr == nil {
		t.Fatalf("cached: %+v %v", cached.Ref, ok)
	}
}

// messageOf is a message on stream with value v.
func messageOf(stream string, v []byte) *sources.Message {
	return &sources.Message{Stream: stream, Value: v}
}
