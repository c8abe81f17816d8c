package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/ui"
)

const (
	kafkaSecret = "kafka-pw-7Qx93s"
	tokenSecret = "token-9Zk21p"
)

// secureCluster is kfake with SCRAM-SHA-512 over mutual TLS, holding a
// DLT, and a config naming it twice: read-only (the default) and writable.
func secureCluster(t *testing.T) (cfgPath string) {
	t.Helper()
	serverTLS, files := testbroker.TLS(t, true)
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders", "orders.DLT"), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "mq", kafkaSecret), kfake.TLS(serverTLS))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	t.Setenv("MQ_TEST_KAFKA_PW", kafkaSecret)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	conn := func(name string, writable bool, pwEnv string) string {
		return fmt.Sprintf(`  %s:
    kind: kafka
    brokers: [%s]
    color: red
    read_only: %v
    sasl:
      mechanism: SCRAM-SHA-512
      username: mq
      password_env: %s
    tls:
      ca: %s
      cert: %s
      key: %s
`, name, kf.ListenAddrs()[0], !writable, pwEnv, files.CA, files.ClientCert, files.ClientKey)
	}
	t.Setenv("MQ_TEST_WRONG_PW", "wrong-"+kafkaSecret)
	cfg := "default: secure\nconnections:\n" + conn("secure", false, "MQ_TEST_KAFKA_PW") + conn("secure-rw", true, "MQ_TEST_KAFKA_PW") +
		conn("wrongpw", true, "MQ_TEST_WRONG_PW") + "trace:\n  correlation_headers: [x-req]\n"
	cfgPath = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// a dead letter to redrive, written over the same secure connection
	if code, _, errOut := runIn(t, "", "--config", cfgPath, "-c", "secure-rw", "replay", "-", "--to", "orders.DLT", "--yes"); code != 0 {
		t.Fatal(errOut)
	}
	return cfgPath
}

// runIn is run with stdin.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	if stdin == "" {
		stdin = `{"stream":"orders.DLT","key":"k1","value":"{\"type\":\"OrderCreated\"}","headers":[{"key":"x-original-topic","value":"orders"},{"key":"x-exception-message","value":"boom"}]}` + "\n"
	}
	var out, errOut strings.Builder
	logFile := filepath.Join(os.Getenv("XDG_STATE_HOME"), "test.log")
	code := Execute(append([]string{"--log-file", logFile}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestConfiguredConnections: a config's connections authenticate (SCRAM
// over mutual TLS), are read-only unless they say otherwise, and say what
// is wrong with a clear message; no secret reaches the output, the log,
// the audit log or the screen.
func TestConfiguredConnections(t *testing.T) {
	cfgPath := secureCluster(t)
	var seen strings.Builder
	record := func(code int, out, errOut string) (int, string, string) {
		seen.WriteString(out + errOut)
		return code, out, errOut
	}
	// the default connection reads
	code, out, errOut := record(runIn(t, "", "--config", cfgPath, "export", "orders.DLT"))
	if code != 0 || !strings.Contains(out, `"key":"k1"`) {
		t.Fatalf("export on the default connection: %d %s %s", code, out, errOut)
	}
	// MQSCOPE_CONFIG works like --config
	t.Setenv("MQSCOPE_CONFIG", cfgPath)
	if code, out, _ := record(runIn(t, "", "triage", "orders.DLT")); code != 0 || !strings.Contains(out, "1 dead letter in") {
		t.Fatalf("triage via MQSCOPE_CONFIG: %s", out)
	}
	// read-only by default: the refusal names the file to change
	code, _, errOut = record(runIn(t, "", "redrive", "orders.DLT", "--yes", "--breaker", "0"))
	if code == 0 || !strings.Contains(errOut, "read-only") || !strings.Contains(errOut, cfgPath) {
		t.Fatalf("redrive on a read-only connection: %s", errOut)
	}
	// read_only: false allows it
	if code, out, errOut := record(runIn(t, "", "-c", "secure-rw", "redrive", "orders.DLT", "--yes", "--breaker", "0")); code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("redrive on a writable connection: %s %s", out, errOut)
	}
	// a wrong password: a clear error, without the password
	code, _, errOut = record(runIn(t, "", "-c", "wrongpw", "export", "orders"))
	if code == 0 || !strings.Contains(errOut, "authentication failed") {
		t.Fatalf("wrong password: %s", errOut)
	}
	if code, _, errOut := record(runIn(t, "", "-c", "nosuch", "export", "orders")); code == 0 || !strings.Contains(errOut, `connection "nosuch" is not in`) {
		t.Fatalf("unknown connection: %s", errOut)
	}
	if code, out, _ := record(runIn(t, "", "config", "check")); code != 0 || !strings.Contains(out, "$MQ_TEST_KAFKA_PW") || !strings.Contains(out, "read-only") {
		t.Fatalf("config check:\n%s", out)
	}
	// the screen: the TUI on the configured connections
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	e.root = newRoot(e)
	e.flags.config = cfgPath
	c, err := e.uiCommon()
	if err != nil {
		t.Fatal(err)
	}
	c.Width, c.Height = 120, 30
	specs, err := e.connSpecs()
	if err != nil {
		t.Fatal(err)
	}
	m := ui.NewConnections(c, specs)
	screens := drive(m, 8)
	defer closeAll(m.Conns())
	if !strings.Contains(screens, " secure ") || !strings.Contains(screens, "read-only") || !strings.Contains(screens, "orders.DLT") {
		t.Fatalf("screen:\n%s", screens)
	}
	seen.WriteString(screens)
	for _, f := range []string{"test.log", "audit.jsonl", filepath.Join("mqscope", "audit.jsonl")} {
		b, _ := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), f))
		seen.Write(b)
	}
	if strings.Contains(seen.String(), kafkaSecret) {
		t.Fatal("a secret reached the output, a log or the screen")
	}
	audit, _ := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "mqscope", "audit.jsonl"))
	for _, want := range []string{`"action":"replay","redrive_id":"","connection":"secure-rw","source":"-","position":"1"`,
		`"action":"redrive","redrive_id":"rd-`, `"action":"redrive-run"`, `"done":1`, `"to orders":1`, `"user":"`, `"host":"`} {
		if !strings.Contains(string(audit), want) {
			t.Fatalf("the audit log lacks %s:\n%s", want, audit)
		}
	}
}

