package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources/kafka"
)

// safeOutput fails the test when out holds a control a terminal acts on.
func safeOutput(t *testing.T, what, out string) {
	t.Helper()
	if bad := poison.Find(out); bad != "" {
		t.Errorf("%s: %s reached the terminal", safetext.String(what), bad)
	}
}

// TestHeadlessOutputIsSanitised runs every command that prints message
// data on a Kafka dead letter (Spring headers) and a RabbitMQ one (x-death,
// x-first-death-*, properties), both with terminal controls in every
// field: no output carries one, JSON stays valid, and the export reads
// back byte for byte.
func TestHeadlessOutputIsSanitised(t *testing.T) {
	kafkaAddr, topic := testbroker.PoisonKafka(t)
	rabbitURL, queue := testbroker.PoisonRabbit(t)
	for _, b := range []struct{ flag, addr, stream string }{{"--kafka", kafkaAddr, topic}, {"--rabbitmq", rabbitURL, queue}} {
		on := func(args ...string) []string { return append([]string{b.flag, b.addr}, args...) }
		ok := func(args ...string) string {
			t.Helper()
			code, out, errOut := run(t, on(args...)...)
			if code != 0 {
				t.Fatalf("%q: exit %d: %q", args, code, errOut)
			}
			safeOutput(t, fmt.Sprint(args, " stderr"), errOut)
			return out
		}
		text := ok("tail", b.stream, "--from", "oldest", "--limit", "1")
		safeOutput(t, "tail --format text", text)
		if !strings.Contains(text, "␛]52;c;") {
			t.Errorf("tail does not show the dead letter's provenance: %q", text)
		}
		export := ok("export", b.stream)
		safeOutput(t, "export", export)
		if !json.Valid([]byte(strings.TrimSpace(export))) {
			t.Errorf("export is not JSON: %q", export)
		}
		m, err := capture.NewDecoder(strings.NewReader(export)).Next()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Header("name" + poison.Text); !ok {
			t.Errorf("the poisoned header name did not come back byte for byte: %q", m.Headers)
		}
		ok("export", b.stream, "-o", filepath.Join(t.TempDir(), "out.jsonl")) // stderr names the stream
		ok("export", b.stream, "--filter", "key != nil", "--max-scan", "1")
		kcat := ok("export", b.stream, "--format", "kcat")
		safeOutput(t, "export --format kcat", kcat)
		if !json.Valid([]byte(strings.TrimSpace(kcat))) {
			t.Errorf("kcat is not JSON: %q", kcat)
		}
		if raw := ok("export", b.stream, "--format", "raw"); !strings.Contains(raw, "\u009b") || !strings.Contains(raw, "\u202e") {
			t.Errorf("raw output into a pipe is not byte for byte: %q", raw)
		}
		// The poisoned origin is no topic, exchange or queue that can be
		// written to: the dry run leaves the message unresolved and says why.
		code, plan, errOut := run(t, on("redrive", b.stream, "--dry-run")...)
		safeOutput(t, "redrive --dry-run", plan+errOut)
		if code != 0 || !strings.Contains(plan, "1 unresolved (left in place)") || !strings.Contains(plan, `]52;c;`) || !strings.Contains(plan, "is not a legal") {
			t.Errorf("the plan does not show why the message stays: %d %q %q", code, plan, errOut)
		}
		for _, by := range []string{"failure", "origin", "consumer"} {
			safeOutput(t, "triage --by "+by, ok("triage", b.stream, "--by", by))
		}
		tj := ok("triage", b.stream, "--json")
		safeOutput(t, "triage --json", tj)
		if !json.Valid([]byte(tj)) {
			t.Errorf("triage --json is not JSON: %q", tj)
		}
	}
	comp := ok3(t, "--rabbitmq", rabbitURL, "__complete", "tail", "")
	safeOutput(t, "completion", comp)
	if strings.Contains(comp, "orders.parking") {
		t.Errorf("a poisoned queue name is offered as a completion: %q", comp)
	}
	tr := ok3(t, "--kafka", kafkaAddr, "trace", "corr-1"+poison.Text)
	safeOutput(t, "trace", tr)
	if !strings.Contains(tr, "1 message in") {
		t.Errorf("trace found nothing: %q", tr)
	}
	trj := ok3(t, "--kafka", kafkaAddr, "trace", "corr-1"+poison.Text, "--json")
	safeOutput(t, "trace --json", trj)
	if !json.Valid([]byte(trj)) {
		t.Errorf("trace --json is not JSON: %q", trj)
	}
	for _, args := range [][]string{{"groups"}, {"groups", testbroker.PoisonGroup}, {"groups", "--json"}, {"groups", testbroker.PoisonGroup, "--json"}} {
		out := ok3(t, append([]string{"--kafka", kafkaAddr}, args...)...)
		safeOutput(t, strings.Join(args, " "), out)
		if !strings.Contains(out, "order-service") {
			t.Errorf("%q does not show the group:\n%q", args, out)
		}
	}
	_, _, errOut := run(t, "--kafka", kafkaAddr, "export", "no.such"+poison.Text)
	safeOutput(t, "an error naming a stream", errOut)
}

