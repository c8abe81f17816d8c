package health

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// samplerRun is a Sampler's Run in a goroutine, driven by the test's
// ticks.
type samplerRun struct {
	ticks chan time.Time
	taken chan struct{}
	ring  *SampleRing
	done  chan struct{}
}

// runSampler starts sampling stream on conn; nothing is sampled before the
// first tick.
func runSampler(conn sources.Conn, stream string) *samplerRun {
	r := &samplerRun{ticks: make(chan time.Time), taken: make(chan struct{}), ring: NewSampleRing(10, time.Second), done: make(chan struct{})}
	r.ring.taken = r.taken
	go func() {
		defer close(r.done)
		NewSampler(conn, stream).Run(context.Background(), r.ticks, r.ring)
	}()
	return r
}

// tick asks for a sample stamped at and waits until it is taken.
func (r *samplerRun) tick(at time.Time) {
	r.ticks <- at
	<-r.taken
}

// finish stops the sampling and returns what it took.
func (r *samplerRun) finish() *Sampling {
	close(r.ticks)
	<-r.done
	return r.ring.Sampling()
}

// TestSamplerSeesLagRise: the sampler, driven by ticks the test sends,
// sees the group's lag and the dead letters' end grow by what was written
// between two ticks; each sample carries its tick's time.
func TestSamplerSeesLagRise(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "pay", "pay.DLT", "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(testbroker.FillKafka(addr, "pay", 10, []byte(`{"a":1}`)))
	must(testbroker.FillKafka(addr, "pay.DLT", 2, []byte(`{"a":1}`)))
	must(testbroker.CommitOffset(addr, "pay-service", "pay", 4))
	must(testbroker.CommitOffset(addr, "other-service", "other", 0))
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	must(err)
	defer conn.Close()

	sr := runSampler(conn, "pay")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sr.tick(t0)
	must(testbroker.FillKafka(addr, "pay", 25, []byte(`{"a":2}`)))
	must(testbroker.FillKafka(addr, "pay.DLT", 3, []byte(`{"a":2}`)))
	sr.tick(t0.Add(time.Second))
	s := sr.finish()
	if s.Failed != 0 || len(s.Samples) != 2 {
		t.Fatalf("sampling %+v", s)
	}
	a, b := s.Samples[0], s.Samples[1]
	if !a.At.Equal(t0) || !b.At.Equal(t0.Add(time.Second)) {
		t.Fatalf("stamps %v %v", a.At, b.At)
	}
	if fmt.Sprint(a.Lags) != fmt.Sprint([]GroupLag{{Group: "pay-service", Stream: "pay", Lag: 6}}) ||
		fmt.Sprint(b.Lags) != fmt.Sprint([]GroupLag{{Group: "pay-service", Stream: "pay", Lag: 31}}) {
		t.Fatalf("lags %+v then %+v", a.Lags, b.Lags)
	}
	if a.DeadLetterEnd != 2 || b.DeadLetterEnd != 5 || a.DeadLetterMessages != 2 || b.DeadLetterMessages != 5 || a.DepthMessages != 10 || b.DepthMessages != 35 {
		t.Fatalf("samples %+v then %+v", a, b)
	}
	if r := s.DeadLetterPerMin(); r != 180 || s.DeadLetterInflowPerMin != 180 {
		t.Fatalf("dead letters %v/min, want 3 in a second", r)
	}
	f := &Flow{Groups: []GroupLag{{Group: "pay-service", Stream: "pay", Lag: 31}}}
	f.WithSamples(s)
	if fmt.Sprint(f.Groups[0].LagSamples) != "[6 31]" || Trend(6, 31) != "rose" {
		t.Fatalf("lag samples %v", f.Groups[0].LagSamples)
	}
}

// TestTimelineBuckets: messages by event time fall in one-minute buckets
// over the span; a span too long for the buckets a timeline shows widens
// them by doubling, and every message is still counted once.
func TestTimelineBuckets(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var p, d timeBuckets
	for i, n := range []int{3, 0, 5, 1} { // minutes 0-3
		for k := 0; k < n; k++ {
			p.add(t0.Add(time.Duration(i)*time.Minute + time.Duration(k)*time.Second).UnixMilli())
		}
	}
	d.add(t0.Add(2*time.Minute + 30*time.Second).UnixMilli())
	tl := newTimeline(t0, t0.Add(3*time.Minute+10*time.Second), &p, &d)
	if tl.BucketSeconds != 60 || !tl.From.Equal(t0) || fmt.Sprint(tl.Produced) != "[3 0 5 1]" || fmt.Sprint(tl.DeadLetters) != "[0 0 1 0]" || tl.BucketText() != "1m" {
		t.Fatalf("timeline %+v", tl)
	}
	var burst timeBuckets // five messages in two seconds: 5/min, not 150
	for i := range 5 {
		burst.add(t0.Add(time.Duration(i) * 500 * time.Millisecond).UnixMilli())
	}
	if tl := newTimeline(t0, t0.Add(2*time.Second), &burst, nil); tl.ProducedPerMinOverScan != 5 || fmt.Sprint(tl.Produced) != "[5]" {
		t.Fatalf("a burst: %+v", tl)
	}
	var long timeBuckets
	for h := 0; h < 200; h++ { // one an hour for 200 hours: 12,000 minutes
		long.add(t0.Add(time.Duration(h) * time.Hour).UnixMilli())
	}
	tl = newTimeline(t0, t0.Add(199*time.Hour), &long, nil)
	var sum int64
	for _, n := range tl.Produced {
		sum += n
	}
	if len(tl.Produced) > maxTimelineBuckets || sum != 200 || tl.DeadLetters != nil || tl.DeadLetterPerMinOverScan != -1 {
		t.Fatalf("%d buckets of %ds, %d messages", len(tl.Produced), tl.BucketSeconds, sum)
	}
}

// TestSamplingTooBriefForATrend: two samples closer than the interval
// tell no trend and no inflow rate, however far their numbers are apart.
func TestSamplingTooBriefForATrend(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := NewSampleRing(10, time.Second)
	r.Add(FlowSample{At: t0, DeadLetterEnd: 10})
	r.Add(FlowSample{At: t0.Add(2 * time.Millisecond), DeadLetterEnd: 20})
	if s := r.Sampling(); s.Spanned() || s.DeadLetterPerMin() != -1 {
		t.Fatalf("2 ms apart: spanned %v, %v/min", s.Spanned(), s.DeadLetterPerMin())
	}
	r.Add(FlowSample{At: t0.Add(time.Second), DeadLetterEnd: 30})
	if s := r.Sampling(); !s.Spanned() || s.DeadLetterPerMin() != 1200 {
		t.Fatalf("a second apart: spanned %v, %v/min", s.Spanned(), s.DeadLetterPerMin())
	}
}
