package cmd

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// checkRange refuses a range that holds nothing by its own bounds: an
// end before its start (offsets or times), or a start at "newest" (the
// end the read has now: nothing to check).
func checkRange(opts sources.ReadOptions) error {
	st, end := opts.Start, opts.End
	if st.Kind == sources.StartNewest {
		return fmt.Errorf("--from newest: a check reads up to the end the stream has now, so it would read nothing; use --from oldest, last:N, offset:N or time:")
	}
	if end == nil {
		return nil
	}
	switch {
	case st.Kind == sources.StartOffset && end.Kind == sources.StartOffset:
		for _, p := range partitionsOf(st, *end) {
			from, until := offsetOf(st, p), offsetOf(*end, p)
			if from >= 0 && until >= 0 && until < from {
				return fmt.Errorf("--until %s is before --from %s: the range is reversed", end, st)
			}
		}
	case st.Kind == sources.StartTime && end.Kind == sources.StartTime && end.Time.Before(st.Time):
		return fmt.Errorf("--until %s is before --from %s: the range is reversed", end, st)
	}
	return nil
}

// partitionsOf are the partitions two offset bounds name (the default
// of each as -1).
func partitionsOf(a, b sources.Start) []int32 {
	ps := []int32{-1}
	for p := range a.Offsets {
		ps = append(ps, p)
	}
	for p := range b.Offsets {
		ps = append(ps, p)
	}
	return ps
}

// offsetOf is an offset bound's offset for partition p (-1 for the
// default entry: the bound's Offset).
func offsetOf(s sources.Start, p int32) int64 {
	if o, ok := s.Offsets[p]; ok && p >= 0 {
		return o
	}
	return s.Offset
}

// locateStream finds the stream on the first reader's connection that
// knows it (ok false: none does, the read will say so).
func locateStream(ctx context.Context, readers []sources.Reader, stream string) (sources.StreamInfo, bool) {
	for _, r := range readers {
		c := connOf(r)
		if c == nil {
			continue
		}
		if st, err := locateOn(ctx, c, stream); err == nil {
			return st, true
		}
	}
	return sources.StreamInfo{}, false
}

// refuseTap refuses a stream whose read is a tap (a RabbitMQ exchange):
// it has no history, and a check of it would wait for messages forever.
func refuseTap(st sources.StreamInfo) error {
	if !st.Tap {
		return nil
	}
	return fmt.Errorf("%s is read as a tap (only the messages published from now on): it has no history to check; check a queue or stream it feeds", safetext.String(st.Name))
}

// queueDepth is what a peek read says its queue held when it began (0:
// not known).
func queueDepth(sub sources.Subscription) int64 {
	if d, ok := sub.(interface{ Depth() (int64, bool) }); ok {
		if n, ok := d.Depth(); ok {
			return n
		}
	}
	return 0
}

// markCapped marks a report partial when a peek stopped at its bound
// short of what was asked (--from last:N, else the whole queue) and of
// what the queue held when the peek began (depth).
func markCapped(r *health.Report, st sources.StreamInfo, start sources.Start, depth int64) {
	want := depth
	if start.Kind == sources.StartLastN {
		want = min(want, start.N)
	}
	if !st.Queue || st.PeekLimit <= 0 || r.Scanned < int64(st.PeekLimit) || want <= r.Scanned {
		return
	}
	r.MarkPartial(fmt.Sprintf("checked %s of %s messages: the rest was not read (one peek of a queue holds at most %s, every one of them hidden from consumers until it is given back)",
		digits(r.Scanned), digits(want), digits(int64(st.PeekLimit))))
}
