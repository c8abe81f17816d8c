package ui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/ui/render"
)

// flowSampled carries one sample of the flow's lag and depth.
type flowSampled struct {
	page   int
	sample health.FlowSample
	err    error
}

func (m flowSampled) pageID() int { return m.page }

// flowSampleDue asks for the next sample.
type flowSampleDue struct{ page int }

func (m flowSampleDue) pageID() int { return m.page }

// sample takes one sample of the flow's lag and depth (it only counts:
// nothing is read).
func (p *healthPage) sample() tea.Cmd {
	ctx, s, page, at := p.ctx, p.sampler, p.pid, p.c.Now()
	return func() tea.Msg {
		x, err := s.Take(ctx, at)
		return flowSampled{page: page, sample: x, err: err}
	}
}

// sampled keeps a sample and asks for the next one a moment later.
func (p *healthPage) sampled(msg flowSampled) tea.Cmd {
	if p.ctx.Err() != nil {
		return nil
	}
	if msg.err != nil {
		p.samples.Fail(msg.err)
	} else {
		p.samples.Add(msg.sample)
	}
	if p.flow != nil {
		p.flow.WithSamples(p.samples.Sampling())
		if msg.err == nil {
			p.flow.LagAt(msg.sample)
		}
	}
	ctx, page := p.ctx, p.pid
	return func() tea.Msg {
		t := time.NewTimer(healthSampleEvery)
		defer t.Stop()
		select {
		case <-t.C:
			return flowSampleDue{page: page}
		case <-ctx.Done(): // the page closed: no sample more
			return nil
		}
	}
}

// flowLines are the consumers' lag and the retry chain, one line each.
func (p *healthPage) flowLines(w int) []string {
	s := p.c.Styles
	f := p.flow
	if f == nil {
		if p.done {
			return []string{s.Label.Render("flow ") + s.Muted.Render("looking for consumer groups and a retry chain…")}
		}
		return []string{""}
	}
	var groups []string
	for _, g := range f.Groups {
		groups = append(groups, fmt.Sprintf("%s lag %s on %s", g.Group, groupDigits(g.Lag), g.Stream))
	}
	line := "no consumer group reads it"
	if len(groups) > 0 {
		line = strings.Join(groups, " · ")
	}
	if len(f.Chain) > 1 {
		var hops []string
		for _, h := range f.Chain {
			hops = append(hops, fmt.Sprintf("%s %s", h.Stream, groupDigits(h.Messages)))
		}
		line += "  ·  chain " + strings.Join(hops, " → ")
	}
	out := []string{s.Label.Render("flow ") + render.Preview([]byte(line), max(w-5, 10))}
	if l := p.sampledLine(w); l != "" {
		out = append(out, s.Label.Render("now  ")+l)
	}
	if l := p.timelineLine(w); l != "" {
		out = append(out, s.Label.Render("scan ")+l)
	}
	return out
}

// sparkOf is a sparkline of counts.
func sparkOf(values []int64, width int) string {
	f := make([]float64, len(values))
	for i, v := range values {
		f[i] = float64(max(v, 0))
	}
	return render.Sparkline(f, width)
}

// deadHops names the flow's dead-letter hops ("" none).
func deadHops(f *health.Flow) string {
	var names []string
	for _, h := range f.Chain {
		if h.Role == "dead letters" {
			names = append(names, h.Stream)
		}
	}
	return strings.Join(names, " + ")
}

// sampledLine is the lag of the groups (a queue's depth) over the
// samples taken while the page is open, and the dead letters' inflow
// over them.
func (p *healthPage) sampledLine(w int) string {
	f := p.flow
	sm := f.Sampling
	if !sm.Spanned() {
		return ""
	}
	var parts []string
	for _, g := range f.Groups {
		n := len(g.LagSamples)
		a, b := g.LagSamples[0], g.LagSamples[n-1]
		parts = append(parts, fmt.Sprintf("%s lag %s %s %s→%s", g.Group, sparkOf(g.LagSamples, 20), health.Trend(a, b), groupDigits(a), groupDigits(b)))
	}
	dead := deadHops(f)
	if len(f.Chain) > 0 && f.Chain[0].Queue {
		d := sm.Series(func(x health.FlowSample) int64 { return x.DepthMessages })
		last := sm.Samples[len(sm.Samples)-1]
		consumers := "consumers not known"
		if last.Consumers >= 0 {
			consumers = groupDigits(int64(last.Consumers)) + " consumers"
		}
		parts = append(parts, fmt.Sprintf("%s depth %s %s→%s · %s · %s in flight", f.Chain[0].Stream, sparkOf(d, 20),
			groupDigits(d[0]), groupDigits(d[len(d)-1]), consumers, groupDigits(last.InFlightMessages)))
		if dead != "" {
			dl := sm.Series(func(x health.FlowSample) int64 { return x.DeadLetterMessages })
			parts = append(parts, fmt.Sprintf("%s depth %s %s→%s", dead, sparkOf(dl, 20), groupDigits(dl[0]), groupDigits(dl[len(dl)-1])))
		}
	}
	if r := sm.DeadLetterPerMin(); r >= 0 && dead != "" {
		parts = append(parts, fmt.Sprintf("while %s took %.1f/min", dead, r))
	}
	if len(parts) == 0 {
		return ""
	}
	span := sm.Samples[len(sm.Samples)-1].At.Sub(sm.Samples[0].At).Round(time.Second)
	parts = append(parts, fmt.Sprintf("%d samples over %s", len(sm.Samples), span))
	return render.Preview([]byte(strings.Join(parts, " · ")), max(w-5, 10))
}

// timelineLine is the main stream's produce rate and the dead letters'
// inflow over the scan, by the messages' own timestamps.
func (p *healthPage) timelineLine(w int) string {
	tl := p.flow.Timeline
	if tl == nil {
		return ""
	}
	var parts []string
	if tl.Produced != nil {
		parts = append(parts, fmt.Sprintf("%s produced %s %.1f/min", tl.Stream, sparkOf(tl.Produced, 30), tl.ProducedPerMinOverScan))
	}
	if tl.DeadLetters != nil {
		parts = append(parts, fmt.Sprintf("%s took %s %.1f/min", deadHops(p.flow), sparkOf(tl.DeadLetters, 30), tl.DeadLetterPerMinOverScan))
	}
	line := strings.Join(parts, " · ")
	line += fmt.Sprintf(" · by event time, %s buckets", tl.BucketText())
	return render.Preview([]byte(line), max(w-5, 10))
}
