package kafka

import (
	"context"
	"fmt"
	"sort"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// ListStreams lists the cluster's topics with partitions, watermarks,
// message counts and the dead-letter flag.
func (c *Conn) ListStreams(ctx context.Context) ([]sources.StreamInfo, error) {
	if err := c.client.RefreshMetadata(); err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", c.name, err)
	}
	topics, err := c.client.Topics()
	if err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", c.name, err)
	}
	var parts []tp
	partsOf := map[string][]int32{}
	for _, t := range topics {
		ps, err := c.client.Partitions(t)
		if err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", t, err)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		partsOf[t] = ps
		for _, p := range ps {
			parts = append(parts, tp{t, p})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lows, highs, err := c.listBounds(parts)
	if err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", c.name, err)
	}
	exists := make(map[string]bool, len(topics))
	for _, t := range topics {
		exists[t] = true
	}
	out := make([]sources.StreamInfo, 0, len(topics))
	for _, t := range topics {
		info := sources.StreamInfo{Name: t, Kind: "topic", Reading: topicReading}
		for _, p := range partsOf[t] {
			pi := sources.PartitionInfo{ID: p, Low: lows[tp{t, p}], High: highs[tp{t, p}]}
			info.Partitions = append(info.Partitions, pi)
			info.Messages += pi.High - pi.Low
			info.High += pi.High
		}
		info.DeadLetter, info.DeadLetterFor = dlq.IsDeadLetterName(t)
		if !exists[info.DeadLetterFor] { // connect.dlq does not serve a topic "connect"
			info.DeadLetterFor = ""
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
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
