package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestCheckDemoPayments: the demo's payments carry one flaw of each kind;
// check finds each, exactly, and exits 3.
func TestCheckDemoPayments(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "check", "payments", "--sequence", "json.seq", "--json")
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	d := r.Duplicates
	if d.Count != 3 || d.Retry != 1 || d.Republish != 1 || d.Redrive != 1 {
		t.Fatalf("duplicates %+v", d)
	}
	for _, p := range d.Examples {
		want := map[string]string{"retry": demo.HealthRetried, "republish": demo.HealthRetried, "redrive": demo.HealthRedriven}[p.Kind]
		if p.Entity != want || p.First == nil || p.First.Partition != p.Second.Partition || p.First.Offset >= p.Second.Offset {
			t.Errorf("%s: %+v", p.Kind, p)
		}
		if p.Kind == "retry" && p.Second.Offset != p.First.Offset+1 {
			t.Errorf("retry copies not adjacent: %+v", p)
		}
	}
	if r.Ordering.Count != 1 || r.Ordering.Examples[0].Entity != demo.HealthReordered || r.Ordering.Examples[0].Detail != "seq 2 after 3" {
		t.Fatalf("ordering %+v", r.Ordering)
	}
	if r.SplitKeys.Count != 1 || r.SplitKeys.Examples[0].Entity != demo.HealthSplit {
		t.Fatalf("split %+v", r.SplitKeys)
	}
	if r.Gaps.Count != 1 || r.Gaps.Examples[0].Entity != demo.HealthGap {
		t.Fatalf("gaps %+v", r.Gaps)
	}
	if r.Flow == nil || len(r.Flow.Groups) != 1 || r.Flow.Groups[0].Group != "payment-service" {
		t.Fatalf("flow %+v", r.Flow)
	}
	code, out, _ = run(t, "--kafka", addr, "check", "payments", "--sequence", "json.seq")
	if code != exitFindings || !strings.Contains(out, "6 findings (exit status 3)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// flawedTopic writes records one by one to the partitions they name.
func writeRecords(t *testing.T, addr string, msgs []*sarama.ProducerMessage) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, m := range msgs {
		if _, _, err := p.SendMessage(m); err != nil {
			t.Fatal(err)
		}
	}
}

func event(topic string, part int32, key string, seq int, extra ...sarama.RecordHeader) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{Topic: topic, Partition: part, Key: sarama.StringEncoder(key),
		Value:     sarama.StringEncoder(fmt.Sprintf(`{"order":%q,"seq":%d}`, key, seq)),
		Timestamp: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Second), Headers: extra}
}

