package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// acceptPeekCostFlag is the flag that lets a read go on where it costs
// something (a quorum queue's delivery limit, an SQS maxReceiveCount).
const acceptPeekCostFlag = "accept-peek-cost"

// registerAcceptPeekCost adds --accept-peek-cost to a command that reads.
func registerAcceptPeekCost(c *cobra.Command, accept *bool) {
	c.Flags().BoolVar(accept, acceptPeekCostFlag, false,
		"read queues where a read raises a delivery or receive count that a limit watches (a quorum queue's x-delivery-limit, an SQS maxReceiveCount): messages past the limit are dropped or dead-lettered by the broker")
}

// costGuard is a Reader that asks its connection what a read costs before
// reading: a costly read is refused (nothing read) unless accepted, and an
// accepted one is told on stderr. It tells stderr, too, of every poison
// message the read comes across (a Flaw), one line each, but for a lost
// one (Flaw.Lost) when planLost says a redrive's plan names it.
type costGuard struct {
	sources.Reader
	coster sources.PeekCoster
	accept bool
	stderr io.Writer
	// planLost leaves the lost messages untold: the plan of the redrive
	// that reads them lists each, with why, as left in place.
	planLost bool
}

// Unwrap is the reader it guards (its connection, for what else it can do).
func (g costGuard) Unwrap() sources.Reader { return g.Reader }

// Read checks the cost, then reads.
func (g costGuard) Read(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	var cost *sources.PeekCost
	if g.coster != nil {
		var err error
		if cost, err = g.coster.PeekCost(ctx, stream); err != nil {
			return nil, err
		}
	}
	if cost != nil {
		if !g.accept {
			return nil, &sources.PeekCostError{Cost: cost, Accept: "--" + acceptPeekCostFlag}
		}
		fmt.Fprintf(g.stderr, "mqscope: reading anyway (--%s): %s\n", acceptPeekCostFlag, cost)
	}
	sub, err := g.Reader.Read(ctx, stream, opts)
	if err != nil {
		return nil, err
	}
	if p, ok := sub.(sources.PeekRead); ok {
		fmt.Fprintln(g.stderr, peekedLine(stream, p.Held(), opts.Follow))
	}
	return flawTeller{Subscription: sub, stream: stream, stderr: g.stderr, planLost: g.planLost}, nil
}

// peekedLine says what a read of a queue did: it held the messages and
// gave them back, now flagged redelivered; a followed read (tail) adds
// that a queue cannot be followed.
func peekedLine(stream string, held int, follow bool) string {
	what := fmt.Sprintf("%d messages were", held)
	if held == 1 {
		what = "1 message was"
	}
	line := fmt.Sprintf("mqscope: %s is a queue: %s peeked (held, then given back: they are now flagged redelivered)", safetext.String(stream), what)
	if follow {
		line += "; a queue cannot be followed without consuming it: peeked once"
	}
	return line
}

// flawTeller passes a read on and tells stderr of each flawed message
// (a lost one only without planLost).
type flawTeller struct {
	sources.Subscription
	stream   string
	stderr   io.Writer
	planLost bool
}

// Depth is what the peek read says of its queue's depth (ok false: it
// is no peek, or cannot tell).
func (f flawTeller) Depth() (int64, bool) {
	d, ok := f.Subscription.(sources.PeekDepth)
	if !ok {
		return 0, false
	}
	return d.Depth(), true
}

// Next returns the next messages, having told of their flaws.
func (f flawTeller) Next(ctx context.Context, max int) ([]sources.Message, error) {
	batch, err := f.Subscription.Next(ctx, max)
	for i := range batch {
		if f.planLost && batch[i].Flaw != nil && batch[i].Flaw.Lost {
			continue
		}
		if line := batch[i].FlawLine(); line != "" {
			fmt.Fprintf(f.stderr, "mqscope: %s\n", render.Sanitize(line))
		}
	}
	return batch, err
}

// guard puts a cost check in front of the readers that can tell a read's
// cost (the others, Kafka, read without a counted cost), and tells stderr
// of every peek and flawed message.
func guard(readers []sources.Reader, accept bool, stderr io.Writer) []sources.Reader {
	out := make([]sources.Reader, len(readers))
	for i, r := range readers {
		out[i] = guardOne(r, accept, stderr)
	}
	return out
}

func guardOne(r sources.Reader, accept bool, stderr io.Writer) costGuard {
	pc, _ := r.(sources.PeekCoster)
	return costGuard{Reader: r, coster: pc, accept: accept, stderr: stderr}
}
