package schema

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestRegistryOne503IsAskedAgain: a registry that answers 503 once is
// asked again after a short pause, and the value decodes.
func TestRegistryOne503IsAskedAgain(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "k-value", sr.Schema{Schema: `"string"`})
	var failed atomic.Bool
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/schemas/ids/") && failed.CompareAndSwap(false, true) {
			http.Error(w, `{"error_code":50301,"message":"overloaded"}`, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	d := newDecoder(t, reg.URL())
	mustJSON(t, value(t, d, "k", framed(id, []byte{2, 'a'})), `"a"`)
	if !failed.Load() {
		t.Fatal("the registry never failed")
	}
}
