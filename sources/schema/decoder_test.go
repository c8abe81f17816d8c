package schema

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
)

const customerJSONSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Customer","type":"object",
 "properties":{"id":{"type":"string"},"qty":{"type":"integer","minimum":1},"address":{"$ref":"address.json"}},
 "required":["id"]}`

const addressJSONSchema = `{"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}}}`

// TestJSONSchemaValidates decodes framed JSON with a referenced schema and
// says where a body that does not fit goes wrong, keeping the document.
func TestJSONSchemaValidates(t *testing.T) {
	reg := newFake(t)
	register(t, reg, "address.json", sr.Schema{Schema: addressJSONSchema, Type: sr.TypeJSON})
	id := register(t, reg, "customers-value", sr.Schema{Schema: customerJSONSchema, Type: sr.TypeJSON,
		References: []sr.SchemaReference{{Name: "address.json", Subject: "address.json", Version: 1}}})
	d := newDecoder(t, reg.URL())
	got := value(t, d, "customers", framed(id, []byte(`{"id": "c-1", "qty": 2, "address": {"zip": "10115"}}`)))
	mustJSON(t, got, `{"id":"c-1","qty":2,"address":{"zip":"10115"}}`)
	if got.Format != FormatJSONSchema || got.Ref.Message != "Customer" {
		t.Fatalf("decoded %+v", got)
	}
	bad := value(t, d, "customers", framed(id, []byte(`{"id":"c-1","address":{"zip":"ABC"}}`)))
	var e *Error
	if !asErr(bad.Err, &e) || e.Kind != KindMismatch || e.Path != "address.zip" || string(bad.JSON) != `{"id":"c-1","address":{"zip":"ABC"}}` {
		t.Fatalf("bad zip: %+v (%v)", bad, bad.Err)
	}
	out, err := d.Encode(context.Background(), got.Ref, []byte(`{"id":"c-1","qty":3}`))
	if err != nil || string(out) != string(framed(id, []byte(`{"id":"c-1","qty":3}`))) {
		t.Fatalf("encode: %q %v", out, err)
	}
	_, err = d.Encode(context.Background(), got.Ref, []byte(`{"id":"c-1","qty":0}`))
	if !asErr(err, &e) || e.Path != "qty" {
		t.Fatalf("qty 0 accepted or misplaced: %v", err)
	}
	if got := value(t, d, "customers", framed(id, []byte(`{"id":`))); KindOf(got.Err) != KindMismatch {
		t.Fatalf("cut JSON: %v", got.Err)
	}
}

// TestKeyAndValueInDifferentFormats decodes an Avro key and a Protobuf
// value of one message, and content-sniffed keys.
func TestKeyAndValueInDifferentFormats(t *testing.T) {
	reg := newFake(t)
	keyID := register(t, reg, "orders-key", sr.Schema{Schema: `{"type":"string","logicalType":"uuid"}`})
	register(t, reg, "acme/common.proto", sr.Schema{Schema: commonProto, Type: sr.TypeProtobuf})
	valID := register(t, reg, "orders-value", sr.Schema{Schema: commonProto, Type: sr.TypeProtobuf})
	d := newDecoder(t, reg.URL())
	m := &sources.Message{Stream: "orders",
		Key:   framed(keyID, append([]byte{72}, "5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90"...)),
		Value: framed(valID, []byte{0}, []byte{0x0a, 3, 'E', 'U', 'R', 0x10, 5})}
	mustJSON(t, d.Key(context.Background(), m), `"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90"`)
	v := d.Value(context.Background(), m)
	mustJSON(t, v, `{"currency":"EUR","units":"5"}`)
	if k := d.Key(context.Background(), m); k.Format != FormatAvro || v.Format != FormatProtobuf {
		t.Fatalf("formats %s %s", k.Format, v.Format)
	}
	for _, tc := range []struct {
		key    []byte
		format Format
		json   string
	}{
		{nil, FormatNull, ""},
		{[]byte(`{"a":1}`), FormatJSON, `{"a":1}`},
		{[]byte("order-42"), FormatText, `"order-42"`},
		{[]byte{0xff, 0x01, 0x02}, FormatBinary, ""},
	} {
		m.Key = tc.key
		got := d.Key(context.Background(), m)
		if got.Format != tc.format || string(got.JSON) != tc.json || got.Err != nil {
			t.Errorf("key %q: %+v", tc.key, got)
		}
	}
}

// TestUnknownIDAndNoRegistry: an id the registry does not have, and a
// framed value with no registry configured, say so.
func TestUnknownIDAndNoRegistry(t *testing.T) {
	reg := newFake(t)
	d := newDecoder(t, reg.URL())
	got := value(t, d, "orders", framed(4242, []byte("x")))
	if KindOf(got.Err) != KindUnknownID || got.Format != FormatBinary || !strings.Contains(got.Err.Error(), "4242") {
		t.Fatalf("unknown id: %+v", got)
	}
	plain, err := NewDecoder(Config{})
	if err != nil {
		t.Fatal(err)
	}
	got = value(t, plain, "orders", framed(7, []byte("x")))
	if KindOf(got.Err) != KindNoRegistry || got.Ref.ID != 7 || got.Format != FormatBinary {
		t.Fatalf("no registry: %+v", got)
	}
}

// TestRegistryCredentials: basic auth and bearer tokens reach the
// registry; wrong or missing ones are reported as unauthorised.
func TestRegistryCredentials(t *testing.T) {
	basic := newFake(t, srfake.WithAuth("Basic "+base64.StdEncoding.EncodeToString([]byte("ops:s3cret"))))
	id := register(t, basic, "k-key", sr.Schema{Schema: `"string"`})
	bearer := newFake(t, srfake.WithAuth("Bearer tok-1"))
	bid := register(t, bearer, "k-key", sr.Schema{Schema: `"string"`})
	body := framed(id, []byte{2, 'a'})

	ok := newDecoder(t, basic.URL(), func(c *Config) { c.Registry.Username, c.Registry.Password = "ops", "s3cret" })
	mustJSON(t, value(t, ok, "k", body), `"a"`)
	okTok := newDecoder(t, bearer.URL(), func(c *Config) { c.Registry.Token = "tok-1" })
	mustJSON(t, value(t, okTok, "k", framed(bid, []byte{2, 'a'})), `"a"`)

	for name, tc := range map[string]struct {
		d    *Decoder
		want string
	}{
		"none":     {newDecoder(t, basic.URL()), "HTTP 401: Missing Authorization header"},
		"wrong":    {newDecoder(t, basic.URL(), func(c *Config) { c.Registry.Username, c.Registry.Password = "ops", "nope" }), "HTTP 403: User not authorized"},
		"no token": {newDecoder(t, bearer.URL()), "HTTP 401: Missing Authorization header"},
	} {
		got := value(t, tc.d, "k", body)
		if KindOf(got.Err) != KindUnauthorized || !strings.Contains(got.Err.Error(), tc.want) || !strings.Contains(got.Err.Error(), "schema id "+itoa(id)) {
			t.Errorf("%s: %v", name, got.Err)
		}
	}
}

// TestRegistryDownIsRemembered: a failing registry is asked once and,
// the failure being transient (503), twice again after a short pause; the
// next decodes fail at once with the same reason until RetryAfter passes.
func TestRegistryDownIsRemembered(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "k-key", sr.Schema{Schema: `"string"`})
	var mu sync.Mutex
	down, calls := true, 0
	reg.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if down {
			http.Error(w, `{"error_code":50301,"message":"overloaded"}`, http.StatusServiceUnavailable)
		}
		return down
	})
	d := newDecoder(t, reg.URL(), func(c *Config) { c.Registry.RetryAfter = 300 * time.Millisecond })
	body := framed(id, []byte{2, 'a'})
	for i := 0; i < 3; i++ {
		if got := value(t, d, "k", body); KindOf(got.Err) != KindRegistryDown || !strings.Contains(got.Err.Error(), "503") {
			t.Fatalf("decode %d: %v", i, got.Err)
		}
	}
	mu.Lock()
	if calls != 3 {
		t.Fatalf("%d requests to a failing registry, want 3", calls)
	}
	down = false
	mu.Unlock()
	time.Sleep(350 * time.Millisecond)
	mustJSON(t, value(t, d, "k", body), `"a"`)

	// Nothing listening at all.
	gone := srfake.New()
	url := gone.URL()
	gone.Close()
	if got := value(t, newDecoder(t, url), "k", body); KindOf(got.Err) != KindRegistryDown {
		t.Fatalf("closed registry: %v", got.Err)
	}
}

