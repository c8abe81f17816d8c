package cmd

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// positionLike is a --from or --until that may be a position in a
// stream's own syntax (an entry id such as 1700000000000-0, or id:…):
// it is read once the stream, and so its syntax, is known.
var positionLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?i:id:).+$|^\d+-\d+$`) })

// positioned reads --from and --until written as positions of the
// stream (Reading.Positions) into opts, from the first connection of
// readers that has the stream; opts as they are when neither is.
func (f *readFlags) positioned(ctx context.Context, readers []sources.Reader, stream string, opts sources.ReadOptions) (sources.ReadOptions, error) {
	if f.fromPosition == "" && f.endPosition == "" {
		return opts, nil
	}
	for _, r := range readers {
		c := connOf(r)
		if c == nil {
			continue
		}
		st, err := locateOn(ctx, c, stream)
		if errors.Is(err, sources.ErrUnknownStream) {
			continue
		}
		if err != nil {
			return opts, err
		}
		now := time.Now()
		if f.fromPosition != "" {
			if opts.Start, err = st.ParseStart(f.fromPosition, now); err != nil {
				return opts, fmt.Errorf("--from: %w", err)
			}
		}
		if f.endPosition != "" {
			if opts.End, err = st.ParseEnd(f.endPosition, now); err != nil {
				return opts, fmt.Errorf("--until: %w", err)
			}
		}
		return opts, nil
	}
	return opts, fmt.Errorf("%q: %w", stream, sources.ErrUnknownStream)
}
