package health

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// Flow is where a stream's messages go: the consumer groups that read it
// and their lag now, and its retry chain (Spring's orders-retry-0,
// orders-retry-1, orders-dlt) as one flow with its messages per hop.
type Flow struct {
	// Groups are the consumer groups of the chain's streams.
	Groups []GroupLag `json:"groups"`
	// Chain is the stream's retry chain, main stream first (one hop: no
	// chain found).
	Chain []Hop `json:"chain"`
	// DeadLetterRate is the dead letters per second that reached the
	// chain's dead-letter hops over the scan's span (-1: not known).
	DeadLetterRate float64 `json:"deadLetterRate"`
	// Timeline is the scan's span in buckets of event time: what the main
	// stream and its dead-letter hops were given (nil: nothing scanned
	// had a time).
	Timeline *Timeline `json:"timeline,omitempty"`
	// Sampling is the lag and depth samples taken while the check ran
	// (nil: none).
	Sampling *Sampling `json:"sampling,omitempty"`
	// Notes say what could not be known.
	Notes []string `json:"notes,omitempty"`
}

// GroupLag is one consumer group's lag on one stream now.
type GroupLag struct {
	Group   string `json:"group"`
	Stream  string `json:"stream"`
	State   string `json:"state,omitempty"`
	Members int    `json:"members"`
	Lag     int64  `json:"lag"`
	// LagSamples is its lag in messages at each of the flow's samples,
	// oldest first (nil: not sampled).
	LagSamples []int64 `json:"lagSamplesMessages,omitempty"`
}

// Hop is one stream of a retry chain.
type Hop struct {
	Stream string `json:"stream"`
	// Role is "main", "retry 0", "retry" or "dead letters".
	Role string `json:"role"`
	// Messages is how many it holds now.
	Messages int64 `json:"messages"`
	// Queue says it is a queue: its depth is its backlog (a log's is its
	// retention).
	Queue bool `json:"queue,omitempty"`
	// InSpan is how many it received over the scan's span (-1: not read:
	// the main stream, which the scan read, and queues, not peeked for this).
	InSpan int64 `json:"inSpan"`
}