// TestRegistrySlow: a registry that does not answer costs a decode its
// timeout, not a hang.
func TestRegistrySlow(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "k-key", sr.Schema{Schema: `"string"`})
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return true
	})
	d := newDecoder(t, reg.URL(), func(c *Config) { c.Registry.Timeout = 200 * time.Millisecond; c.Timeout = 300 * time.Millisecond })
	start := time.Now()
	got := value(t, d, "k", framed(id, []byte{2, 'a'}))
	if KindOf(got.Err) != KindRegistrySlow {
		t.Fatalf("slow registry: %v", got.Err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("decode took %s", el)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	patient := newDecoder(t, reg.URL(), func(c *Config) { c.Registry.Timeout = time.Second; c.Timeout = 5 * time.Second })
	start = time.Now()
	got = patient.Value(ctx, &sources.Message{Stream: "k", Value: framed(id, []byte{2, 'a'})})
	if KindOf(got.Err) != KindRegistrySlow || time.Since(start) > time.Second {
		t.Fatalf("caller's deadline: %v", got.Err)
	}
	// Worded as a request that found no answer in time, with the id.
	if msg := got.Err.Error(); !strings.Contains(msg, "schema id "+itoa(id)+": no answer in ") || strings.Contains(msg, "context deadline") {
		t.Fatalf("caller's deadline worded %q", msg)
	}
}

// TestOneFetchPerID: concurrent decodes of one id fetch it once.
func TestOneFetchPerID(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Schema: orderAvsc})
	n := counter(reg, "/schemas/ids/")
	d := newDecoder(t, reg.URL())
	body := framed(id, hambaBody(t, orderAvsc, sampleOrder()))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := value(t, d, "orders", body); got.Err != nil || string(got.JSON) != sampleOrderJSON {
				errs <- got.Err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent decode: %v", err)
	}
	// One GET /schemas/ids/{id} and one GET /schemas/ids/{id}/versions.
	if got := n.Load(); got != 2 {
		t.Fatalf("%d id requests, want 2", got)
	}
}

