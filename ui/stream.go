package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
)

const (
	// batchWindow is how long a delivery waits to gather more messages after
	// the first, so the UI gets one tea.Msg per ~50ms, not one per message.
	batchWindow = 50 * time.Millisecond
	// batchMax caps the messages of one delivery.
	batchMax = 5000
)

// subscriptionOpened carries a read that has started (or failed to).
type subscriptionOpened struct {
	page, sub int
	s         sources.Subscription
	scan      *filter.Scanner // the read-time filter s goes through, if any
	err       error
}

func (m subscriptionOpened) pageID() int { return m.page }

// batchReceived carries the messages of one delivery and the error that
// ended it, if any.
type batchReceived struct {
	page, sub int
	msgs      []sources.Message
	// notes go with msgs into the buffer (nil: none; see heldNotes).
	notes [][]byte
	err   error
}

func (m batchReceived) pageID() int { return m.page }

// openRead starts a read in a Cmd. With a filter, only its matches come
// out of the read (at most budget messages scanned before it asks).
// A read filter's json and schema read the values as dec decodes them
// (nil: not decoded), as the list's filter and a headless export do.
func openRead(ctx context.Context, r sources.Reader, stream string, opts sources.ReadOptions, flt *filter.Filter, dec *schema.Decoder, budget int64, page, sub int) tea.Cmd {
	return func() tea.Msg {
		s, err := r.Read(ctx, stream, opts)
		if err != nil || flt == nil {
			return subscriptionOpened{page: page, sub: sub, s: s, err: err}
		}
		so := filter.ScanOptions{Budget: budget}
		if dec != nil {
			so.Decoder = dec
		}
		scan := filter.NewScanner(s, flt, so)
		return subscriptionOpened{page: page, sub: sub, s: scan, scan: scan}
	}
}

// waitBatch is the one Cmd that waits on a read: it blocks for the first
// message, gathers more for batchWindow, fetches the schemas the batch
// needs that dec does not hold yet (once per schema id), and delivers them
// together. The page issues it again after each delivery.
func waitBatch(ctx context.Context, s sources.Subscription, dec *schema.Decoder, page, sub int) tea.Cmd {
	return func() tea.Msg {
		msgs, err := s.Next(ctx, batchMax)
		if err != nil {
			return batchReceived{page: page, sub: sub, err: err}
		}
		// Every message gathered, the schemas are fetched (briefly) before
		// the delivery, so a View finds them, and what the buffer will cut
		// is decoded while it is whole.
		deliver := func(err error) tea.Msg {
			warmBriefly(ctx, dec, msgs)
			return batchReceived{page: page, sub: sub, msgs: msgs, notes: heldNotes(dec, msgs), err: err}
		}
		deadline := time.Now().Add(batchWindow)
		for len(msgs) < batchMax {
			wctx, cancel := context.WithDeadline(ctx, deadline)
			more, err := s.Next(wctx, batchMax-len(msgs))
			cancel()
			msgs = append(msgs, more...)
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
					err = nil
				}
				return deliver(err)
			}
		}
		return deliver(nil)
	}
}

// schemaGrace is how long a delivery waits for the schemas its messages
// need before it is delivered without them: the rows say "decoding…", the
// list says it waits for the registry, and the fetch goes on in a Cmd of
// the page's, so a registry that hangs never holds the messages back.
const schemaGrace = 200 * time.Millisecond

// warmBriefly is warmSchemas for at most schemaGrace; the fetches it
// started go on (and are shared by whoever asks for the same ids).
func warmBriefly(ctx context.Context, dec *schema.Decoder, msgs []sources.Message) {
	if dec == nil || len(missingSchemas(dec, msgs, true)) == 0 {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		warmSchemas(ctx, dec, msgs)
	}()
	t := time.NewTimer(schemaGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// opened takes the answer to a page's read, opened for generation gen
// while the page is at want: a stale read is closed, a failure kept in
// *failed and shown. It reports whether the page goes on with the read.
func opened(gen, want int, sub sources.Subscription, err error, failed *error) (tea.Cmd, bool) {
	switch {
	case gen != want && sub != nil:
		return closeRead(sub), false
	case gen != want:
		return nil, false
	case err != nil:
		*failed = err
		return setError(err), false
	}
	return nil, true
}

// closeRead closes a subscription in a Cmd (it may wait for its goroutines).
func closeRead(s sources.Subscription) tea.Cmd {
	return func() tea.Msg {
		_ = s.Close()
		return nil
	}
}
