package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/triage"
)

// TestTriageDemoDLT: the demo's orders.DLT has four kinds of failure; the
// triage finds them as groups whose counts match the dead letters' classes,
// and each group's filter selects exactly its messages.
func TestTriageDemoDLT(t *testing.T) {
	addr := demoBroker(t, -1)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	byClass := map[string]int64{}
	all := testbroker.ReadAll(t, conn, "orders.DLT")
	for _, m := range all {
		byClass[m.DeadLetter.ExceptionClass]++
	}
	code, out, errOut := run(t, "--kafka", addr, "triage", "orders.DLT", "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var r triage.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Groups) < 3 || len(r.Groups) != len(byClass) || r.DeadLetters != int64(len(all)) {
		t.Fatalf("%d groups of %d dead letters; classes %v", len(r.Groups), r.DeadLetters, byClass)
	}
	var sum int64
	for i, g := range r.Groups {
		if byClass[g.Class] != g.Count {
			t.Errorf("group %s (%s): %d, the DLT has %d", g.Key, g.Class, g.Count, byClass[g.Class])
		}
		if i > 0 && g.Count > r.Groups[i-1].Count {
			t.Error("groups are not biggest first")
		}
		var h int64
		for _, n := range g.Histogram {
			h += n
		}
		if h != g.Count || g.First.After(g.Last) || len(g.Origins) != 1 || g.Origins[0].Name != "orders" || g.Consumers[0].Name != "order-service" {
			t.Errorf("group %s: histogram %d, first %v last %v, origins %v consumers %v", g.Key, h, g.First, g.Last, g.Origins, g.Consumers)
		}
		sum += g.Count
		code, sel, errOut := run(t, "--kafka", addr, "export", "orders.DLT", "--filter", g.Filter)
		if code != 0 || int64(strings.Count(sel, "\n")) != g.Count {
			t.Errorf("filter %s selects %d, the group has %d: %s", g.Filter, strings.Count(sel, "\n"), g.Count, errOut)
		}
	}
	if sum != r.DeadLetters {
		t.Errorf("groups hold %d of %d", sum, r.DeadLetters)
	}
	code, table, _ := run(t, "--kafka", addr, "triage", "orders.DLT")
	if code != 0 || !strings.Contains(table, "Read timed out after <n> ms") || !strings.Contains(table, "groups by failure") {
		t.Fatalf("table:\n%s", table)
	}
	code, table, _ = run(t, "--kafka", addr, "triage", "connect.dlq", "--by", "consumer")
	if code != 0 || !strings.Contains(table, "jdbc-sink-payments") {
		t.Fatalf("by consumer:\n%s", table)
	}
	if code, _, errOut := run(t, "--kafka", addr, "triage", "orders.DLT", "--by", "colour"); code == 0 || !strings.Contains(errOut, "want failure, origin, consumer or version") {
		t.Fatalf("bad --by: %s", errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "triage", "no.such.topic"); code == 0 || !strings.Contains(errOut, "no.such.topic") {
		t.Fatalf("unknown topic: %s", errOut)
	}
}

// TestTraceCommand follows a shipped order's correlation id through the
// demo's topics, as a table and as JSON.
func TestTraceCommand(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "export", "shipments", "--limit", "1", "--format", "template", "--template", `{{index .Headers "correlation-id"}}`)
	if code != 0 {
		t.Fatal(errOut)
	}
	corr := strings.TrimSpace(out)
	code, table, errOut := run(t, "--kafka", addr, "trace", corr)
	if code != 0 {
		t.Fatal(errOut)
	}
	o, p, s := strings.Index(table, " orders "), strings.Index(table, " payments "), strings.Index(table, " shipments ")
	if !strings.Contains(table, "3 messages in") || o < 0 || p < o || s < p || !strings.Contains(table, "OrderCreated") {
		t.Fatalf("trace %s:\n%s", corr, table)
	}
	code, js, _ := run(t, "--kafka", addr, "trace", corr, "--json")
	var res struct {
		Hits []struct{ Stream, Via string }
	}
	if code != 0 || json.Unmarshal([]byte(js), &res) != nil || len(res.Hits) != 3 || res.Hits[0].Via != "correlation-id" {
		t.Fatalf("json:\n%s", js)
	}
	if code, _, errOut := run(t, "--kafka", addr, "trace", "x", "--since", "yesterday"); code == 0 || !strings.Contains(errOut, "--since") {
		t.Fatalf("bad --since: %s", errOut)
	}
}