// drive runs a model's Cmds for a few rounds and returns its screens.
func drive(m tea.Model, rounds int) string {
	var screens strings.Builder
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	cmds := []tea.Cmd{m.Init()}
	for i := 0; i < rounds && len(cmds) > 0; i++ {
		var next []tea.Cmd
		for _, c := range cmds {
			if c == nil {
				continue
			}
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				next = append(next, b...)
				continue
			}
			var cmd tea.Cmd
			m, cmd = m.Update(msg)
			next = append(next, cmd)
			screens.WriteString(m.View() + "\n")
		}
		cmds = next
	}
	return screens.String()
}

func TestConfigInitAndCheck(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("MQSCOPE_CONFIG", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	code, out, _ := runIn(t, "", "config", "path")
	want := filepath.Join(dir, "mqscope", "config.yaml")
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("path: %s", out)
	}
	// no connection and no config, not on a terminal: the hint, naming the config path
	if code, out, _ := runIn(t, ""); code != 0 || !strings.Contains(out, "mqscope config init") || !strings.Contains(out, want) {
		t.Fatalf("first run: %s", out)
	}
	if code, out, _ := runIn(t, "", "config", "init"); code != 0 || !strings.Contains(out, "wrote "+want) {
		t.Fatalf("init: %s", out)
	}
	if code, _, errOut := runIn(t, "", "config", "init"); code == 0 || !strings.Contains(errOut, "not overwritten") {
		t.Fatalf("init again: %s", errOut)
	}
	// The example's NATS and Redis servers do not exist: their logins fail, saying why.
	if code, out, errOut := runIn(t, "", "config", "check"); code != 1 || !strings.Contains(out, "6 connections, default local") ||
		!strings.Contains(out, "events  failed: nats nats://nats.internal:4222: unreachable") || !strings.Contains(out, "cache   failed: redis redis.internal:6379/0: unreachable") ||
		!strings.Contains(errOut, "2 connections failed the login check") {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("connections:\n  x:\n    kind: kafka\n    brokers: [h:1]\n    colour: red\n"), 0o600)
	if code, _, errOut := runIn(t, "", "--config", bad, "config", "check"); code == 0 || !strings.Contains(errOut, bad+":5: colour: unknown field") {
		t.Fatalf("bad file: %s", errOut)
	}
}

// TestCompletion: shell completion scripts, connection names from the
// config, topic names from the broker.
func TestCompletion(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte(config.Example(drivers())), 0o600)
	if code, out, _ := runIn(t, "", "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Fatalf("bash completion: %d", code)
	}
	if code, out, _ := runIn(t, "", "--config", cfg, "__complete", "-c", ""); code != 0 || !strings.Contains(out, "prod-kafka\n") || !strings.Contains(out, "rabbit\n") {
		t.Fatalf("connection names:\n%s", out)
	}
	addr := demoBroker(t, -1)
	if code, out, _ := runIn(t, "", "--kafka", addr, "__complete", "tail", "ord"); code != 0 || !strings.Contains(out, "orders\n") || !strings.Contains(out, "orders.DLT\n") || strings.Contains(out, "payments") {
		t.Fatalf("topic names:\n%s", out)
	}
}