// TestVersionsLatestAndCompatibility: the ref names the subject version
// and the latest version; the compatibility check asks the registry.
func TestVersionsLatestAndCompatibility(t *testing.T) {
	reg := newFake(t)
	v1 := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`
	v2 := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"long","default":0}]}`
	id1 := register(t, reg, "r-value", sr.Schema{Schema: v1})
	register(t, reg, "r-value", sr.Schema{Schema: v2})
	d := newDecoder(t, reg.URL())
	got := value(t, d, "r", framed(id1, []byte{2, 'x'}))
	mustJSON(t, got, `{"a":"x"}`)
	if got.Ref.Subject != "r-value" || got.Ref.Version != 1 || got.Ref.Latest != 2 {
		t.Fatalf("ref %+v", got.Ref)
	}
	if s := got.Ref.String(); s != fmtRef(id1) {
		t.Fatalf("ref line %q", s)
	}
	vs, err := d.Registry().Versions(context.Background(), id1)
	if err != nil || len(vs) != 1 || vs[0] != (SubjectVersion{Subject: "r-value", Version: 1}) {
		t.Fatalf("versions %v %v", vs, err)
	}
	c, err := d.Registry().CheckLatest(context.Background(), "r-value", id1)
	if err != nil || !c.Compatible {
		t.Fatalf("compat %+v %v", c, err)
	}
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/compatibility/subjects/r-value/versions/latest" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"is_compatible":false,"messages":["field b removed"]}`))
		return true
	})
	c, err = d.Registry().CheckLatest(context.Background(), "r-value", id1)
	if err != nil || c.Compatible || len(c.Messages) != 1 || c.Messages[0] != "field b removed" {
		t.Fatalf("incompatible %+v %v", c, err)
	}
}

func fmtRef(id int) string {
	return "avro id " + itoa(id) + " r-value v1 (latest is v2) R"
}

// TestBadSchema: a registered schema that does not compile is a bad schema.
func TestBadSchema(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "p-value", sr.Schema{Schema: `syntax = "proto3"; message M { Missing m = 1; }`, Type: sr.TypeProtobuf})
	got := value(t, newDecoder(t, reg.URL()), "p", framed(id, []byte{0}))
	if KindOf(got.Err) != KindBadSchema {
		t.Fatalf("bad schema: %v", got.Err)
	}
}

// TestSubjectOfTheStream: an id registered under several subjects is
// named by the stream's own subject, else by one for the same part.
func TestSubjectOfTheStream(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "shared-value", sr.Schema{Schema: `"string"`})
	if again := register(t, reg, "orders-key", sr.Schema{Schema: `"string"`}); again != id {
		t.Fatalf("the same schema got id %d and %d", id, again)
	}
	d := newDecoder(t, reg.URL())
	m := &sources.Message{Stream: "orders", Key: framed(id, []byte{2, 'k'}), Value: framed(id, []byte{2, 'v'})}
	if k := d.Key(context.Background(), m); k.Ref.Subject != "orders-key" {
		t.Fatalf("key subject %q", k.Ref.Subject)
	}
	if v := d.Value(context.Background(), m); v.Ref.Subject != "shared-value" {
		t.Fatalf("value subject %q", v.Ref.Subject)
	}
}