// chainSuffix matches the hops of a retry chain after the main stream's name.
var chainSuffix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(.+?)(-retry-(\d+)|-retry|-dlt|\.DLT|-dlq|\.DLQ|\.dlq|_dlq|-dead-letter)$`)
})

// base is the main stream of a chain stream's name (the name itself when
// it has no chain suffix).
func base(name string) string {
	if m := chainSuffix().FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return name
}

// role names a hop of the chain of main.
func role(main, name string) (string, int, bool) {
	if name == main {
		return "main", -1, true
	}
	m := chainSuffix().FindStringSubmatch(name)
	if m == nil || m[1] != main {
		return "", 0, false
	}
	switch {
	case m[3] != "":
		n, _ := strconv.Atoi(m[3])
		return "retry " + m[3], n, true
	case m[2] == "-retry":
		return "retry", 0, true
	}
	return "dead letters", 1 << 30, true
}

// inSpanCap bounds the messages a hop's count over the span reads.
const inSpanCap = 1_000_000

// chainHop is a hop of a chain as the listing found it.
type chainHop struct {
	Hop
	order int
	queue bool // a queue: a read is a peek, so it is not counted over the span
}

// chainOf lists the hops of stream's retry chain on conn, main stream
// first, and notes what it could not know.
func chainOf(ctx context.Context, conn sources.Conn, stream string) ([]chainHop, []string, error) {
	l, ok := conn.(sources.Lister)
	if !ok {
		return nil, []string{conn.Name() + " cannot list its streams: no retry chain"}, nil
	}
	streams, err := l.ListStreams(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("flow of %s: %w", stream, err)
	}
	main := base(stream)
	var hops []chainHop
	for _, st := range streams {
		r, order, ok := role(main, st.Name)
		if !ok && st.DeadLetter && servesStream(st.DeadLetterFor, main) {
			r, order, ok = "dead letters", 1<<30, true
		}
		if ok {
			hops = append(hops, chainHop{Hop{Stream: st.Name, Role: r, Messages: st.Messages, Queue: st.Queue, InSpan: -1}, order, st.Queue})
		}
	}
	slices.SortFunc(hops, func(a, b chainHop) int {
		if a.order != b.order {
			return a.order - b.order
		}
		return strings.Compare(a.Stream, b.Stream)
	})
	return hops, nil, nil
}

// servesStream reports whether a DeadLetterFor list (names joined with
// commas) names stream.
func servesStream(list, stream string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == stream {
			return true
		}
	}
	return false
}

// lagsOf is a group's lag on each hop it reads.
func lagsOf(d sources.GroupDetail, hops []chainHop) []GroupLag {
	var out []GroupLag
	for _, h := range hops {
		if !slices.Contains(d.Topics, h.Stream) {
			continue
		}
		var lag int64
		for _, o := range d.Offsets {
			if o.Topic == h.Stream && o.Lag > 0 {
				lag += o.Lag
			}
		}
		out = append(out, GroupLag{Group: d.Name, Stream: h.Stream, Lag: lag})
	}
	return out
}

// FlowOf finds stream's retry chain and consumer groups on conn and, over
// the span of the scan rep reports (none scanned: not counted), what each
// hop received and, in buckets of event time, what the main stream and
// the dead-letter hops were given. It reads (I/O: run it in a Cmd or a
// command).
func FlowOf(ctx context.Context, conn sources.Conn, stream string, rep *Report) (*Flow, error) {
	hops, notes, err := chainOf(ctx, conn, stream)
	if err != nil {
		return nil, err
	}
	gl, ok := conn.(sources.GroupLister)
	if !ok {
		return flowOf(ctx, conn, stream, rep, hops, append(notes, conn.Name()+" has no consumer groups to list"), nil), nil
	}
	groups, err := chainGroups(ctx, gl, hops)
	if err != nil {
		notes = append(notes, err.Error())
	}
	return flowOf(ctx, conn, stream, rep, hops, notes, groups), nil
}

// chainGroups names the consumer groups that read one of the hops.
func chainGroups(ctx context.Context, gl sources.GroupLister, hops []chainHop) ([]string, error) {
	groups, err := gl.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("consumer groups: %w", err)
	}
	var out []string
	for _, g := range groups {
		if slices.ContainsFunc(hops, func(h chainHop) bool { return slices.Contains(g.Topics, h.Stream) }) {
			out = append(out, g.Name)
		}
	}
	return out, nil
}

// flowOf is the flow of a chain whose hops and groups are known.
func flowOf(ctx context.Context, conn sources.Conn, stream string, rep *Report, hops []chainHop, notes, groups []string) *Flow {
	f := &Flow{DeadLetterRate: -1, Notes: notes}
	f.spanCounts(ctx, conn, stream, hops, rep)
	gl, _ := conn.(sources.GroupLister)
	for _, g := range groups {
		d, err := gl.DescribeGroup(ctx, g)
		if err != nil {
			f.Notes = append(f.Notes, fmt.Sprintf("group %s: %v", g, err))
			continue
		}
		for _, l := range lagsOf(d, hops) {
			l.State, l.Members = d.State, d.Members
			f.Groups = append(f.Groups, l)
		}
	}
	slices.SortFunc(f.Groups, func(a, b GroupLag) int {
		if a.Lag != b.Lag {
			return cmp.Compare(b.Lag, a.Lag)
		}
		return strings.Compare(a.Group+a.Stream, b.Group+b.Stream)
	})
	return f
}

// spanCounts counts what each hop but the scanned stream received over
// the scan's span (a queue is not read for it) and lays the main stream's
// and the dead-letter hops' messages out in buckets of event time; the
// scanned stream's come from the scan.
func (f *Flow) spanCounts(ctx context.Context, conn sources.Conn, stream string, hops []chainHop, rep *Report) {
	from, to := rep.From, rep.To
	var produced, dead *timeBuckets
	var deadCount int64
	deadLost, scannedHop := false, false
	mainName := stream
	for _, h := range hops {
		scannedHop = scannedHop || h.Stream == stream
		if h.Role == "main" {
			mainName = h.Stream
		}
		isDead := h.Role == "dead letters"
		switch {
		case from.IsZero():
		case h.Stream == stream: // what the scan read
			if h.Role == "main" {
				produced = &rep.produced
			} else if isDead {
				dead = mergeBuckets(dead, &rep.produced)
				deadCount += rep.Scanned
			}
		case h.queue:
			deadLost = deadLost || isDead
		default:
			times := &timeBuckets{}
			n, err := countSpan(ctx, conn, h.Stream, from, to, times)
			if err != nil {
				if ctx.Err() == nil {
					f.Notes = append(f.Notes, fmt.Sprintf("%s over the span: %v", h.Stream, err))
				}
				deadLost = deadLost || isDead
				break
			}
			h.InSpan = n
			switch {
			case h.Role == "main":
				produced = times
			case isDead:
				dead = mergeBuckets(dead, times)
				deadCount += n
			}
		}
		f.Chain = append(f.Chain, h.Hop)
	}
	if deadLost {
		dead = nil
	}
	if !scannedHop { // no chain listed: the scanned stream is the main one
		produced = &rep.produced
	}
	if span := to.Sub(from); dead != nil && span > 0 {
		f.DeadLetterRate = float64(deadCount) / span.Seconds()
	}
	if f.Timeline = newTimeline(from, to, produced, dead); f.Timeline != nil && produced != nil {
		f.Timeline.Stream = mainName
	}
}

// countSpan counts the messages a stream received from..to (at most
// inSpanCap), and into times (nil: not kept) by their event time.
func countSpan(ctx context.Context, conn sources.Conn, stream string, from, to time.Time, times *timeBuckets) (int64, error) {
	r, ok := conn.(sources.Reader)
	if !ok {
		return 0, errors.New("cannot read")
	}
	sub, err := r.Read(ctx, stream, sources.ReadOptions{Start: sources.Start{Kind: sources.StartTime, Time: from}, End: &sources.Start{Kind: sources.StartTime, Time: to}})
	if err != nil {
		return 0, err
	}
	defer sub.Close()
	var n int64
	for n < inSpanCap {
		batch, err := sub.Next(ctx, 5000)
		n += int64(len(batch))
		if times != nil {
			for i := range batch {
				if m := &batch[i]; !m.NoTimestamp && !m.Timestamp.IsZero() {
					times.add(m.Timestamp.UnixMilli())
				}
			}
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
