package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// ErrNoCopy is returned by FindCopy when no redriven copy was found.
var ErrNoCopy = errors.New("no redriven copy found")

// ParsePosition reads a Position back: "partition/offset", or a bare
// sequence for streams without partitions.
func ParsePosition(s string) (int32, int64, error) {
	part, off, found := strings.Cut(s, "/")
	if !found {
		o, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("position %q: want partition/offset or a sequence number", s)
		}
		return sources.NoPartition, o, nil
	}
	p, perr := strconv.ParseInt(part, 10, 32)
	o, oerr := strconv.ParseInt(off, 10, 64)
	if perr != nil || oerr != nil {
		return 0, 0, fmt.Errorf("position %q: want partition/offset", s)
	}
	return int32(p), o, nil
}

// original is where a redriven message was redriven from (its
// x-mqscope-redrive-source and -position); ok is false on a message that
// was never redriven.
func original(m *sources.Message) (stream string, partition int32, offset int64, ok bool) {
	src, hasSrc := m.Header(HeaderSource)
	pos, hasPos := m.Header(HeaderPosition)
	if !hasSrc || !hasPos {
		return "", 0, 0, false
	}
	p, o, err := ParsePosition(string(pos))
	if err != nil {
		return "", 0, 0, false
	}
	return string(src), p, o, true
}

// findCopy looks for the redriven copy of a dead letter in target: the
// message whose redrive provenance names the dead letter's stream and
// position. It reads target from the dead letter's time (a copy is always
// later) to its end, at most budget messages (0: no bound), and returns the
// latest copy.
func findCopy(ctx context.Context, r sources.Reader, target string, dead *sources.Message, budget int64) (sources.Message, error) {
	start := sources.Start{Kind: sources.StartOldest}
	if !dead.Timestamp.IsZero() {
		start = sources.Start{Kind: sources.StartTime, Time: dead.Timestamp}
	}
	sub, err := r.Read(ctx, target, sources.ReadOptions{Start: start})
	if err != nil {
		return sources.Message{}, fmt.Errorf("find the copy in %s: %w", target, err)
	}
	defer sub.Close()
	pos := Position(*dead)
	var found *sources.Message
	var scanned int64
	for budget == 0 || scanned < budget {
		batch, err := sub.Next(ctx, 5000)
		for i := range batch {
			scanned++
			m := &batch[i]
			if src, ok := m.Header(HeaderSource); ok && string(src) == dead.Stream {
				if p, ok := m.Header(HeaderPosition); ok && string(p) == pos {
					c := *m
					found = &c
				}
			}
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			return sources.Message{}, fmt.Errorf("find the copy in %s: %w", target, err)
		}
	}
	if found == nil {
		return sources.Message{}, fmt.Errorf("%s of %s in %s (%d messages read): %w", pos, dead.Stream, target, scanned, ErrNoCopy)
	}
	return *found, nil
}

// CopyScanBudget bounds how much of a topic OtherCopy reads to find a
// dead letter's redriven copy.
const CopyScanBudget = 2_000_000

// OtherCopy finds the other copy of a message for a diff: for a redriven
// message, the dead letter it was redriven from (read again from the DLQ);
// for a dead letter, its redriven copy in its origin stream. It returns
// them in that order: dead letter, then copy.
func OtherCopy(ctx context.Context, r sources.Reader, m sources.Message) (deadLetter, redriven sources.Message, err error) {
	if src, part, off, ok := original(&m); ok {
		orig, err := sources.FetchAt(ctx, r, src, part, off)
		if err != nil {
			return m, m, fmt.Errorf("the dead letter it was redriven from (%s %s): %w", src, Position(sources.Message{Partition: part, Offset: off}), err)
		}
		return orig, m, nil
	}
	if m.DeadLetter == nil || m.DeadLetter.OriginStream == "" {
		return m, m, errors.New("neither redriven nor a dead letter with an origin: it has no other copy")
	}
	cp, err := findCopy(ctx, r, m.DeadLetter.OriginStream, &m, CopyScanBudget)
	if err != nil {
		return m, m, fmt.Errorf("the redriven copy: %w", err)
	}
	return m, cp, nil
}