// TestExportReplayIsByteExact: a dead letter whose header names are not
// all UTF-8 and whose fields hold control characters, exported and
// replayed into another topic, arrives byte for byte.
func TestExportReplayIsByteExact(t *testing.T) {
	addr, topic := testbroker.PoisonKafka(t)
	file := filepath.Join(t.TempDir(), "dlt.jsonl")
	ok3(t, "--kafka", addr, "export", topic, "-o", file)
	ok3(t, "--kafka", addr, "replay", file, "--to", testbroker.PoisonCopyTopic, "--yes")
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	orig, copied := testbroker.ReadAll(t, conn, topic), testbroker.ReadAll(t, conn, testbroker.PoisonCopyTopic)
	if len(orig) != 1 || len(copied) != 1 {
		t.Fatalf("%d messages, %d copied", len(orig), len(copied))
	}
	a, b := orig[0], copied[0]
	if _, ok := b.Header(poison.BinaryName); !ok || !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) || !reflect.DeepEqual(a.Headers, b.Headers) {
		t.Fatalf("not byte for byte:\n%q\n%q", a.Headers, b.Headers)
	}
}

// ok3 runs a command line that must succeed and returns its stdout.
func ok3(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("%q: exit %d: %q", args, code, errOut)
	}
	return out
}

// openPTY opens a pseudo-terminal: what a program writes to tty the
// test reads from master.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// TestRawOnATerminalIsSanitised: --format raw and template write bytes as
// they are into a pipe, but sanitised onto a terminal, and say so.
func TestRawOnATerminalIsSanitised(t *testing.T) {
	addr, topic := testbroker.PoisonKafka(t)
	for _, format := range [][]string{{"--format", "raw"}, {"--format", "template", "--template", `{{.Key}} {{.Value}} {{index .Headers "kafka_dlt-exception-fqcn"}}`}} {
		master, tty := openPTY(t)
		got := make(chan string, 1)
		go func() {
			var b bytes.Buffer
			buf := make([]byte, 4096)
			for {
				n, err := master.Read(buf)
				b.Write(buf[:n])
				if err != nil || bytes.Contains(b.Bytes(), []byte("\n")) && bytes.HasSuffix(b.Bytes(), []byte("\n")) {
					break
				}
			}
			got <- b.String()
		}()
		var errOut bytes.Buffer
		args := append([]string{"--log-file", filepath.Join(t.TempDir(), "log"), "--kafka", addr, "export", topic}, format...)
		if code := Execute(args, strings.NewReader(""), tty, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %q", format, code, errOut.String())
		}
		var out string
		select {
		case out = <-got:
			out = strings.ReplaceAll(out, "\r\n", "\n") // the terminal's own line ends (onlcr)
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: nothing on the terminal", format)
		}
		safeOutput(t, strings.Join(format, " ")+" on a terminal", out)
		if !strings.Contains(out, "⟨U+009B⟩2J⟨U+202E⟩") {
			t.Errorf("%v: the value is not shown: %q", format, out)
		}
		if !strings.Contains(errOut.String(), "stdout is a terminal: control characters shown as pictures; redirect to a file for raw bytes") {
			t.Errorf("%v: stderr does not say the output is sanitised: %q", format, errOut.String())
		}
	}
	var out bytes.Buffer
	var errOut bytes.Buffer
	Execute([]string{"--log-file", filepath.Join(t.TempDir(), "log"), "--kafka", addr, "export", topic, "--format", "raw"}, strings.NewReader(""), &out, &errOut)
	if !bytes.Contains(out.Bytes(), []byte("\u009b2J")) || strings.Contains(errOut.String(), "stdout is a terminal: control characters shown as pictures; redirect to a file for raw bytes") {
		t.Fatalf("raw into a pipe: %q, stderr %q", out.String(), errOut.String())
	}
}

