package health

import (
	"slices"
	"sync"
	"time"
)

// SamplingNote says what lag samples are and why they are needed.
const SamplingNote = "lag and depth are sampled while the check runs: brokers keep no history of committed offsets a client can ask for"

// FlowSample is the flow's moving numbers at one moment.
type FlowSample struct {
	At time.Time `json:"at"`
	// Lags are the consumer groups' lag on the chain's streams, in
	// messages (State and Members left out).
	Lags []GroupLag `json:"lags,omitempty"`
	// DeadLetterMessages is what the dead-letter hops hold;
	// DeadLetterEnd the sum of their end offsets, which grows by one per
	// dead letter written (-1: they have no offsets, queues).
	DeadLetterMessages int64 `json:"deadLetterMessages"`
	DeadLetterEnd      int64 `json:"deadLetterEnd"`
	// DepthMessages is what the main stream holds (a queue's depth).
	DepthMessages int64 `json:"depthMessages"`
	// Consumers is the main stream's consumers (-1: not known).
	Consumers int `json:"consumers"`
	// InFlightMessages is what the main stream's consumers hold
	// unacknowledged (RabbitMQ unacked, SQS in flight; 0 for a log).
	InFlightMessages int64 `json:"inFlightMessages"`
}

// Sampling is the samples a check took while it ran.
type Sampling struct {
	Note string `json:"note"`
	// IntervalSeconds is the time asked between two samples.
	IntervalSeconds float64      `json:"intervalSeconds"`
	Samples         []FlowSample `json:"samples"`
	// DeadLetterInflowPerMin is the dead letters written per minute from
	// the first sample to the last (-1: not known, see DeadLetterPerMin).
	DeadLetterInflowPerMin float64 `json:"deadLetterInflowPerMin"`
	// Dropped counts the oldest samples the ring let go; Failed those
	// not taken (LastError says why).
	Dropped   int    `json:"dropped,omitempty"`
	Failed    int    `json:"failed,omitempty"`
	LastError string `json:"lastError,omitempty"`
}

// DeadLetterPerMin is the dead letters written per minute from the first
// sample to the last (-1: not known: the samples do not span an
// interval, or the dead-letter hops have no offsets).
func (s *Sampling) DeadLetterPerMin() float64 {
	if !s.Spanned() {
		return -1
	}
	a, b := s.Samples[0], s.Samples[len(s.Samples)-1]
	d := b.At.Sub(a.At)
	if a.DeadLetterEnd < 0 || b.DeadLetterEnd < 0 || d <= 0 {
		return -1
	}
	return float64(b.DeadLetterEnd-a.DeadLetterEnd) / d.Minutes()
}

// Spanned reports samples enough to tell a trend by: two or more, taken
// an interval apart at least.
func (s *Sampling) Spanned() bool {
	if s == nil || len(s.Samples) < 2 {
		return false
	}
	d := s.Samples[len(s.Samples)-1].At.Sub(s.Samples[0].At)
	return d.Seconds() >= s.IntervalSeconds
}

// Series picks one number of every sample, oldest first.
func (s *Sampling) Series(of func(FlowSample) int64) []int64 {
	if s == nil {
		return nil
	}
	out := make([]int64, len(s.Samples))
	for i, x := range s.Samples {
		out[i] = of(x)
	}
	return out
}

// SampleRing keeps the last samples taken; it is safe for concurrent use.
type SampleRing struct {
	mu       sync.Mutex
	keep     int
	interval time.Duration
	samples  []FlowSample
	dropped  int
	failed   int
	lastErr  string
	taken    chan<- struct{} // told of each sample added or failed (nil: none)
}

// NewSampleRing keeps the last keep samples (at least 2) taken interval
// apart.
func NewSampleRing(keep int, interval time.Duration) *SampleRing {
	return &SampleRing{keep: max(keep, 2), interval: interval}
}

// Add keeps s (the oldest sample goes when the ring is full).
func (r *SampleRing) Add(s FlowSample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, s)
	if len(r.samples) > r.keep {
		n := len(r.samples) - r.keep
		r.samples = slices.Delete(r.samples, 0, n)
		r.dropped += n
	}
	r.tell()
}

// tell says a sample came to whoever waits on taken.
func (r *SampleRing) tell() {
	if r.taken != nil {
		r.taken <- struct{}{}
	}
}

// Fail counts a sample not taken.
func (r *SampleRing) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed++
	r.lastErr = err.Error()
	r.tell()
}

// Len is how many samples the ring holds.
func (r *SampleRing) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.samples)
}

// Sampling is a copy of what the ring holds.
func (r *SampleRing) Sampling() *Sampling {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &Sampling{Note: SamplingNote, IntervalSeconds: r.interval.Seconds(), Samples: slices.Clone(r.samples),
		Dropped: r.dropped, Failed: r.failed, LastError: r.lastErr}
	s.DeadLetterInflowPerMin = s.DeadLetterPerMin()
	return s
}

// WithSamples sets the flow's samples and each group's lag at each of
// them (a group a sample did not see has the lag it had before, 0 at
// first).
func (f *Flow) WithSamples(s *Sampling) {
	f.Sampling = s
	for i := range f.Groups {
		g := &f.Groups[i]
		g.LagSamples = make([]int64, len(s.Samples))
		var last int64
		for k, x := range s.Samples {
			for _, l := range x.Lags {
				if l.Group == g.Group && l.Stream == g.Stream {
					last = l.Lag
					break
				}
			}
			g.LagSamples[k] = last
		}
	}
}

// Trend is how a number went from a to b: "rose", "fell" or "held".
func Trend(a, b int64) string {
	switch {
	case b > a:
		return "rose"
	case b < a:
		return "fell"
	}
	return "held"
}

// LagAt takes each group's lag now from a sample newer than the flow.
func (f *Flow) LagAt(x FlowSample) {
	for i := range f.Groups {
		g := &f.Groups[i]
		for _, l := range x.Lags {
			if l.Group == g.Group && l.Stream == g.Stream {
				g.Lag = l.Lag
			}
		}
	}
}