// TestDiffCommand: a dead letter redriven once diffs with its copy; two
// positions diff with each other.
func TestDiffCommand(t *testing.T) {
	addr := demoBroker(t, -1)
	if code, _, errOut := run(t, "--kafka", addr, "redrive", "orders.DLT", "--limit", "1", "--yes", "--breaker", "0"); code != 0 {
		t.Fatal(errOut)
	}
	code, both, errOut := run(t, "--kafka", addr, "export", "orders", "--filter", `"x-mqscope-redrive-id" in headers`, "--format", "template",
		"--template", `{{.Partition}}/{{.Offset}} {{index .Headers "x-mqscope-redrive-position"}}`)
	copyPos, deadPos, _ := strings.Cut(strings.TrimSpace(both), " ")
	if code != 0 || deadPos == "" {
		t.Fatalf("the redriven copy: %q %s", both, errOut)
	}
	for _, args := range [][]string{{"orders", copyPos}, {"orders.DLT", deadPos}} {
		code, out, errOut := run(t, append([]string{"--kafka", addr, "diff"}, append(args, "--only")...)...)
		if code != 0 || !strings.Contains(out, "left  orders.DLT p") || !strings.Contains(out, "right orders p") ||
			!strings.Contains(out, "+  headers x-mqscope-redrive-id") || strings.Contains(out, "value orderId") {
			t.Fatalf("diff %v:\n%s\n%s", args, out, errOut)
		}
	}
	code, js, _ := run(t, "--kafka", addr, "diff", "orders", "0/0", "orders", "0/1", "--json")
	if code != 0 || !strings.Contains(js, `"change": "changed"`) {
		t.Fatalf("two positions:\n%s", js)
	}
	if code, _, errOut := run(t, "--kafka", addr, "diff", "orders", "0/1"); code == 0 || !strings.Contains(errOut, "no other copy") {
		t.Fatalf("a plain message has no other copy: %s", errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "diff", "orders", "zero"); code == 0 || !strings.Contains(errOut, "position") {
		t.Fatalf("bad position: %s", errOut)
	}
}

// TestEditCommand: the editor (a script) fixes a dead letter's value; the
// diff is shown and the edited message reaches the origin.
func TestEditCommand(t *testing.T) {
	addr := demoBroker(t, -1)
	script := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"type\": \"OrderCreated\"/\"type\": \"OrderCreatedFixed\"/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	code, pos, errOut := run(t, "--kafka", addr, "export", "orders.DLT", "--filter", `value contains "OrderCreated"`, "--limit", "1", "--format", "template", "--template", "{{.Partition}}/{{.Offset}}")
	if code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := run(t, "--kafka", addr, "edit", "orders.DLT", strings.TrimSpace(pos), "--yes")
	if code != 0 || !strings.Contains(out, "value type") || !strings.Contains(out, "OrderCreatedFixed") || !strings.Contains(out, "1 redriven") {
		t.Fatalf("edit:\n%s\n%s", out, errOut)
	}
	code, fixed, _ := run(t, "--kafka", addr, "export", "orders", "--filter", `headers["x-mqscope-redrive-edited"] == "true"`)
	if code != 0 || strings.Count(fixed, "\n") != 1 || !strings.Contains(fixed, `OrderCreatedFixed`) {
		t.Fatalf("in orders:\n%s", fixed)
	}
	t.Setenv("EDITOR", "true") // leaves the file as it was
	if code, out, _ := run(t, "--kafka", addr, "edit", "orders.DLT", strings.TrimSpace(pos), "--yes"); code != 0 || !strings.Contains(out, "not changed") {
		t.Fatalf("unchanged:\n%s", out)
	}
	if code, _, errOut := run(t, "--kafka", addr, "--read-only", "edit", "orders.DLT", strings.TrimSpace(pos)); code == 0 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("read-only: %s", errOut)
	}
}

// TestTriageRabbitMQDemo: the RabbitMQ demo's DLQs, dead-lettered by the
// broker itself, group by the broker's reason and the queue they died in.
func TestTriageRabbitMQDemo(t *testing.T) {
	base, api := testbroker.RabbitURLs()
	vhost := fmt.Sprintf("mqscope-test-triage-%d", rand.IntN(1e6))
	url, err := demo.SeedRabbit(context.Background(), demo.RabbitOptions{URL: base, Vhost: vhost, Seed: 2})
	if err != nil {
		t.Fatalf("seed RabbitMQ (scripts/test starts it with its management API): %v", err)
	}
	mgmt, _ := rabbitmq.NewManagement(api, "", "")
	t.Cleanup(func() {
		_ = mgmt.DeleteVhost(context.Background(), vhost)
		mgmt.Close()
	})
	for dlq, want := range map[string]string{"orders.parking": "rejected: in orders.work", "notifications.dlq": "expired: in notifications.retry", "payments.dlq": "delivery_limit: in payments.work"} {
		code, out, errOut := run(t, "--rabbitmq", url, "triage", dlq, "--json")
		var r triage.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("%s: %s", dlq, errOut)
		}
		if len(r.Groups) != 1 || r.Groups[0].Class+": "+r.Groups[0].Text != want || r.Groups[0].Count != r.DeadLetters || r.DeadLetters == 0 {
			t.Fatalf("%s: %+v", dlq, r.Groups)
		}
	}
}
