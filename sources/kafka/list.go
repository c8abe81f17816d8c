package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

var _ sources.Counter = (*Conn)(nil)

// ListStreams lists the cluster's topics with partitions, watermarks,
// message counts and the dead-letter flag.
func (c *Conn) ListStreams(ctx context.Context) ([]sources.StreamInfo, error) {
	names, err := c.listNames(ctx, true)
	if err != nil {
		return nil, err
	}
	topics := make([]string, len(names))
	for i, s := range names {
		topics[i] = s.Name
	}
	counted, err := c.countStreams(ctx, topics, false)
	if err != nil {
		return nil, err
	}
	out, at := names[:0], 0 // counted is in the order of names, less the topics gone
	for _, s := range names {
		if at < len(counted) && counted[at].Name == s.Name {
			s.Partitions, s.Messages, s.High = counted[at].Partitions, counted[at].Messages, counted[at].High
			out = append(out, s)
			at++
		}
	}
	return out, nil
}

// ListNames lists the cluster's topics, sorted by name, with their
// partitions and dead-letter flags, from one metadata request: Messages
// and High are -1 and the partitions' watermarks 0 until CountStreams
// counts them. The first listing within freshFor of Dial takes the
// metadata Dial fetched (on 100,000 partitions a request of megabytes).
func (c *Conn) ListNames(ctx context.Context) ([]sources.StreamInfo, error) {
	at := c.dialed.Swap(0)
	return c.listNames(ctx, at == 0 || time.Since(time.Unix(0, at)) > freshFor)
}

// freshFor is how long the metadata Dial fetched serves the first ListNames.
const freshFor = 2 * time.Second

func (c *Conn) listNames(ctx context.Context, refresh bool) ([]sources.StreamInfo, error) {
	if refresh {
		if err := c.client.RefreshMetadata(); err != nil {
			return nil, fmt.Errorf("list topics on %s: %w", c.name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", c.name, err)
	}
	topics, err := c.client.Topics()
	if err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", c.name, err)
	}
	slices.Sort(topics)
	exists := make(map[string]bool, len(topics))
	for _, t := range topics {
		exists[t] = true
	}
	out := make([]sources.StreamInfo, 0, len(topics))
	for _, t := range topics {
		ps, err := c.client.Partitions(t)
		if err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", t, err)
		}
		slices.Sort(ps)
		info := sources.StreamInfo{Name: t, Kind: "topic", Reading: topicReading, Messages: -1, High: -1, Partitions: make([]sources.PartitionInfo, len(ps))}
		for i, p := range ps {
			info.Partitions[i].ID = p
		}
		info.DeadLetter, info.DeadLetterFor = dlq.IsDeadLetterName(t)
		if !exists[info.DeadLetterFor] { // connect.dlq does not serve a topic "connect"
			info.DeadLetterFor = ""
		}
		out = append(out, info)
	}
	return out, nil
}

// CountStreams lists the watermarks of the named topics' partitions (one
// ListOffsets request per leader for the oldest offsets, one for the
// newest, at the same time) and their counts. The partitions and leaders
// come from the metadata the last listing fetched; when a leader has
// moved, the topics' metadata is fetched again and the count asked once
// more. A topic that is gone is left out.
func (c *Conn) CountStreams(ctx context.Context, names []string) ([]sources.StreamInfo, error) {
	return c.countStreams(ctx, names, true)
}

// countStreams counts the named topics; retry says whether a failed count
// fetches the topics' metadata and tries again (ListStreams has just
// fetched it).
func (c *Conn) countStreams(ctx context.Context, names []string, retry bool) ([]sources.StreamInfo, error) {
	out, err := c.countOnce(ctx, names)
	if err == nil || !retry || ctx.Err() != nil {
		return out, err
	}
	if rerr := c.client.RefreshMetadata(names...); rerr != nil && !errors.Is(rerr, sarama.ErrUnknownTopicOrPartition) {
		return nil, fmt.Errorf("count topics on %s: %w (metadata: %v)", c.name, err, rerr)
	}
	return c.countOnce(ctx, names)
}

func (c *Conn) countOnce(ctx context.Context, names []string) ([]sources.StreamInfo, error) {
	var parts []tp
	out := make([]sources.StreamInfo, 0, len(names))
	for _, t := range names {
		ps, err := c.client.Partitions(t)
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || err == nil && len(ps) == 0 {
			continue // deleted since it was listed
		}
		if err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", t, err)
		}
		slices.Sort(ps)
		info := sources.StreamInfo{Name: t, Kind: "topic", Partitions: make([]sources.PartitionInfo, len(ps))}
		for i, p := range ps {
			info.Partitions[i].ID = p
			parts = append(parts, tp{t, p})
		}
		out = append(out, info)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("count topics on %s: %w", c.name, err)
	}
	lows, highs, err := c.listBounds(parts)
	if err != nil {
		return nil, fmt.Errorf("count topics on %s: %w", c.name, err)
	}
	for i := range out {
		info := &out[i]
		for j := range info.Partitions {
			pi := &info.Partitions[j]
			key := tp{info.Name, pi.ID}
			pi.Low, pi.High = lows[key], highs[key]
			info.Messages += pi.High - pi.Low
			info.High += pi.High
		}
	}
	return out, nil
}

// topicReading is what a read of a topic is: from any offset, live.
var topicReading = sources.Reading{HasPositions: true, Live: true}

// Locate finds a topic (see sources.Locator).
func (c *Conn) Locate(_ context.Context, topic string) (sources.StreamInfo, error) {
	if _, err := c.Partitions(topic); err != nil {
		return sources.StreamInfo{}, err
	}
	return sources.StreamInfo{Name: topic, Kind: "topic", Reading: topicReading}, nil
}

var _ sources.Locator = (*Conn)(nil)
