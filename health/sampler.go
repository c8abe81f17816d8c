package health

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// Sampler takes the flow's moving numbers of a stream: its consumer
// groups' lag, its dead-letter hops' end offsets and depth, its own depth,
// consumers and messages in flight. It finds the chain and the groups at
// its first sample. It is for one goroutine at a time.
type Sampler struct {
	conn   sources.Conn
	stream string
	found  bool
	hops   []chainHop // the chain (its counts not kept)
	groups []string   // the groups that read one of its streams
	notes  []string   // what finding them could not know
}

// NewSampler samples stream's flow on conn.
func NewSampler(conn sources.Conn, stream string) *Sampler {
	return &Sampler{conn: conn, stream: stream}
}

// Take samples the flow now, stamped at (I/O: run it in a Cmd or a
// goroutine).
func (s *Sampler) Take(ctx context.Context, at time.Time) (FlowSample, error) {
	if !s.found {
		chain, notes, err := chainOf(ctx, s.conn, s.stream)
		if err != nil {
			return FlowSample{}, err
		}
		s.hops, s.notes = chain, notes
		if gl, ok := s.conn.(sources.GroupLister); ok {
			// without the groups the depth is still sampled; the flow notes why
			if s.groups, err = chainGroups(ctx, gl, s.hops); err != nil {
				s.notes = append(s.notes, err.Error())
			}
		} else {
			s.notes = append(s.notes, s.conn.Name()+" has no consumer groups to list")
		}
		s.found = true
	}
	fs := FlowSample{At: at, Consumers: -1}
	counts, err := s.counts(ctx)
	if err != nil {
		return FlowSample{}, err
	}
	for _, h := range s.hops {
		st, ok := counts[h.Stream]
		if !ok {
			continue
		}
		switch h.Role {
		case "main":
			fs.DepthMessages, fs.Consumers, fs.InFlightMessages = st.Messages, st.Consumers, st.Counts.Held()
		case "dead letters":
			fs.DeadLetterMessages += st.Messages
			if !h.queue && fs.DeadLetterEnd >= 0 {
				fs.DeadLetterEnd += st.High
			} else {
				fs.DeadLetterEnd = -1
			}
		}
	}
	if !slices.ContainsFunc(s.hops, func(h chainHop) bool { return h.Role == "dead letters" }) {
		fs.DeadLetterEnd = -1
	}
	if gl, ok := s.conn.(sources.GroupLister); ok {
		for _, g := range s.groups {
			d, err := gl.DescribeGroup(ctx, g)
			if err != nil {
				return FlowSample{}, fmt.Errorf("sample %s: group %s: %w", s.stream, g, err)
			}
			fs.Lags = append(fs.Lags, lagsOf(d, s.hops)...)
		}
	}
	return fs, nil
}

// Flow is the flow FlowOf finds, of the chain and groups the sampler
// found at its first sample (none taken: FlowOf's own), so they are not
// listed twice. It reads (I/O).
func (s *Sampler) Flow(ctx context.Context, rep *Report) (*Flow, error) {
	if !s.found {
		return FlowOf(ctx, s.conn, s.stream, rep)
	}
	return flowOf(ctx, s.conn, s.stream, rep, s.hops, slices.Clone(s.notes), s.groups), nil
}

// counts are the chain's streams with their counts now.
func (s *Sampler) counts(ctx context.Context) (map[string]sources.StreamInfo, error) {
	out := map[string]sources.StreamInfo{}
	l, ok := s.conn.(sources.Lister)
	if !ok {
		return out, nil
	}
	names := make([]string, len(s.hops))
	for i, h := range s.hops {
		names[i] = h.Stream
	}
	var list []sources.StreamInfo
	var err error
	if c, ok := l.(sources.Counter); ok {
		list, err = c.CountStreams(ctx, names)
	} else {
		list, err = l.ListStreams(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", s.stream, err)
	}
	for _, st := range list {
		if slices.Contains(names, st.Name) {
			out[st.Name] = st
		}
	}
	return out, nil
}

// Run takes a sample at every tick (stamped with the tick's time) into
// ring, until ctx ends or ticks is closed. A sample that fails is
// counted in the ring, not an end.
func (s *Sampler) Run(ctx context.Context, ticks <-chan time.Time, ring *SampleRing) {
	for {
		select {
		case <-ctx.Done():
			return
		case at, ok := <-ticks:
			if !ok {
				return
			}
			fs, err := s.Take(ctx, at)
			switch {
			case err == nil:
				ring.Add(fs)
			case ctx.Err() == nil:
				ring.Fail(err)
			}
		}
	}
}
