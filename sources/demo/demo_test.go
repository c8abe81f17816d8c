package demo_test

import (
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testbroker.ProcessWide()...)
}

func start(t *testing.T, o demo.Options) *demo.Cluster {
	t.Helper()
	if o.Port == 0 {
		o.Port = -1
	}
	cl, err := demo.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func readAll(t *testing.T, c *kafka.Conn, topic string) []sources.Message {
	return testbroker.ReadAll(t, c, topic)
}

func TestDemoFlowIsRealistic(t *testing.T) {
	cl := start(t, demo.Options{History: 300, TrickleEvery: -1, Seed: 7})
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	streams, err := c.ListStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]sources.StreamInfo{}
	for _, s := range streams {
		counts[s.Name] = s
	}
	for _, name := range []string{"orders", "payments", "shipments", "inventory.snapshots", "orders.DLT", "connect.dlq"} {
		if counts[name].Messages == 0 {
			t.Fatalf("topic %s is empty: %+v", name, counts)
		}
	}
	if !counts["orders.DLT"].DeadLetter || !counts["connect.dlq"].DeadLetter || counts["orders"].DeadLetter {
		t.Fatal("DLQ flags wrong")
	}

	orders := readAll(t, c, "orders")
	byPos := map[[2]int64]sources.Message{}
	for _, m := range orders {
		byPos[[2]int64{int64(m.Partition), m.Offset}] = m
		if _, ok := m.Header("correlation-id"); !ok {
			t.Fatalf("order without correlation-id: %+v", m)
		}
		if _, ok := m.Header("schema-version"); !ok {
			t.Fatal("order without schema-version")
		}
	}
	reasons := map[string]int{}
	binary := 0
	for _, m := range readAll(t, c, "orders.DLT") {
		d := m.DeadLetter
		if d == nil || d.Scheme != "spring" || d.OriginStream != "orders" || d.ExceptionMessage == "" || d.StackTrace == "" {
			t.Fatalf("DLT message without Spring provenance: %+v", d)
		}
		orig, ok := byPos[[2]int64{int64(d.OriginPartition), d.OriginOffset}]
		if !ok || string(orig.Key) != string(m.Key) || string(orig.Value) != string(m.Value) {
			t.Fatalf("provenance %s[%d]@%d does not point at the original", d.OriginStream, d.OriginPartition, d.OriginOffset)
		}
		if m.Partition != d.OriginPartition {
			t.Fatal("Spring keeps the original partition")
		}
		reasons[d.ExceptionClass]++
		if !utf8.Valid(m.Value) {
			binary++
		}
	}
	if len(reasons) < 3 {
		t.Fatalf("want several failure reasons, got %v", reasons)
	}
	if binary == 0 {
		t.Fatal("no binary (non-UTF-8) dead letter")
	}
	connectReasons := map[string]bool{}
	for _, m := range readAll(t, c, "connect.dlq") {
		d := m.DeadLetter
		if d == nil || d.Scheme != "connect" || d.OriginStream != "payments" || d.OriginOffset < 0 {
			t.Fatalf("connect.dlq message without Connect provenance: %+v", d)
		}
		connectReasons[d.ExceptionMessage] = true
	}
	if len(connectReasons) < 2 {
		t.Fatalf("connect reasons %v", connectReasons)
	}
	groups, err := c.ListGroups(context.Background())
	if err != nil || len(groups) != 3 {
		t.Fatalf("demo consumer groups: %+v %v", groups, err)
	}
	for _, g := range groups {
		if len(g.Topics) != 1 || g.Lag < 0 {
			t.Fatalf("group %+v", g)
		}
	}
	var tombstones, bin int
	for _, m := range readAll(t, c, "inventory.snapshots") {
		if m.Value == nil {
			tombstones++
		} else if !utf8.Valid(m.Value) {
			bin++
		}
	}
	if tombstones == 0 || bin == 0 {
		t.Fatalf("inventory: %d tombstones, %d binary", tombstones, bin)
	}
}

func TestDemoTrickles(t *testing.T) {
	cl := start(t, demo.Options{History: 5, TrickleEvery: 20 * time.Millisecond})
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sub, err := c.Read(ctx, "orders", sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := 0
	for got < 5 {
		b, err := sub.Next(ctx, 100)
		if err != nil {
			t.Fatalf("no live trickle: %v", err)
		}
		got += len(b)
	}
}

func TestDemoDataDirIsReused(t *testing.T) {
	dir := t.TempDir()
	first, err := demo.Start(context.Background(), demo.Options{Port: -1, DataDir: dir, History: 20, TrickleEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if first.Reused {
		t.Fatal("a new data dir was taken as reused")
	}
	first.Close()
	second := start(t, demo.Options{DataDir: dir, History: 20, TrickleEvery: -1})
	if !second.Reused {
		t.Fatal("the data dir was not reused")
	}
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{second.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := len(readAll(t, c, "orders")); n != 20 {
		t.Fatalf("orders after restart: %d, want the 20 seeded once", n)
	}
}

func TestDemoPortFallback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	cl := start(t, demo.Options{Port: taken, History: -1, TrickleEvery: -1})
	if !cl.PortFallback || strings.HasSuffix(cl.Addr(), ":"+itoa(taken)) {
		t.Fatalf("addr %s fallback %v", cl.Addr(), cl.PortFallback)
	}
}

// TestKcatListsDemoTopics runs kcat, the tool users reach for first,
// against the demo broker. scripts/test installs kcat.
func TestKcatListsDemoTopics(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatal("kcat is not installed: scripts/test installs it (apt-get install kcat)")
	}
	cl := start(t, demo.Options{History: 10, TrickleEvery: -1})
	out, err := exec.Command(kcat, "-b", cl.Addr(), "-L", "-J", "-m", "10").Output()
	if err != nil {
		t.Fatalf("kcat -L: %v", err)
	}
	var meta struct {
		Topics []struct {
			Topic string `json:"topic"`
		} `json:"topics"`
	}
	if err := json.Unmarshal(out, &meta); err != nil {
		t.Fatalf("kcat output: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, tp := range meta.Topics {
		seen[tp.Topic] = true
	}
	for _, want := range []string{"orders", "orders.DLT", "connect.dlq", "payments", "shipments"} {
		if !seen[want] {
			t.Fatalf("kcat does not list %s: %s", want, out)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
