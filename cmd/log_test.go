package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// logLines reads a log file's JSON lines.
func logLines(t *testing.T, path string) (raw string, lines []map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return string(b), lines
}

// findLine is the first line with this message whose attributes include
// the given ones.
func findLine(lines []map[string]any, msg string, attrs map[string]any) map[string]any {
	for _, l := range lines {
		if l["msg"] != msg {
			continue
		}
		ok := true
		for k, v := range attrs {
			if l[k] != v {
				ok = false
			}
		}
		if ok {
			return l
		}
	}
	return nil
}

// TestLogRecordsConnectionsAndRedrives: the log file holds each dial and
// its outcome (a failure with its reason), the redrive's plan, start,
// progress and result, and never a password (SASL, a URL's).
func TestLogRecordsConnectionsAndRedrives(t *testing.T) {
	cfgPath := secureCluster(t)
	logFile := filepath.Join(t.TempDir(), "mqscope.log")
	args := func(a ...string) []string { return append([]string{"--log-file", logFile, "--config", cfgPath}, a...) }
	if code, out, errOut := runIn(t, "", args("-c", "secure-rw", "redrive", "orders.DLT", "--yes", "--breaker", "0")...); code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("redrive: %s %s", out, errOut)
	}
	if code, _, _ := runIn(t, "", args("-c", "wrongpw", "export", "orders")...); code == 0 {
		t.Fatal("a wrong password connected")
	}
	const urlPassword = "url-pw-Hq83k"
	if code, _, _ := runIn(t, "", "--log-file", logFile, "--rabbitmq", "amqp://mq:"+urlPassword+"@127.0.0.1:1/", "export", "q"); code == 0 {
		t.Fatal("an unreachable RabbitMQ connected")
	}
	raw, lines := logLines(t, logFile)
	for _, secret := range []string{kafkaSecret, urlPassword} {
		if strings.Contains(raw, secret) {
			t.Fatalf("%q in the log:\n%s", secret, raw)
		}
	}
	for _, want := range []struct {
		msg   string
		attrs map[string]any
	}{
		{"dial", map[string]any{"connection": "secure-rw", "kind": "kafka"}},
		{"connected", map[string]any{"connection": "secure-rw"}},
		{"redrive plan made", map[string]any{"connection": "secure-rw", "source": "orders.DLT", "redrive": 1.0}},
		{"redrive run started", map[string]any{"connection": "secure-rw", "messages": 1.0}},
		{"redrive progress", map[string]any{"connection": "secure-rw"}},
		{"redrive finished", map[string]any{"connection": "secure-rw", "done": 1.0, "failed": 0.0}},
		{"dial", map[string]any{"connection": "wrongpw"}},
		{"connect failed", map[string]any{"connection": "wrongpw"}},
		{"dial", map[string]any{"connection": "rabbitmq", "address": "amqp://mq:xxxxx@127.0.0.1:1/"}},
		{"connect failed", map[string]any{"connection": "rabbitmq"}},
	} {
		if findLine(lines, want.msg, want.attrs) == nil {
			t.Errorf("no %q line with %v in the log:\n%s", want.msg, want.attrs, raw)
		}
	}
	if l := findLine(lines, "redrive finished", nil); l != nil {
		if tg, _ := l["targets"].(map[string]any); tg["orders"] != 1.0 {
			t.Errorf("targets %v", l["targets"])
		}
	}
	if l := findLine(lines, "connect failed", map[string]any{"connection": "wrongpw"}); l != nil && !strings.Contains(l["err"].(string), "authentication failed") {
		t.Errorf("the failure has no reason: %v", l)
	}
}
