package nats_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A listing has every stream's counts, sequences and times, and each
// consumer's pending, ack-pending and redelivered counts as the consumer
// left them: one acked, one nak'd and delivered again, one held.
func TestListStreamsAndConsumers(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "LIST")
	publish(t, js, name+".a", 3, "a")
	publish(t, js, name+".b", 2, "b")
	cons, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "work", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []jetstream.Msg
	for m := range batch.Messages() {
		got = append(got, m)
	}
	if len(got) != 3 {
		t.Fatalf("fetched %d, want 3", len(got))
	}
	if err := got[0].DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	if err := got[1].Nak(); err != nil {
		t.Fatal(err)
	}
	if err := c.NATS().Flush(); err != nil { // the nak reaches the server before the next pull
		t.Fatal(err)
	}
	// Pull until #2 comes again (the server may hand out #4 before it
	// processes the nak); what else comes is held, unacknowledged.
	delivered := map[uint64]bool{1: true, 2: true, 3: true}
	waitFor(t, "#2 delivered again", func() bool {
		again, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range again.Messages() {
			md, _ := m.Metadata()
			if md.Sequence.Stream == 2 && md.NumDelivered == 2 {
				return true
			}
			delivered[md.Sequence.Stream] = true
		}
		return false
	})
	wantPending, wantAckPending := uint64(5-len(delivered)), uint64(len(delivered)-1)

	streams, err := c.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(streams, func(s mqnats.Stream) bool { return s.Name == name })
	if i < 0 {
		t.Fatalf("stream %s not listed", name)
	}
	st := streams[i]
	if st.Messages != 5 || st.FirstSeq != 1 || st.LastSeq != 5 || st.Bytes == 0 || st.FirstTime.IsZero() || st.LastTime.Before(st.FirstTime) {
		t.Fatalf("stream state %+v", st)
	}
	if !slices.Equal(st.Subjects, []string{name + ".>"}) {
		t.Fatalf("subjects %v", st.Subjects)
	}
	if len(st.Consumers) != 1 {
		t.Fatalf("consumers %+v", st.Consumers)
	}
	k := st.Consumers[0]
	if k.Name != "work" || !k.Durable || k.Push || k.Pending != wantPending || k.AckPending != wantAckPending || k.Redelivered != 1 || k.AckFloor != 1 {
		t.Fatalf("consumer %+v: want pending %d, ack pending %d, redelivered 1 (#2), ack floor 1", k, wantPending, wantAckPending)
	}

	infos, err := c.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := slices.IndexFunc(infos, func(s sources.StreamInfo) bool { return s.Name == name })
	info := infos[j]
	if info.Kind != mqnats.StreamKind || info.Messages != 5 || info.High != 6 || info.Consumers != 1 || info.DeadLetter || info.Queue || !info.HasPositions || !info.Live {
		t.Fatalf("stream info %+v", info)
	}
	if len(info.Partitions) != 1 || info.Partitions[0] != (sources.PartitionInfo{ID: sources.NoPartition, Low: 1, High: 6}) {
		t.Fatalf("partitions %+v", info.Partitions)
	}
	if sp := info.Span; sp.Bytes != sources.KnownCount(int64(st.Bytes)) || sp.First != (sources.Edge{Seq: 1, Time: st.FirstTime, Known: true}) ||
		sp.Last != (sources.Edge{Seq: 5, Time: st.LastTime, Known: true}) {
		t.Fatalf("span %+v", sp)
	}
	if !slices.Equal(info.Subjects, []string{name + ".>"}) {
		t.Fatalf("subjects %q", info.Subjects)
	}
	// An empty stream has its bytes, and no ends.
	_, emptyName := plainStream(t, js, "EMPTY")
	infos2, err := c.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := infos2[slices.IndexFunc(infos2, func(s sources.StreamInfo) bool { return s.Name == emptyName })]
	if e.Span != (sources.Span{Bytes: sources.KnownCount(0)}) {
		t.Fatalf("the span of an empty stream %+v", e.Span)
	}
	var line string
	for _, p := range info.Info {
		if p.Name == "consumer work" {
			line = p.Value
		}
	}
	if !strings.Contains(line, fmt.Sprintf("pending %d, ack pending %d, redelivered 1", wantPending, wantAckPending)) {
		t.Fatalf("consumer line %q", line)
	}

	groups, err := c.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g := slices.IndexFunc(groups, func(g sources.GroupInfo) bool { return g.Name == name+"/work" })
	if g < 0 || groups[g].Lag != int64(wantPending) || groups[g].State != "durable" || groups[g].Protocol != "pull" || !slices.Equal(groups[g].Topics, []string{name}) {
		t.Fatalf("groups %+v", groups)
	}
	d, err := c.DescribeGroup(ctx, name+"/work")
	if err != nil {
		t.Fatal(err)
	}
	if d.Lag != int64(wantPending) || len(d.Offsets) != 1 || d.Offsets[0] != (sources.GroupOffset{Topic: name, Partition: sources.NoPartition, Committed: 1, High: 5, Lag: int64(wantPending)}) {
		t.Fatalf("group detail %+v", d)
	}
	if _, err := c.DescribeGroup(ctx, name+"/nobody"); err == nil {
		t.Fatal("a consumer that does not exist was described")
	}
}
