package redis

import (
	"context"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// restarted checks that a followed stream is still the one read. Deleted,
// it says so once (sources.StreamGoneNotice) and sets start to read the
// stream from its start when it comes back; back, or deleted and created
// again between two checks (its last id below the last one read, or fewer
// entries ever added than before), it says so and sets start likewise. It
// reports whether start moved to a stream that is there to read.
func (r *streamRead) restarted(ctx context.Context, start *string) bool {
	info, err := r.c.client.XInfoStream(ctx, r.stream).Result()
	switch {
	case isNoSuchKey(err):
		if !r.gone {
			r.gone = true
			r.feed.Fail(&sources.StreamGoneNotice{Stream: r.stream})
		}
		*start, r.added = "-", 0
		return false
	case err != nil:
		return false // the XREAD that follows says what is wrong
	}
	added := r.added
	r.added = info.EntriesAdded
	if r.gone {
		r.gone = false
		r.feed.Fail(&sources.StreamGoneNotice{Stream: r.stream, Back: true})
		*start = "-"
		return true
	}
	recreated := info.EntriesAdded < added
	if seen, err := ParseID(strings.TrimPrefix(*start, "(")); err == nil && strings.HasPrefix(*start, "(") {
		if last, err := ParseID(info.LastGeneratedID); err == nil && last.Less(seen) {
			recreated = true
		}
	}
	if !recreated {
		return false
	}
	r.feed.Fail(&sources.StreamGoneNotice{Stream: r.stream})
	r.feed.Fail(&sources.StreamGoneNotice{Stream: r.stream, Back: true})
	*start = "-"
	return true
}
