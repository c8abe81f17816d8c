package replay_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

func kafkaDemo(t *testing.T) (*kafka.Conn, *demo.Cluster) {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 400, TrickleEvery: -1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	c, err := kafka.Dial(context.Background(), kafka.Options{Name: "demo", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, cl
}

func readAll(t *testing.T, r sources.Reader, stream string) []sources.Message {
	return testbroker.ReadAll(t, r, stream)
}

// fingerprint is a message's key, value and headers (provenance headers of
// a redrive left out), as one comparable string.
func fingerprint(m sources.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q|%q", m.Key, m.Value)
	for _, h := range m.Headers {
		if strings.HasPrefix(h.Key, "x-mqscope-redrive-") {
			continue
		}
		fmt.Fprintf(&b, "|%s=%q", h.Key, h.Value)
	}
	return b.String()
}

func multiset(ms []sources.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fingerprint(m)
	}
	slices.Sort(out)
	return out
}

// redriven picks the messages of one redrive from a topic.
func redriven(ms []sources.Message, id string) []sources.Message {
	var out []sources.Message
	for _, m := range ms {
		if v, ok := m.Header(replay.HeaderID); ok && string(v) == id {
			out = append(out, m)
		}
	}
	return out
}

func TestRedriveSpringAndConnectDLTsExactlyOnce(t *testing.T) {
	c, _ := kafkaDemo(t)
	for _, tc := range []struct{ dlt, origin string }{{"orders.DLT", "orders"}, {"connect.dlq", "payments"}} {
		t.Run(tc.dlt, func(t *testing.T) {
			dead := readAll(t, c, tc.dlt)
			plan, err := replay.NewPlan(tc.dlt, dead, replay.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s := plan.Summary(); s.Redrive != len(dead) || s.PerTarget[tc.origin] != len(dead) {
				t.Fatalf("plan %+v for %d messages", s, len(dead))
			}
			res, err := replay.RedriveKafka(context.Background(), c, plan, replay.RunOptions{Batch: 7})
			if err != nil {
				t.Fatal(err)
			}
			if res.Done != len(dead) {
				t.Fatalf("done %d of %d", res.Done, len(dead))
			}
			back := redriven(readAll(t, c, tc.origin), plan.ID)
			if !slices.Equal(multiset(back), multiset(dead)) {
				t.Fatalf("the redriven multiset differs: %d in the DLT, %d back", len(dead), len(back))
			}
			for _, m := range back {
				src, _ := m.Header(replay.HeaderSource)
				hops, _ := m.Header(replay.HeaderHops)
				if string(src) != tc.dlt || string(hops) != "1" {
					t.Fatalf("provenance %q %q", src, hops)
				}
				if tc.dlt == "orders.DLT" { // Spring names the original partition: it is kept
					pos, _ := m.Header(replay.HeaderPosition)
					var p, o int
					fmt.Sscanf(string(pos), "%d/%d", &p, &o)
					if m.Partition != int32(p) {
						t.Fatalf("record went to partition %d, its origin was %d", m.Partition, p)
					}
				}
			}
			// Running the same plan again writes nothing: its group is gone
			// (the run finished), the copies in the target tell.
			again, err := replay.RedriveKafka(context.Background(), c, plan, replay.RunOptions{})
			if err != nil || again.Done != 0 || again.Skipped+again.Duplicates != len(dead) {
				t.Fatalf("second run: %+v %v", again, err)
			}
		})
	}
}

func TestRedriveKafkaResumesAfterCancel(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")
	plan, err := replay.NewPlan("orders.DLT", dead, replay.Options{DropHeaders: []string{"kafka_dlt-exception-stacktrace"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	res, err := replay.RedriveKafka(ctx, c, plan, replay.RunOptions{Batch: 5, OnProgress: func(replay.Progress) {
		if batches++; batches == 2 {
			cancel()
		}
	}})
	if err != nil || !res.Stop.Early() || res.Done != 10 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	if !hasGroup(t, c, replay.GroupID(plan.ID)) {
		t.Fatal("the cancelled run deleted its group: the same id could not resume it")
	}
	res2, err := replay.RedriveKafka(context.Background(), c, plan, replay.RunOptions{Batch: 5})
	if err != nil || res2.Skipped != 10 || res2.Done != len(dead)-10 || len(res2.Warnings) != 0 {
		t.Fatalf("resumed run: %+v %v", res2, err)
	}
	if hasGroup(t, c, replay.GroupID(plan.ID)) {
		t.Fatal("the finished run left its group behind")
	}
	// A resume after the run finished writes nothing twice.
	res3, err := replay.RedriveKafka(context.Background(), c, plan, replay.RunOptions{Batch: 5})
	if err != nil || res3.Done != 0 || res3.Duplicates != len(dead) {
		t.Fatalf("run after the finished one: %+v %v", res3, err)
	}
	back := redriven(readAll(t, c, "orders"), plan.ID)
	if len(back) != len(dead) {
		t.Fatalf("%d redriven for %d dead letters: lost or duplicated", len(back), len(dead))
	}
	for _, m := range back {
		if _, ok := m.Header("kafka_dlt-exception-stacktrace"); ok {
			t.Fatal("a dropped header was kept")
		}
	}
}

func TestPlanRefusesAndParks(t *testing.T) {
	msgs := []sources.Message{
		{Stream: "orders.DLT", Partition: 0, Offset: 1, DeadLetter: &sources.DeadLetter{Scheme: "spring", OriginStream: "orders", OriginPartition: 0}},
		{Stream: "orders.DLT", Partition: 0, Offset: 2, DeadLetter: &sources.DeadLetter{Scheme: "spring", OriginStream: "orders"},
			Headers: []sources.Header{{Key: replay.HeaderHops, Value: []byte("3")}}},
		{Stream: "orders.DLT", Partition: 0, Offset: 3},
	}
	if _, err := replay.NewPlan("orders.DLT", msgs, replay.Options{To: "orders.DLT"}); err == nil {
		t.Fatal("redrive into the stream being read was not refused")
	}
	p, err := replay.NewPlan("orders.DLT", msgs, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Items[0].Action != replay.Redrive || p.Items[1].Action != replay.Park || p.Items[2].Action != replay.Unresolved {
		t.Fatalf("actions %v %v %v", p.Items[0].Action, p.Items[1].Action, p.Items[2].Action)
	}
	var b strings.Builder
	if err := p.Write(&b); err != nil || !strings.Contains(b.String(), "1 parked") || !strings.Contains(b.String(), "1 unresolved") {
		t.Fatalf("plan text:\n%s", b.String())
	}
}

func TestReplayFileToKafka(t *testing.T) {
	c, _ := kafkaDemo(t)
	src := readAll(t, c, "payments")[:40]
	var file strings.Builder
	for i := range src {
		file.Write(capture.AppendRecord(nil, &src[i]))
	}
	sink, err := c.OpenSink(context.Background(), sources.Target{Stream: "shipments"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	before := len(readAll(t, c, "shipments"))
	res, err := replay.ReplayFile(context.Background(), strings.NewReader(file.String()), sink, replay.ReplayOptions{RunOptions: replay.RunOptions{Batch: 16}})
	if err != nil || res.Done != 40 {
		t.Fatalf("%+v %v", res, err)
	}
	after := readAll(t, c, "shipments")
	if len(after) != before+40 {
		t.Fatalf("shipments grew by %d", len(after)-before)
	}
	var got []sources.Message
	for _, m := range after {
		if v, _ := m.Header("producer"); string(v) == "payment-service" {
			got = append(got, m)
		}
	}
	if !slices.Equal(multiset(got), multiset(src)) {
		t.Fatal("replayed messages differ from the capture")
	}
	if _, err := c.OpenSink(context.Background(), sources.Target{Stream: "no-such-topic"}); err == nil {
		t.Fatal("a missing target was accepted")
	}
}

// hasGroup reports the cluster knows a consumer group of that name.
func hasGroup(t *testing.T, c *kafka.Conn, group string) bool {
	t.Helper()
	gs, err := c.ListGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == group {
			return true
		}
	}
	return false
}
