package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

const (
	// flowSampleEvery is the time between two lag samples of a check.
	flowSampleEvery = time.Second
	// flowSamplesKept bounds the samples a check keeps (the last ones).
	flowSamplesKept = 600
	// sparkWidth is the widest sparkline check writes.
	sparkWidth = 60
)

// flowSampling samples a stream's lag and depth in a goroutine while a
// check reads.
type flowSampling struct {
	s      *health.Sampler
	ring   *health.SampleRing
	cancel context.CancelFunc
	first  chan struct{} // closed once the first sample is taken
	done   chan struct{}
}

// startSampling takes a sample as the scan starts, then one every
// flowSampleEvery, in a goroutine, until stop.
func startSampling(ctx context.Context, conn sources.Conn, stream string) *flowSampling {
	fs := &flowSampling{s: health.NewSampler(conn, stream), ring: health.NewSampleRing(flowSamplesKept, flowSampleEvery),
		first: make(chan struct{}), done: make(chan struct{})}
	ctx, fs.cancel = context.WithCancel(ctx)
	go func() { // the first sample too: a broker slow to list its groups does not hold up the scan
		defer close(fs.done)
		fs.take(ctx)
		close(fs.first)
		t := time.NewTicker(flowSampleEvery)
		defer t.Stop()
		fs.s.Run(ctx, t.C, fs.ring)
	}()
	return fs
}

// take takes a sample now into the ring (none once ctx has ended).
func (fs *flowSampling) take(ctx context.Context) {
	if x, err := fs.s.Take(ctx, time.Now()); err == nil {
		fs.ring.Add(x)
	} else if ctx.Err() == nil {
		fs.ring.Fail(err)
	}
}

// stop ends the sampling; with ctx still live it takes a last sample. It
// returns what was sampled; once ctx has ended it waits for nothing.
func (fs *flowSampling) stop(ctx context.Context) *health.Sampling {
	select {
	case <-fs.first:
	case <-ctx.Done(): // a sample a broker's client does not give up is left behind
		return fs.ring.Sampling()
	}
	fs.cancel()
	select {
	case <-fs.done:
		fs.take(ctx)
	case <-ctx.Done():
	}
	return fs.ring.Sampling()
}

// spark is a sparkline of counts for text output.
func spark(values []int64) string {
	f := make([]float64, len(values))
	for i, v := range values {
		f[i] = float64(max(v, 0))
	}
	return render.Sparkline(f, sparkWidth)
}

// perMin is a rate per minute, "12/min" or "0.25/min".
func perMin(r float64) string {
	if r >= 10 || r == 0 {
		return fmt.Sprintf("%.0f/min", r)
	}
	return fmt.Sprintf("%.2g/min", r)
}

// deadLetterHops names the chain's dead-letter hops.
func deadLetterHops(f *health.Flow) string {
	var names []string
	for _, h := range f.Chain {
		if h.Role == "dead letters" {
			names = append(names, safetext.String(h.Stream))
		}
	}
	if len(names) == 0 {
		return "the dead letters"
	}
	return strings.Join(names, " + ")
}

