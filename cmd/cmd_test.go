package cmd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources/demo"
)

// run executes the command line and returns the exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--log-file", filepath.Join(t.TempDir(), "log")}, args...)
	code := Execute(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func demoBroker(t *testing.T, trickle time.Duration) string {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 60, TrickleEvery: trickle, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl.Addr()
}

func TestExportIsByteExactJSONL(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "export", "orders.DLT")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("nothing exported")
	}
	dec := capture.NewDecoder(strings.NewReader(out))
	b64 := 0
	for range lines {
		m, err := dec.Next()
		if err != nil {
			t.Fatal(err)
		}
		if m.Stream != "orders.DLT" || len(m.Headers) == 0 {
			t.Fatalf("record %+v", m)
		}
	}
	b64 = strings.Count(out, `"value_b64"`)
	if b64 == 0 {
		t.Fatal("the binary dead letters were not base64-encoded")
	}
	// the binary value round-trips byte for byte
	code, out2, _ := run(t, "--kafka", addr, "export", "orders.DLT", "--format", "jsonl")
	sorted := func(s string) string { l := strings.Split(s, "\n"); slices.Sort(l); return strings.Join(l, "\n") }
	if code != 0 || sorted(out2) != sorted(out) { // partitions interleave differently
		t.Fatal("two exports of the same data differ")
	}
}

func TestExportToFileWithLimitAndPartition(t *testing.T) {
	addr := demoBroker(t, -1)
	file := filepath.Join(t.TempDir(), "o.jsonl")
	code, _, errOut := run(t, "--kafka", addr, "export", "orders", "-o", file, "--limit", "5", "--partition", "1", "--from", "oldest")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "exported 5 messages from orders") {
		t.Fatalf("stderr %q", errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 5 || strings.Count(string(data), `"partition":1`) != 5 {
		t.Fatalf("file has %d lines:\n%s", n, data)
	}
}

func TestTailFollowsLive(t *testing.T) {
	addr := demoBroker(t, 20*time.Millisecond)
	done := make(chan struct{})
	var code int
	var out, errOut string
	go func() {
		code, out, errOut = run(t, "--kafka", addr, "tail", "orders", "--from", "newest", "--limit", "3")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("tail did not deliver live messages")
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], " orders[") || !strings.Contains(lines[0], "key=ord-") {
		t.Fatalf("tail output:\n%s", out)
	}
}

func TestHeadlessErrorsAreOneLineAndNonZero(t *testing.T) {
	addr := demoBroker(t, -1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--kafka", addr, "export", "nope"}, `topic "nope"`},
		{[]string{"--kafka", closed, "tail", "orders"}, "unreachable"},
		{[]string{"--kafka", addr, "export", "orders", "--from", "yesterday"}, "--from"},
		{[]string{"--kafka", addr, "export", "orders", "--partition", "x"}, "--partition"},
		{[]string{"--kafka", addr, "export", "orders", "--partition", "9"}, "no partition 9"},
		{[]string{"--kafka", addr, "export", "orders", "--format", "xml"}, "--format"},
		{[]string{"--kafka", "nohost", "export", "orders"}, "host:port"},
		{[]string{"export", "orders"}, "--kafka"},
		{[]string{"--kafka", addr, "export"}, "one topic"},
		{[]string{"demo", "--port", "70000"}, "--port"},
	}
	for _, tc := range cases {
		start := time.Now()
		code, _, errOut := run(t, tc.args...)
		if code == 0 {
			t.Errorf("%v: exit 0", tc.args)
			continue
		}
		if !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: stderr %q, want one line with %q", tc.args, errOut, tc.want)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v took %v", tc.args, d)
		}
	}
}

