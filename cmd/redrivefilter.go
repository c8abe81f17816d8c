package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// selected is what a redrive's read of its source kept to plan.
type selected struct {
	Kept []sources.Message
	// Scanned is how many messages were read to find them, matched or
	// not (len(Kept) without a filter).
	Scanned int
	// Filtered says a filter chose Kept.
	Filtered bool
}

// drainBatch is how many messages filtered asks the read for at a time.
const drainBatch = 5000

// filtered reads sub to its end, or until limit messages (0: no limit)
// matched flt, and keeps the matches in order, their values decoded
// through the connection's schema decoder as export decodes them: json
// and schema read the decoded document. A message the expression cannot
// be evaluated on is no match, counted and said. It closes sub.
func (e *env) filtered(ctx context.Context, conn sources.Conn, dlq string, sub sources.Subscription, flt *filter.Filter, limit int64) (selected, error) {
	defer sub.Close()
	dec, err := e.decoder(conn)
	if err != nil {
		return selected{}, err
	}
	var vd filter.ValueDecoder
	if dec != nil {
		vd = dec
	}
	sel := selected{Filtered: true}
	var failed int64
	var firstErr error
	for limit <= 0 || int64(len(sel.Kept)) < limit {
		batch, err := sub.Next(ctx, drainBatch)
		s := flt.SelectFirst(ctx, batch, vd, int(limit)-len(sel.Kept))
		sel.Kept = append(sel.Kept, s.Kept...)
		sel.Scanned += s.Scanned
		if failed += s.Failed; firstErr == nil {
			firstErr = s.First
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			return selected{}, err // as an unfiltered read's: the connector's error names the stream
		}
	}
	fmt.Fprintf(e.stdout, "filter %s: %d of %s\n", safetext.String(fmt.Sprint(flt)), len(sel.Kept), counted(sel.Scanned, "message"))
	if line := filter.Unevaluated(failed, firstErr); line != "" {
		fmt.Fprintf(e.stderr, "mqscope: filter on %s (taken as no match): %s\n", safetext.String(dlq), safetext.String(line))
	}
	return sel, nil
}
