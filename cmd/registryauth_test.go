package cmd

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources/demo"
)

// TestRegistryRefusalIsQuoted: a registry (here a proxy in front of it)
// that answers 403 with its own text has that text, sanitised, beside the
// status and the schema id in export's value_schema_error, and in one
// notice on stderr, not one per message.
func TestRegistryRefusalIsQuoted(t *testing.T) {
	cl := typedDemo(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("Access denied: token for ops\x1b[31m expired " + strings.Repeat("x", 500)))
	}))
	t.Cleanup(front.Close)
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", front.URL, "export", demo.TopicPaymentsAvro, "--limit", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := records(t, out)
	if len(recs) != 4 {
		t.Fatalf("%d records:\n%s", len(recs), out)
	}
	for i, r := range recs {
		e := r.ValueSchemaError
		if e == nil || e.Kind != "registry unauthorised" || e.ID == nil || *e.ID == 0 {
			t.Fatalf("record %d: value_schema_error %+v", i, e)
		}
		for _, want := range []string{"schema id ", "HTTP 403: Access denied: token for ops", "expired", "… ("} {
			if !strings.Contains(e.Error, want) {
				t.Fatalf("record %d: error %q lacks %q", i, e.Error, want)
			}
		}
		if strings.ContainsRune(e.Error, 0x1b) || len(e.Error) > 600 {
			t.Fatalf("record %d: error not sanitised or not capped (%d bytes): %q", i, len(e.Error), e.Error)
		}
	}
	if n := strings.Count(errOut, "schema registry: registry unauthorised"); n != 1 || !strings.Contains(errOut, "HTTP 403: Access denied") || strings.ContainsRune(errOut, 0x1b) {
		t.Fatalf("stderr has %d notices:\n%s", n, errOut)
	}
}

// TestRegistryPasswordInURLIsHidden: a registry URL with a password in it
// is named user:xxxxx@host in the errors on stderr and in every export
// line's value_schema_error; the password shows nowhere.
func TestRegistryPasswordInURLIsHidden(t *testing.T) {
	cl := typedDemo(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(front.Close)
	const secret = "S3cretPW"
	reg := strings.Replace(front.URL, "http://", "http://u15:"+secret+"@", 1)
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", reg, "export", demo.TopicPaymentsAvro, "--limit", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, secret) {
		t.Fatalf("the password shows:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	recs := records(t, out)
	if len(recs) != 3 {
		t.Fatalf("%d records:\n%s", len(recs), out)
	}
	for i, r := range recs {
		if e := r.ValueSchemaError; e == nil || !strings.Contains(e.Error, "u15:xxxxx@") || !strings.Contains(e.Error, "HTTP 500") {
			t.Fatalf("record %d: value_schema_error %+v", i, e)
		}
	}
	if !strings.Contains(errOut, "u15:xxxxx@") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}

// TestExportCountsValuesTheRegistryLeftUndecoded: an export whose
// registry fails says at its end how many values it wrote undecoded.
func TestExportCountsValuesTheRegistryLeftUndecoded(t *testing.T) {
	cl := typedDemo(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(front.Close)
	code, out, errOut := run(t, "--kafka", cl.Addr(), "--schema-registry", front.URL, "export", demo.TopicPaymentsAvro, "--limit", "3")
	if code != 0 || len(records(t, out)) != 3 {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "mqscope: 3 values and 1 key were exported undecoded: the registry failed (") || !strings.Contains(errOut, "HTTP 503") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}
