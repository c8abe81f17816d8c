package sources

import (
	"context"
	"errors"
	"fmt"
)

// ErrGone is returned by FetchAt when the stream no longer holds a message
// at that position (retention, compaction, a deleted stream).
var ErrGone = errors.New("no longer on the broker")

// FetchAt reads the one message at partition/offset again (whole: the
// buffers of the UI keep only the start of very large values). It works on
// streams that can be read from a position: Kafka topics and RabbitMQ
// streams, not queues.
func FetchAt(ctx context.Context, r Reader, stream string, partition int32, offset int64) (Message, error) {
	start := Start{Kind: StartOffset, Offset: offset}
	end := &Start{Kind: StartOffset, Offset: offset}
	opts := ReadOptions{Start: start, End: end}
	if partition != NoPartition {
		opts.Start.Offsets = map[int32]int64{partition: offset}
		opts.Partitions = []int32{partition}
	}
	sub, err := r.Read(ctx, stream, opts)
	if err != nil {
		return Message{}, fmt.Errorf("fetch %s@%d: %w", stream, offset, err)
	}
	defer sub.Close()
	for {
		batch, err := sub.Next(ctx, 16)
		for i := range batch {
			switch m := &batch[i]; {
			case m.Offset == offset && m.Partition == partition:
				return *m, nil
			case m.Offset > offset:
				return Message{}, fmt.Errorf("fetch %s@%d: %w", stream, offset, ErrGone)
			}
		}
		if errors.Is(err, ErrEndOfStream) {
			return Message{}, fmt.Errorf("fetch %s@%d: %w", stream, offset, ErrGone)
		}
		if err != nil {
			return Message{}, fmt.Errorf("fetch %s@%d: %w", stream, offset, err)
		}
	}
}