func TestFilterOnExportAndRedrive(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "export", "orders.DLT", "--filter", `deadLetter.exception endsWith "OrderValidationException"`)
	if code != 0 {
		t.Fatal(errOut)
	}
	n := strings.Count(out, "\n")
	if n == 0 || strings.Count(out, "OrderValidationException") < n {
		t.Fatalf("filtered export:\n%s", out)
	}
	code, plan, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--dry-run", "--filter", `deadLetter.exception endsWith "OrderValidationException"`)
	if code != 0 || !strings.Contains(plan, fmt.Sprintf("%d -> orders", n)) || !strings.Contains(plan, "dry run") {
		t.Fatalf("dry run (%d expected):\n%s\n%s", n, plan, errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "export", "orders", "--filter", "key =="); code == 0 || !strings.Contains(errOut, "--filter: line 1, column") {
		t.Fatalf("bad filter: %s", errOut)
	}
	// --max-scan stops a filtered read after that many messages and says so.
	code, out, errOut = run(t, "--kafka", addr, "export", "orders.DLT", "--max-scan", "10", "--filter", `deadLetter != nil`)
	if code != 0 || strings.Count(out, "\n") != 10 || !strings.Contains(errOut, "stopped at the scan budget: scanned 10 messages of orders.DLT, matched 10") {
		t.Fatalf("--max-scan: %d lines\n%s", strings.Count(out, "\n"), errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "export", "orders", "--max-scan", "10"); code == 0 || !strings.Contains(errOut, "--max-scan bounds a --filter") {
		t.Fatalf("--max-scan alone: %s", errOut)
	}
	// --read-only refuses; without --yes and without a terminal it refuses too
	if code, _, errOut := run(t, "--kafka", addr, "--read-only", "redrive", "orders.DLT", "--yes"); code == 0 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("read-only: %s", errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT"); code == 0 || !strings.Contains(errOut, "nothing written") && !strings.Contains(errOut, "--yes") {
		t.Fatalf("unconfirmed: %s", errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--to", "orders.DLT", "--yes"); code == 0 || !strings.Contains(errOut, "into itself") {
		t.Fatalf("into itself: %s", errOut)
	}
	// Targets are checked before anything is written, dry run included.
	for _, tc := range []struct{ to, want string }{{"nosuch", `topic "nosuch" does not exist`}, {"offset:100", "not a legal Kafka topic name"}} {
		for _, mode := range []string{"--dry-run", "--yes"} {
			code, out, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--to", tc.to, mode)
			if code == 0 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "nothing was written") || strings.Contains(out, "redriven") || strings.Contains(out, "dry run") {
				t.Fatalf("--to %s %s: %d\n%s\n%s", tc.to, mode, code, out, errOut)
			}
		}
	}
}

func TestExportFormats(t *testing.T) {
	addr := demoBroker(t, -1)
	code, kcat, errOut := run(t, "--kafka", addr, "export", "orders", "--format", "kcat", "--partition", "0", "--until", "offset:4")
	if code != 0 {
		t.Fatal(errOut)
	}
	dec := capture.NewDecoder(strings.NewReader(kcat))
	n := 0
	for {
		m, err := dec.Next()
		if err != nil {
			break
		}
		if m.Stream != "orders" || m.Partition != 0 || len(m.Headers) == 0 || !strings.HasPrefix(string(m.Key), "ord-") {
			t.Fatalf("kcat line read back as %+v", m)
		}
		n++
	}
	if n != 5 {
		t.Fatalf("%d kcat lines for offsets 0..4", n)
	}
	code, raw, _ := run(t, "--kafka", addr, "export", "orders", "--format", "raw", "--limit", "3")
	if code != 0 || strings.Count(raw, "\n") != 3 || !strings.HasPrefix(raw, "{") {
		t.Fatalf("raw:\n%s", raw)
	}
	code, tmpl, errOut := run(t, "--kafka", addr, "export", "orders", "--format", "template", "--template", `{{.Partition}}/{{.Offset}} {{.Key}} {{index .Headers "schema-version"}}`, "--limit", "2", "--partition", "1")
	if code != 0 || !strings.HasPrefix(tmpl, "1/0 ord-") || !strings.Contains(tmpl, " 3\n") {
		t.Fatalf("template: %q %s", tmpl, errOut)
	}
	for _, bad := range [][]string{{"--format", "template"}, {"--format", "xml"}, {"--template", "{{.Key}}"}, {"--format", "template", "--template", "{{"}, {"--until", "newest"}} {
		if code, _, _ := run(t, append([]string{"--kafka", addr, "export", "orders"}, bad...)...); code == 0 {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestGroupsCommand(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "groups")
	if code != 0 || !strings.Contains(out, "order-service") || !strings.Contains(out, "payment-service") || !strings.Contains(out, "LAG") {
		t.Fatalf("groups:\n%s\n%s", out, errOut)
	}
	code, out, _ = run(t, "--kafka", addr, "groups", "order-service", "--json")
	if code != 0 || !strings.Contains(out, `"Topic": "orders"`) {
		t.Fatalf("group json:\n%s", out)
	}
	if code, _, errOut := run(t, "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/", "groups"); code == 0 {
		t.Fatalf("groups on an unreachable RabbitMQ: %s", errOut)
	}
}

// TestRedriveFilterOnAMissingHeader: headers["x"] != nil selects the dead
// letters that have header x and == nil those that lack it; a header no
// message has selects nothing (it selected everything when a missing
// header read as "").
func TestRedriveFilterOnAMissingHeader(t *testing.T) {
	addr := demoBroker(t, -1)
	selected := func(filter string) (n, of int) {
		t.Helper()
		code, plan, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--dry-run", "--filter", filter)
		if code != 0 || !strings.Contains(plan, "dry run: nothing written") {
			t.Fatalf("%s: exit %d\n%s\n%s", filter, code, plan, errOut)
		}
		if _, err := fmt.Sscanf(plan, "filter "+filter+": %d of %d messages", &n, &of); err != nil {
			t.Fatalf("%s: %v\n%s", filter, err, plan)
		}
		return n, of
	}
	const cause = `headers["kafka_dlt-exception-cause-fqcn"]`
	has, all := selected(cause + ` != nil`)
	lacks, _ := selected(cause + ` == nil`)
	if has == 0 || lacks == 0 || has+lacks != all {
		t.Errorf("has the cause %d, lacks it %d, of %d", has, lacks, all)
	}
	if empty, _ := selected(cause + ` == ""`); empty != 0 {
		t.Errorf(`== "" selected %d messages without the header`, empty)
	}
	if n, of := selected(`headers["x-mqscope-redrive-position"] != nil`); n != 0 || of != all {
		t.Errorf("a header no dead letter has selected %d of %d", n, of)
	}
}

// TestExportInFlightBudget: an export with a small --in-flight budget
// (smaller than many of its messages) writes the same lines as one with
// the default (partitions interleave as they come); a budget that is not
// a size is refused.
func TestExportInFlightBudget(t *testing.T) {
	addr := demoBroker(t, -1)
	code, want, errOut := run(t, "--kafka", addr, "export", "orders")
	if code != 0 || want == "" {
		t.Fatalf("exit %d, %d bytes: %s", code, len(want), errOut)
	}
	code, got, errOut := run(t, "--kafka", addr, "export", "orders", "--in-flight", "1k")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := func(s string) []string { l := strings.Split(s, "\n"); slices.Sort(l); return l }
	if !slices.Equal(lines(got), lines(want)) {
		t.Fatalf("with --in-flight 1k the export wrote other lines than with the default:\n%s\n--\n%s", got, want)
	}
	code, _, errOut = run(t, "--kafka", addr, "export", "orders", "--in-flight", "lots")
	if code == 0 || !strings.Contains(errOut, "--in-flight") {
		t.Fatalf("--in-flight lots: exit %d, %q", code, errOut)
	}
}