// TestRegistryOverTLS reaches a registry served over https with the CA
// given in the TLS config, and fails without it.
func TestRegistryOverTLS(t *testing.T) {
	reg := srfake.NewRegistry()
	id, _, err := reg.RegisterSchema("k-key", sr.Schema{Schema: `"string"`})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(reg.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	d := newDecoder(t, srv.URL, func(c *Config) { c.Registry.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12} })
	mustJSON(t, value(t, d, "k", framed(id, []byte{2, 'a'})), `"a"`)
	if got := value(t, newDecoder(t, srv.URL), "k", framed(id, []byte{2, 'a'})); KindOf(got.Err) != KindRegistryDown || !strings.Contains(got.Err.Error(), "certificate") {
		t.Fatalf("unknown CA: %v", got.Err)
	}
}

// TestWrongRegistryURL: a server that answers 404 without the registry's
// error body is not taken for a registry without the id.
func TestWrongRegistryURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	got := value(t, newDecoder(t, srv.URL), "k", framed(3, []byte{2, 'a'}))
	if KindOf(got.Err) != KindRegistryDown || !strings.Contains(got.Err.Error(), "is the URL") {
		t.Fatalf("plain 404: %v", got.Err)
	}
}

// TestJSONSchemaLocalKeyRule maps a stream's keys to a local JSON Schema
// file; the values of that stream are still read by content.
func TestJSONSchemaLocalKeyRule(t *testing.T) {
	p := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(p, []byte(`{"title":"Key","type":"object","required":["id"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(Config{Rules: []Rule{{Pattern: "customers", Key: true, Schema: p}}})
	if err != nil {
		t.Fatal(err)
	}
	m := &sources.Message{Stream: "customers", Key: []byte(`{"id":"c-1"}`), Value: []byte(`{"id":"c-1"}`)}
	k := d.Key(context.Background(), m)
	mustJSON(t, k, `{"id":"c-1"}`)
	if k.Format != FormatJSONSchema || k.Ref.String() != "jsonschema "+p+" Key" {
		t.Fatalf("key %+v (%s)", k, k.Ref)
	}
	if v := d.Value(context.Background(), m); v.Format != FormatJSON {
		t.Fatalf("value %+v", v)
	}
	m.Key = []byte(`{"name":"x"}`)
	if k := d.Key(context.Background(), m); KindOf(k.Err) != KindMismatch || !strings.Contains(k.Err.Error(), "id") {
		t.Fatalf("key without id: %v", k.Err)
	}
}

// TestServerMessage: what a server says with an error status is quoted on
// one line, its HTML tags, scripts and controls left out, capped.
func TestServerMessage(t *testing.T) {
	for _, tc := range []struct {
		re   sr.ResponseError
		want string
	}{
		{sr.ResponseError{Message: "User not authorized"}, "User not authorized"},
		{sr.ResponseError{Message: "no response"}, "no response"},
		{sr.ResponseError{Raw: []byte("<html><style>p{}</style><script>x()</script><p>Denied\n  by   proxy</p><style")}, "Denied by proxy"},
		{sr.ResponseError{Raw: []byte("bad\x1b[2Jterm")}, "bad␛[2Jterm"},
		{sr.ResponseError{Raw: []byte(strings.Repeat("é", 300))}, strings.Repeat("é", 200) + "… (600 bytes)"},
		{sr.ResponseError{}, "(no message)"},
	} {
		if got := serverMessage(&tc.re); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.re.Raw, got, tc.want)
		}
	}
}

// TestRegistryEndlessAnswer: a registry that answers without end is read
// up to a bound and the value is shown raw with why, not held in memory.
func TestRegistryEndlessAnswer(t *testing.T) {
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"schema":"`))
		chunk := []byte(strings.Repeat("A", 64<<10))
		for range 1024 { // 64 MiB, four times the bound
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	d := newDecoder(t, endless.URL, func(c *Config) { c.Registry.Timeout = 30 * time.Second })
	got := value(t, d, "k", framed(7, []byte{2, 'a'}))
	if got.Err == nil || !strings.Contains(got.Err.Error(), "larger than 16 MiB") {
		t.Fatalf("an endless answer: %v", got.Err)
	}
}