// TestConfigCheckIsSanitised: names and addresses from a config file are
// printed with their controls shown, not acted on.
func TestConfigCheckIsSanitised(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "connections:\n  prod:\n    kind: kafka\n    brokers: [\"h\\e]0;title\\a\\u009b2J:9092\"]\n  rabbit:\n    kind: rabbitmq\n    url: \"amqp://h\\u202e:5672/\"\n    username: \"me\\e[2J\"\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, "", "--config", cfg, "config", "check")
	if code != 0 {
		t.Fatalf("check: %q", errOut)
	}
	safeOutput(t, "config check", out)
	if !strings.Contains(out, "h␛]0;title␇⟨U+009B⟩2J:9092") || !strings.Contains(out, "me␛[2J") {
		t.Fatalf("config check does not show the names:\n%q", out)
	}
}

// TestRedriveQuestionIsSanitised: the question before a redrive names the
// source as the broker spells it, sanitised.
func TestRedriveQuestionIsSanitised(t *testing.T) {
	var out bytes.Buffer
	ok, err := confirm(strings.NewReader("n\n"), &out, "redrive", "Redrive 1 messages from q\x1b]52;c;eA==\x07\u202e? [y/N] ")
	if ok || err != nil {
		t.Fatalf("confirm: %v %v", ok, err)
	}
	safeOutput(t, "the question", out.String())
	if !strings.HasSuffix(out.String(), "? [y/N] ") {
		t.Fatalf("question %q", out.String())
	}
}

// TestLogFileEscapesControls: what the log says about broker data is JSON
// with every control escaped.
func TestLogFileEscapesControls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	e := &env{flags: globalFlags{logFile: path}}
	e.logger().Info("read failed", "stream", poison.Text, "err", "no queue "+poison.Text)
	e.closeLog()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	safeOutput(t, "the log file", string(b))
	var rec map[string]string
	if err := json.Unmarshal(b, &rec); err != nil || rec["stream"] != poison.Text {
		t.Fatalf("log line %q: %v", b, err)
	}
}

// TestHeadlessSQSIsSanitised: an SQS dead letter with controls in its body
// and its attributes (names, types, values) prints nothing a terminal acts
// on, and its export reads back byte for byte.
func TestHeadlessSQSIsSanitised(t *testing.T) {
	endpoint, dlq := testbroker.PoisonSQS(t)
	base := []string{"--sqs-endpoint", endpoint}
	for _, args := range [][]string{{"tail", dlq, "--limit", "1"}, {"export", dlq}, {"export", dlq, "--format", "kcat"},
		{"triage", dlq}, {"triage", dlq, "--json"}, {"redrive", dlq, "--dry-run"}} {
		code, out, errOut := run(t, append(base, args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %q", args, code, errOut)
		}
		safeOutput(t, strings.Join(args, " "), out+errOut)
		if args[0] == "export" && len(args) == 2 {
			m, err := capture.NewDecoder(strings.NewReader(out)).Next()
			if err != nil {
				t.Fatalf("%v: %q %q", err, out, errOut)
			}
			if v, ok := m.Header("name" + poison.Text); !ok || string(v) != poison.Bytes {
				t.Fatalf("the attribute did not come back byte for byte: %q", m.Headers)
			}
		}
	}
}
