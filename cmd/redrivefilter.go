package cmd

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// redriveSelection is what a redrive's filter keeps of the messages read,
// their values decoded through the connection's schema decoder as export
// decodes them: json and schema read the decoded document. A message the
// expression cannot be evaluated on is no match, counted and said.
func (e *env) redriveSelection(ctx context.Context, conn sources.Conn, dlq string, flt *filter.Filter, msgs []sources.Message) ([]sources.Message, error) {
	dec, err := e.decoder(conn)
	if err != nil {
		return nil, err
	}
	var vd filter.ValueDecoder
	if dec != nil {
		vd = dec
	}
	total := len(msgs)
	sel := flt.Select(ctx, msgs, vd)
	fmt.Fprintf(e.stdout, "filter %s: %d of %s\n", safetext.String(fmt.Sprint(flt)), len(sel.Kept), counted(total, "message"))
	if line := filter.Unevaluated(sel.Failed, sel.First); line != "" {
		fmt.Fprintf(e.stderr, "mqscope: filter on %s (taken as no match): %s\n", safetext.String(dlq), safetext.String(line))
	}
	return sel.Kept, nil
}