// TestCheckKafkaKnownFlaws: a topic whose flaws are known, one of each
// kind: check counts each exactly and its examples point at the offsets
// written; a clean topic reports nothing and exits 0; with a window
// smaller than the distance of a re-publish, the Bloom filter finds it and
// the output says it switched.
func TestCheckKafkaKnownFlaws(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "check-flawed", "check-clean"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	const topic = "check-flawed"
	msgs := []*sarama.ProducerMessage{
		event(topic, 0, "a", 1), event(topic, 0, "a", 1), // p0@0, @1: a producer retry
		event(topic, 0, "a", 2), event(topic, 0, "a", 4), // p0@3: seq 3 never comes
	}
	for i := 0; i < 7; i++ { // p0@4-10
		msgs = append(msgs, event(topic, 0, fmt.Sprintf("x%d", i), 1))
	}
	msgs = append(msgs, event(topic, 0, "a", 1), // p0@11: a re-publish of p0@0
		event(topic, 1, "b", 1), event(topic, 1, "b", 3), event(topic, 1, "b", 2), // p1@2: out of order after p1@1
		event(topic, 1, "a", 5), // p1@3: a split over two partitions
		event(topic, 1, "b", 1, sarama.RecordHeader{Key: []byte("x-mqscope-redrive-id"), Value: []byte("rd-1")},
			sarama.RecordHeader{Key: []byte("x-mqscope-redrive-source"), Value: []byte("check-flawed.DLT")},
			sarama.RecordHeader{Key: []byte("x-mqscope-redrive-position"), Value: []byte("1/0")}), // p1@4: a redrive's copy of p1@0
	)
	writeRecords(t, addr, msgs)
	for i := 1; i <= 20; i++ {
		var clean []*sarama.ProducerMessage
		for k := 0; k < 6; k++ {
			clean = append(clean, event("check-clean", int32(k%2), fmt.Sprintf("k%d", k), i))
		}
		writeRecords(t, addr, clean)
	}

	code, out, errOut := run(t, "--kafka", addr, "check", topic, "--sequence", "json.seq", "--json")
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	at := func(p int32, o int64) health.Position { return health.Position{Stream: topic, Partition: p, Offset: o} }
	d := r.Duplicates
	if r.Scanned != 17 || d.Count != 3 || d.Retry != 1 || d.Republish != 1 || d.Redrive != 1 || d.Possible != 0 {
		t.Fatalf("scanned %d, duplicates %+v", r.Scanned, d)
	}
	want := map[string][2]health.Position{"retry": {at(0, 0), at(0, 1)}, "republish": {at(0, 0), at(0, 11)}, "redrive": {at(1, 0), at(1, 4)}}
	for _, p := range d.Examples {
		if w := want[p.Kind]; p.First == nil || *p.First != w[0] || p.Second != w[1] {
			t.Errorf("%s: %+v, want %v", p.Kind, p, w)
		}
	}
	if o := r.Ordering; o.Count != 1 || o.BySequence != 1 || *o.Examples[0].First != at(1, 1) || o.Examples[0].Second != at(1, 2) || o.Examples[0].Entity != "b" {
		t.Fatalf("ordering %+v", o)
	}
	if s := r.SplitKeys; s.Count != 1 || s.Examples[0].Entity != "a" || s.Examples[0].At[0] != at(0, 0) || s.Examples[0].At[1] != at(1, 3) {
		t.Fatalf("split %+v", s)
	}
	if g := r.Gaps; g.Count != 1 || g.Entities != 1 || g.Examples[0].Entity != "a" || g.Examples[0].Ranges[0] != (health.Range{From: 3, To: 3}) {
		t.Fatalf("gaps %+v", g)
	}
	if !r.Memory.Exact || r.Findings() != 6 {
		t.Fatalf("memory %+v, %d findings", r.Memory, r.Findings())
	}

	// the re-publish is 11 messages after its first copy: past a window of 3
	code, out, _ = run(t, "--kafka", addr, "check", topic, "--sequence", "json.seq", "--window", "3")
	if code != exitFindings || !strings.Contains(out, "after message") || !strings.Contains(out, "possible duplicates  1      beyond the window") ||
		!strings.Contains(out, "(more than false positives explain: findings)") ||
		!strings.Contains(out, "possible   a  (beyond the window: not known) = check-flawed[0]@11") {
		t.Fatalf("exit %d:\n%s", code, out)
	}

	code, out, errOut = run(t, "--kafka", addr, "check", "check-clean", "--sequence", "json.seq")
	if code != 0 || !strings.Contains(out, "check-clean: 120 messages read") || !strings.Contains(out, "healthy: nothing found") {
		t.Fatalf("clean: exit %d:\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "--kafka", addr, "check", "no-such-topic"); code != 1 || errOut == "" {
		t.Fatalf("an unknown topic: exit %d %s", code, errOut)
	}
}

// TestCheckRabbitMQQueue: a queue is checked as a whole (RabbitMQ keeps a
// queue in order), or per --key-path; the AMQP message-id is the
// identity. The queue is peeked and keeps its messages.
func TestCheckRabbitMQQueue(t *testing.T) {
	url, _, _ := testbroker.RabbitVhost(t)
	conn, ch := testbroker.AMQPChannel(t, url)
	defer conn.Close()
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("orders.work", true, false, false, false, nil)
	must(err)
	for _, m := range []struct {
		id, order string
		seq       int
	}{{"m1", "o1", 1}, {"m2", "o1", 2}, {"m1", "o1", 1}, {"m3", "o2", 1}, {"m4", "o2", 3}, {"m5", "o2", 2}, {"m6", "o1", 4}} {
		must(ch.PublishWithContext(context.Background(), "", "orders.work", false, false, amqp.Publishing{MessageId: m.id,
			Body: []byte(fmt.Sprintf(`{"order":%q,"seq":%d,"note":"copy %s"}`, m.order, m.seq, m.id))}))
	}
	testbroker.WaitQueue(t, ch, "orders.work", 7)
	code, out, errOut := run(t, "--rabbitmq", url, "check", "orders.work", "--key-path", "json.order", "--sequence", "json.seq", "--json")
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	d := r.Duplicates
	if r.Scanned != 7 || d.Count != 1 || d.Retry != 1 || d.Examples[0].Second.Offset-d.Examples[0].First.Offset != 2 || d.Examples[0].Entity != "o1" {
		t.Fatalf("scanned %d, duplicates %+v", r.Scanned, d)
	}
	if o := r.Ordering; o.Count != 1 || o.Examples[0].Entity != "o2" || o.Examples[0].Detail != "seq 2 after 3" || o.Examples[0].Second.Offset-o.Examples[0].First.Offset != 1 {
		t.Fatalf("ordering %+v", o)
	}
	if r.Gaps.Count != 1 || r.Gaps.Examples[0].Entity != "o1" || r.SplitKeys.Count != 0 {
		t.Fatalf("gaps %+v split %+v", r.Gaps, r.SplitKeys)
	}
	if !strings.Contains(errOut, "orders.work is a queue: 7 messages were peeked") {
		t.Fatalf("the peek is not told: %s", errOut)
	}
	testbroker.WaitQueue(t, ch, "orders.work", 7)
	// without --key-path the queue is one entity: seq goes back twice
	code, out, _ = run(t, "--rabbitmq", url, "check", "orders.work", "--sequence", "json.seq")
	if code != exitFindings || !strings.Contains(out, "entity: what the broker keeps in order (a RabbitMQ queue") || !strings.Contains(out, "ordering    2") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestCheckFlowRetryChain: a Spring retry chain (orders, orders-retry-0,
// orders-retry-1, orders-dlt) is one flow: each hop with what it holds and
// received over the scan's span, the dead letters' rate over it, and the
// lag of the group that reads orders.
func TestCheckFlowRetryChain(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders", "orders-retry-0", "orders-retry-1", "orders-dlt", "shipments"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	var msgs []*sarama.ProducerMessage
	for i := 1; i <= 10; i++ { // 09:00:01 to 09:00:10
		msgs = append(msgs, event("orders", 0, fmt.Sprintf("o%d", i), i))
	}
	for _, hop := range []struct {
		topic string
		n     int
	}{{"orders-retry-0", 4}, {"orders-retry-1", 2}, {"orders-dlt", 1}} {
		for i := 0; i < hop.n; i++ {
			msgs = append(msgs, event(hop.topic, 0, fmt.Sprintf("o%d", i+1), i+2))
		}
	}
	msgs = append(msgs, event("orders-dlt", 0, "late", 30)) // after the span
	writeRecords(t, addr, msgs)
	commit(t, addr, "order-service", "orders", 7)

	code, out, errOut := run(t, "--kafka", addr, "check", "orders", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r health.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	f := r.Flow
	want := []health.Hop{{Stream: "orders", Role: "main", Messages: 10, InSpan: -1}, {Stream: "orders-retry-0", Role: "retry 0", Messages: 4, InSpan: 4},
		{Stream: "orders-retry-1", Role: "retry 1", Messages: 2, InSpan: 2}, {Stream: "orders-dlt", Role: "dead letters", Messages: 2, InSpan: 1}}
	if f == nil || fmt.Sprint(f.Chain) != fmt.Sprint(want) {
		t.Fatalf("chain %+v", f)
	}
	if f.DeadLetterRate < 1.0/9-1e-9 || f.DeadLetterRate > 1.0/9+1e-9 {
		t.Fatalf("dead letters %v/s over 9 s", f.DeadLetterRate)
	}
	if len(f.Groups) != 1 || f.Groups[0].Group != "order-service" || f.Groups[0].Lag != 3 {
		t.Fatalf("groups %+v", f.Groups)
	}
	code, out, _ = run(t, "--kafka", addr, "check", "orders-retry-1")
	if code != 0 || !strings.Contains(out, "chain: orders (main: 10 held, 2 over the span) → orders-retry-0 (retry 0: 4 held, 2 over the span) → orders-retry-1 (retry 1: 2 held) → ") || !strings.Contains(out, "group order-service on orders: lag 3 now") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// commit commits a group's offset on partition 0 of a topic, as a simple
// consumer group (outside any generation).
func commit(t *testing.T, addr, group, topic string, offset int64) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	client, err := sarama.NewClient([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	coord, err := client.Coordinator(group)
	if err != nil {
		t.Fatal(err)
	}
	req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group, ConsumerGroupGeneration: -1, RetentionTime: -1}
	req.AddBlock(topic, 0, offset, 0, "")
	resp, err := coord.CommitOffset(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range resp.Errors {
		for _, kerr := range ps {
			if kerr != sarama.ErrNoError {
				t.Fatal(kerr)
			}
		}
	}
}
