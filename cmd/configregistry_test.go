package cmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheckAsksTheSchemaRegistry: config check asks each
// connection's Schema Registry for its subjects with the configured
// credentials: right ones answer, wrong ones fail the check (exit 1)
// naming the registry's refusal, a registry not there fails too; the
// password is printed nowhere.
func TestConfigCheckAsksTheSchemaRegistry(t *testing.T) {
	const user, pw = "reader", "sr-pw-7Hq2"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pw {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error_code":40101,"message":"Unauthorized"}`)
			return
		}
		if r.URL.Path != "/subjects" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error_code":40401,"message":"Subject not found"}`)
			return
		}
		fmt.Fprint(w, `["orders-value"]`)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	gone := closed.URL
	closed.Close()
	t.Setenv("MQ_TEST_SR_PW", pw)
	t.Setenv("MQ_TEST_SR_WRONG", "wrong-sr-pw")
	cfg := fmt.Sprintf(`connections:
  good:
    kind: kafka
    brokers: [127.0.0.1:9]
    schema_registry: {url: %[1]s, username: %[2]s, password_env: MQ_TEST_SR_PW}
  wrong:
    kind: kafka
    brokers: [127.0.0.1:9]
    schema_registry: {url: %[1]s, username: %[2]s, password_env: MQ_TEST_SR_WRONG}
  gone:
    kind: kafka
    brokers: [127.0.0.1:9]
    schema_registry: {url: %[3]s}
`, srv.URL, user, gone)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, "", "--config", path, "config", "check")
	if code != 1 || !strings.Contains(errOut, "2 connections failed the login check") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if name, text, ok := strings.Cut(l, " (schema registry)"); ok {
			lines[name] = strings.TrimSpace(text)
		}
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if got := lines["good"]; got != "answered at "+host+" with the configured credentials" {
		t.Errorf("good: %q", got)
	}
	if got := lines["wrong"]; !strings.HasPrefix(got, "failed: ") || !strings.Contains(got, "HTTP 401") {
		t.Errorf("wrong: %q", got)
	}
	if got := lines["gone"]; !strings.HasPrefix(got, "failed: ") || !strings.Contains(got, "connection refused") {
		t.Errorf("gone: %q", got)
	}
	for _, secret := range []string{pw, "wrong-sr-pw"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("the output shows %q", secret)
		}
	}
}
