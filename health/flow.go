package health

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
}

// Hop is one stream of a retry chain.
type Hop struct {
	Stream string `json:"stream"`
	// Role is "main", "retry 0", "retry" or "dead letters".
	Role string `json:"role"`
	// Messages is how many it holds now.
	Messages int64 `json:"messages"`
	// InSpan is how many it received over the scan's span (-1: not read:
	// the main stream, which the scan read, and queues, not peeked for this).
	InSpan int64 `json:"inSpan"`
}

// chainSuffix matches the hops of a retry chain after the main stream's name.
var chainSuffix = regexp.MustCompile(`^(.+?)(-retry-(\d+)|-retry|-dlt|\.DLT|-dlq|\.DLQ|\.dlq|_dlq|-dead-letter)$`)

// base is the main stream of a chain stream's name (the name itself when
// it has no chain suffix).
func base(name string) string {
	if m := chainSuffix.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return name
}

// role names a hop of the chain of main.
func role(main, name string) (string, int, bool) {
	if name == main {
		return "main", -1, true
	}
	m := chainSuffix.FindStringSubmatch(name)
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

// FlowOf finds stream's retry chain and consumer groups on conn and, for
// from..to (the scan's span; zero: not counted), what each hop received
// over it. It reads (I/O: run it in a Cmd or a command).
func FlowOf(ctx context.Context, conn sources.Conn, stream string, from, to time.Time) (*Flow, error) {
	f := &Flow{DeadLetterRate: -1}
	main := base(stream)
	type found struct {
		hop   Hop
		order int
		queue bool
	}
	var hops []found
	if l, ok := conn.(sources.Lister); ok {
		streams, err := l.ListStreams(ctx)
		if err != nil {
			return nil, fmt.Errorf("flow of %s: %w", stream, err)
		}
		for _, st := range streams {
			r, order, ok := role(main, st.Name)
			if !ok && st.DeadLetter && slices.Contains(strings.Split(st.DeadLetterFor, ", "), main) {
				r, order, ok = "dead letters", 1<<30, true
			}
			if ok {
				hops = append(hops, found{Hop{Stream: st.Name, Role: r, Messages: st.Messages, InSpan: -1}, order, st.Queue})
			}
		}
	} else {
		f.Notes = append(f.Notes, conn.Name()+" cannot list its streams: no retry chain")
	}
	slices.SortFunc(hops, func(a, b found) int {
		if a.order != b.order {
			return a.order - b.order
		}
		return strings.Compare(a.hop.Stream, b.hop.Stream)
	})
	var dead int64
	deadKnown := false
	for _, h := range hops {
		if !from.IsZero() && !h.queue && h.hop.Role != "main" { // the main stream is what the scan read
			if n, err := countSpan(ctx, conn, h.hop.Stream, from, to); err == nil {
				h.hop.InSpan = n
				if h.hop.Role == "dead letters" {
					dead, deadKnown = dead+n, true
				}
			} else if ctx.Err() == nil {
				f.Notes = append(f.Notes, fmt.Sprintf("%s over the span: %v", h.hop.Stream, err))
			}
		}
		f.Chain = append(f.Chain, h.hop)
	}
	if span := to.Sub(from); deadKnown && span > 0 {
		f.DeadLetterRate = float64(dead) / span.Seconds()
	}
	gl, ok := conn.(sources.GroupLister)
	if !ok {
		f.Notes = append(f.Notes, conn.Name()+" has no consumer groups to list")
		return f, nil
	}
	groups, err := gl.ListGroups(ctx)
	if err != nil {
		f.Notes = append(f.Notes, "consumer groups: "+err.Error())
		return f, nil
	}
	for _, g := range groups {
		for _, h := range f.Chain {
			if !slices.Contains(g.Topics, h.Stream) {
				continue
			}
			d, err := gl.DescribeGroup(ctx, g.Name)
			if err != nil {
				f.Notes = append(f.Notes, fmt.Sprintf("group %s: %v", g.Name, err))
				break
			}
			var lag int64
			for _, o := range d.Offsets {
				if o.Topic == h.Stream {
					lag += o.Lag
				}
			}
			f.Groups = append(f.Groups, GroupLag{Group: g.Name, Stream: h.Stream, State: d.State, Members: d.Members, Lag: lag})
		}
	}
	slices.SortFunc(f.Groups, func(a, b GroupLag) int {
		if a.Lag != b.Lag {
			return int(b.Lag - a.Lag)
		}
		return strings.Compare(a.Group+a.Stream, b.Group+b.Stream)
	})
	return f, nil
}

// countSpan counts the messages a stream received from..to (at most inSpanCap).
func countSpan(ctx context.Context, conn sources.Conn, stream string, from, to time.Time) (int64, error) {
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
		if errors.Is(err, sources.ErrEndOfStream) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
