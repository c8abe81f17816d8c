package schema

import (
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestRegistryDownNamesEachValuesOwnID: while a registry that failed for
// one id is remembered as down, the values of other ids fail without a
// request, each naming its own id (and the registry's answer), never the
// id whose request failed; Cached says the same. A gateway's 502, 503
// and 504 alike (a 500 or a 403 is one id's failure: perid_test.go).
func TestRegistryDownNamesEachValuesOwnID(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		body   string
		kind   Kind
		says   string
		asked  int64 // a 5xx is asked twice again
	}{
		{"503", http.StatusServiceUnavailable, "busy", KindRegistryDown, "HTTP 503", 3},
		{"502", http.StatusBadGateway, "<html><body><h1>Bad gateway</h1></body></html>", KindRegistryDown, "HTTP 502", 3},
		{"504", http.StatusGatewayTimeout, "gateway timeout", KindRegistryDown, "HTTP 504", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := newFake(t)
			a := register(t, reg, "a-value", sr.Schema{Schema: `"string"`})
			b := register(t, reg, "b-value", sr.Schema{Schema: `"long"`})
			n := counter(reg, "/schemas/ids/")
			reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
					return false
				}
				http.Error(w, c.body, c.status)
				return true
			})
			d := newDecoder(t, reg.URL())
			ids := []int{a, b, a, b}
			for i, id := range ids {
				got := value(t, d, "s", framed(id, []byte{2, 'x'}))
				own, other := "schema id "+itoa(id), "schema id "+itoa(ids[(i+1)%2])
				msg := got.Err.Error()
				if KindOf(got.Err) != c.kind || !strings.Contains(msg, own) || strings.Contains(msg, other) || !strings.Contains(msg, c.says) {
					t.Fatalf("decode %d (id %d): %v", i, id, got.Err)
				}
				cached, ok := d.Cached(d.Classify(PartValue, "s", nil, nil, framed(id, []byte{2, 'x'})))
				if !ok || KindOf(cached.Err) != c.kind || !strings.Contains(cached.Err.Error(), own) || strings.Contains(cached.Err.Error(), other) {
					t.Fatalf("cached %d (id %d): %v %v", i, id, cached.Err, ok)
				}
			}
			if got := n.Load(); got != c.asked {
				t.Fatalf("%d requests to a failing registry, want %d", got, c.asked)
			}
			// The one that failed says so without "not asked"; the others were not asked.
			first := value(t, d, "s", framed(a, []byte{2, 'x'})).Err.Error()
			second := value(t, d, "s", framed(b, []byte{2, 'x'})).Err.Error()
			if strings.Contains(first, "not asked") || !strings.Contains(second, "schema id "+itoa(b)+" not asked: the registry is asked again in") {
				t.Fatalf("failed: %s\nnot asked: %s", first, second)
			}
		})
	}
}
