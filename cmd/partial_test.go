package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneBadConnectionAmongSeveral: a headless command on several
// connections names the one that did not open and goes on with the
// others; a stream that is on none of those that opened fails, naming the
// one that did not; a write is refused unless every connection opened;
// when none opens, each is named.
func TestOneBadConnectionAmongSeveral(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	cfg := fmt.Sprintf("connections:\n  good:\n    kind: kafka\n    brokers: [%s]\n  away:\n    kind: kafka\n    brokers: [127.0.0.1:1]\n  also-away:\n    kind: rabbitmq\n    url: amqp://127.0.0.1:1/\n", addr)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--kafka", addr, "export", "shipments", "--limit", "1", "--format", "template", "--template", `{{index .Headers "correlation-id"}}`)
	if code != 0 {
		t.Fatal(errOut)
	}
	corr := strings.TrimSpace(out)
	all := []string{"--config", path, "-c", "away", "-c", "good", "-c", "also-away"}
	code, out, errOut = run(t, append(all, "trace", corr)...)
	if code != 0 || !strings.Contains(out, "3 messages in") {
		t.Fatalf("trace with one good connection: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"away", "also-away"} {
		if !strings.Contains(errOut, "mqscope: connection "+name+": ") || !strings.Contains(errOut, "(going on with the other connections)") {
			t.Fatalf("the failed connection %s is not named:\n%s", name, errOut)
		}
	}
	code, _, errOut = run(t, append(all, "export", "payments.DLQ")...)
	if code == 0 || !strings.Contains(errOut, "no such topic or queue; not looked for on the connections that did not open: connection away: ") {
		t.Fatalf("a stream on none of the open connections: exit %d\n%s", code, errOut)
	}
	// a write needs every connection: a same-named stream elsewhere is not
	// written to in place of the one on the connection that did not open
	code, out, errOut = run(t, append(all, "redrive", "orders.DLT", "--yes", "--breaker", "0")...)
	if code == 0 || !strings.Contains(errOut, "connection away: ") || !strings.Contains(errOut, "nothing written: a write needs every connection it is given") || strings.Contains(out, "redriven") {
		t.Fatalf("redrive with a connection away: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = run(t, "--config", path, "-c", "away", "-c", "also-away", "export", "orders")
	if code == 0 || !strings.Contains(errOut, "connection away: ") || !strings.Contains(errOut, "connection also-away: ") || strings.Contains(errOut, "going on") {
		t.Fatalf("no connection opens: exit %d\n%s", code, errOut)
	}
}