func printFlow(w io.Writer, f *health.Flow) {
	fmt.Fprintln(w, "\nflow:")
	if len(f.Chain) > 1 {
		hops := make([]string, len(f.Chain))
		for i, h := range f.Chain {
			hops[i] = fmt.Sprintf("%s (%s: %s held", safetext.String(h.Stream), h.Role, digits(h.Messages))
			if h.InSpan >= 0 {
				hops[i] += fmt.Sprintf(", %s over the span", digits(h.InSpan))
			}
			hops[i] += ")"
		}
		fmt.Fprintf(w, "  chain: %s\n", strings.Join(hops, " → "))
	}
	tl := f.Timeline
	if f.DeadLetterRate >= 0 && (tl == nil || tl.DeadLetters == nil) {
		fmt.Fprintf(w, "  dead letters over the span: %.3f/s\n", f.DeadLetterRate)
	}
	if tl != nil {
		printTimeline(w, f, tl)
	}
	if len(f.Groups) == 0 {
		fmt.Fprintln(w, "  no consumer group reads it")
	}
	sampled := f.Sampling
	dlRate := sampled.DeadLetterPerMin()
	for _, g := range f.Groups {
		fmt.Fprintf(w, "  group %s on %s: lag %s now (%s, %d members)", safetext.String(g.Group), safetext.String(g.Stream), digits(g.Lag), safetext.String(g.State), g.Members)
		if n := len(g.LagSamples); n >= 2 && sampled.Spanned() {
			a, b := g.LagSamples[0], g.LagSamples[n-1]
			fmt.Fprintf(w, "; over %d samples lag %s %s  %s", n, health.Trend(a, b), trendNumbers(a, b), spark(g.LagSamples))
			if dlRate >= 0 {
				fmt.Fprintf(w, " while %s took %s", deadLetterHops(f), perMin(dlRate))
			}
		}
		fmt.Fprintln(w)
	}
	switch {
	case sampled.Spanned():
		printQueueSamples(w, f, sampled)
		span := sampled.Samples[len(sampled.Samples)-1].At.Sub(sampled.Samples[0].At).Round(time.Second)
		fmt.Fprintf(w, "  (%s; %d samples over %s)\n", health.SamplingNote, len(sampled.Samples), span)
	case sampled != nil:
		fmt.Fprintf(w, "  (%s, every %s; this one ran too briefly to tell a trend)\n", health.SamplingNote, time.Duration(sampled.IntervalSeconds*float64(time.Second)))
	}
	if sampled != nil && sampled.Failed > 0 {
		fmt.Fprintf(w, "  (%d samples failed: %s)\n", sampled.Failed, oneLine(sampled.LastError))
	}
	for _, n := range f.Notes {
		fmt.Fprintf(w, "  (%s)\n", oneLine(n))
	}
}

// printTimeline writes the main stream's and the dead-letter hops'
// messages per minute over the scan, as sparklines of their buckets.
func printTimeline(w io.Writer, f *health.Flow, tl *health.Timeline) {
	fmt.Fprintf(w, "  over the scan, by the messages' own timestamps, in buckets of %s from %s:\n", tl.BucketText(), stampFull(tl.From))
	produced, took := safetext.String(tl.Stream)+" produced", deadLetterHops(f)+" took"
	width := len(produced)
	if tl.DeadLetters != nil {
		width = max(width, len(took))
	}
	if tl.Produced != nil {
		fmt.Fprintf(w, "    %-*s  %s  %s\n", width, produced, spark(tl.Produced), perMin(tl.ProducedPerMinOverScan))
	}
	if tl.DeadLetters != nil {
		fmt.Fprintf(w, "    %-*s  %s  %s\n", width, took, spark(tl.DeadLetters), perMin(tl.DeadLetterPerMinOverScan))
	}
}

// printQueueSamples writes a queue's depth, consumers and in-flight
// messages and its dead-letter hops' depth over the samples (a log's
// depth is its retention, not its backlog: its groups' lag says that).
func printQueueSamples(w io.Writer, f *health.Flow, s *health.Sampling) {
	if len(f.Chain) == 0 || !f.Chain[0].Queue {
		return
	}
	last := s.Samples[len(s.Samples)-1]
	depth := s.Series(func(x health.FlowSample) int64 { return x.DepthMessages })
	fmt.Fprintf(w, "  %s depth %s %s  %s; %s, %s in flight\n", safetext.String(f.Chain[0].Stream), health.Trend(depth[0], depth[len(depth)-1]),
		trendNumbers(depth[0], depth[len(depth)-1]), spark(depth), consumersText(last.Consumers), digits(last.InFlightMessages))
	if deadLetterHops(f) != "the dead letters" {
		dl := s.Series(func(x health.FlowSample) int64 { return x.DeadLetterMessages })
		fmt.Fprintf(w, "  %s depth %s %s  %s\n", deadLetterHops(f), health.Trend(dl[0], dl[len(dl)-1]), trendNumbers(dl[0], dl[len(dl)-1]), spark(dl))
	}
	fmt.Fprintln(w, "  (the check's own peek holds messages unacknowledged while it reads: samples taken meanwhile count them in flight)")
}

// consumersText is "3 consumers", or that they are not known.
func consumersText(n int) string {
	if n < 0 {
		return "consumers not known"
	}
	return digits(int64(n)) + " consumers"
}

// trendNumbers is "from 40 to 9,000", or "at 40".
func trendNumbers(a, b int64) string {
	if a == b {
		return "at " + digits(a)
	}
	return "from " + digits(a) + " to " + digits(b)
}
