package sources

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrGone is returned by FetchAt when the stream no longer holds a message
// at that position (retention, compaction, a deleted stream).
var ErrGone = errors.New("no longer on the broker")

// ErrPastEnd is returned by FetchAt for a position after a partition's
// last message.
var ErrPastEnd = errors.New("past the end")

// FetchAt reads the one message at partition/offset again (whole: the
// buffers of the UI keep only the start of very large values). It works on
// streams that can be read from a position: Kafka topics and RabbitMQ
// streams, not queues. A position with no message says whether it is past
// the end (when r can list the stream's offsets) or gone.
func FetchAt(ctx context.Context, r Reader, stream string, partition int32, offset int64) (Message, error) {
	where := func() string { // on an error only: it may ask the broker
		if partition != NoPartition {
			return fmt.Sprintf("%s %d/%d", stream, partition, offset)
		}
		return stream + " #" + positionText(ctx, r, stream, offset)
	}
	start := Start{Kind: StartOffset, Offset: offset}
	end := &Start{Kind: StartOffset, Offset: offset}
	opts := ReadOptions{Start: start, End: end}
	if partition != NoPartition {
		opts.Start.Offsets = map[int32]int64{partition: offset}
		opts.Partitions = []int32{partition}
	}
	sub, err := r.Read(ctx, stream, opts)
	if err != nil {
		return Message{}, fmt.Errorf("fetch %s: %w", where(), err)
	}
	defer sub.Close()
	for {
		batch, err := sub.Next(ctx, 16)
		for i := range batch {
			switch m := &batch[i]; {
			case m.Offset == offset && m.Partition == partition:
				return *m, nil
			case m.Offset > offset:
				return Message{}, fmt.Errorf("fetch %s: %w", where(), ErrGone)
			}
		}
		if errors.Is(err, ErrEndOfStream) {
			return Message{}, fmt.Errorf("fetch %s: %w", where(), missing(ctx, r, stream, partition, offset))
		}
		if err != nil {
			return Message{}, fmt.Errorf("fetch %s: %w", where(), err)
		}
	}
}

// positionText is offset as the stream names its positions (a Redis
// stream's entry id: Reading.Positions), when r can say so, else the
// number.
func positionText(ctx context.Context, r Reader, stream string, offset int64) string {
	if l, ok := r.(Locator); ok {
		if st, err := l.Locate(ctx, stream); err == nil {
			return st.Reading.OffsetText(offset)
		}
	}
	return strconv.FormatInt(offset, 10)
}

// missing says why a read found no message at a position: past the end of
// its partition, when the stream's listing shows it, else ErrGone.
func missing(ctx context.Context, r Reader, stream string, partition int32, offset int64) error {
	l, ok := r.(Lister)
	if !ok {
		return ErrGone
	}
	st, found, err := CountOne(ctx, l, stream)
	if err != nil || !found {
		return ErrGone
	}
	for _, p := range st.Partitions {
		switch {
		case p.ID != partition || offset < p.High:
		case p.High == 0:
			return fmt.Errorf("%w of partition %d (it is empty)", ErrPastEnd, partition)
		default:
			return fmt.Errorf("%w of partition %d (last offset %d)", ErrPastEnd, partition, p.High-1)
		}
	}
	return ErrGone
}

// StepRead hands add what a bounded read delivers for about d, at most
// limit() messages a call (limit nil: 5,000; 0 or less: stop, as a spent
// budget does). It reports done at the read's end or when limit stopped it.
func StepRead(ctx context.Context, sub Subscription, d time.Duration, limit func() int, add func(*Message)) (done bool, err error) {
	until := time.Now().Add(d)
	for time.Now().Before(until) {
		n := 5000
		if limit != nil {
			if n = min(n, limit()); n <= 0 {
				return true, nil
			}
		}
		batch, err := sub.Next(ctx, n)
		for i := range batch {
			add(&batch[i])
		}
		switch {
		case errors.Is(err, ErrEndOfStream):
			return true, nil
		case err != nil:
			return false, err
		}
	}
	return false, nil
}

// Stepper is an analysis that takes a bounded read in steps of about d
// (StepRead inside), reporting done at its end.
type Stepper func(ctx context.Context, sub Subscription, d time.Duration) (done bool, err error)

// ReadSteps takes a whole bounded read through step, a second at a time,
// calling progress (may be nil) between steps. It closes sub.
func ReadSteps(ctx context.Context, sub Subscription, step Stepper, progress func()) error {
	defer sub.Close()
	for {
		done, err := step(ctx, sub, time.Second)
		if err != nil || done {
			return err
		}
		if progress != nil {
			progress()
		}
	}
}
