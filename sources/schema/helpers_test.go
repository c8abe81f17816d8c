package schema

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
)

// newFake starts an in-process registry served over HTTP.
func newFake(t *testing.T, opts ...srfake.Option) *srfake.Registry {
	t.Helper()
	r := srfake.New(opts...)
	t.Cleanup(r.Close)
	return r
}

// register adds a schema under subject and returns its id.
func register(t *testing.T, r *srfake.Registry, subject string, s sr.Schema) int {
	t.Helper()
	id, _, err := r.RegisterSchema(subject, s)
	if err != nil {
		t.Fatalf("register %s: %v", subject, err)
	}
	return id
}

// newDecoder returns a decoder on the registry at url.
func newDecoder(t *testing.T, url string, mod ...func(*Config)) *Decoder {
	t.Helper()
	cfg := Config{Registry: &RegistryConfig{URL: url, Timeout: 2 * time.Second}, Timeout: 3 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	return d
}

// framed returns the Confluent framing for id followed by body, written
// byte by byte here rather than with AppendHeader.
func framed(id int, body ...[]byte) []byte {
	out := []byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// value decodes data as the value of a message on stream.
func value(t *testing.T, d *Decoder, stream string, data []byte) Decoded {
	t.Helper()
	return d.Value(context.Background(), &sources.Message{Stream: stream, Value: data})
}

// mustJSON fails unless got decoded without error to want.
func mustJSON(t *testing.T, got Decoded, want string) {
	t.Helper()
	if got.Err != nil {
		t.Fatalf("decode: %v", got.Err)
	}
	if string(got.JSON) != want {
		t.Fatalf("decoded\n got %s\nwant %s", got.JSON, want)
	}
}

// counter counts the requests whose path starts with prefix, passing them on.
func counter(r *srfake.Registry, prefix string) *atomic.Int64 {
	var n atomic.Int64
	r.Intercept(func(_ http.ResponseWriter, req *http.Request) bool {
		if strings.HasPrefix(req.URL.Path, prefix) {
			n.Add(1)
		}
		return false
	})
	return &n
}

// asErr is errors.As for *Error.
func asErr(err error, e **Error) bool { return errors.As(err, e) }

func itoa(i int) string { return strconv.Itoa(i) }
