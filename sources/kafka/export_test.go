package kafka

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/sources"
)

// FetchRounds reads every partition of topic, all led by one broker, from
// its oldest record to its end with the direct fetch of a bounded read,
// decoding in pieces of about chunk bytes with fetches sized to decode to
// about target bytes each. It returns the InFlightBytes of each piece
// handed on and of each fetch's records.
func FetchRounds(ctx context.Context, c *Conn, topic string, chunk, target int64) (pieces, rounds []int64, err error) {
	plans, err := c.plan(topic, sources.ReadOptions{})
	if err != nil {
		return nil, nil, err
	}
	b, err := c.client.Leader(topic, plans[0].partition)
	if err != nil {
		return nil, nil, fmt.Errorf("leader of %s: %w", topic, err)
	}
	var round int64
	deliver := func(ms []sources.Message) bool {
		var n int64
		for i := range ms {
			n += sources.InFlightBytes(&ms[i])
		}
		pieces = append(pieces, n)
		round += n
		return true
	}
	states := newFetchStates(plans, target, false)
	err = fetchLoop(ctx, newBrokerConn(b.Addr(), c.config), c.name, topic, states, nil, 1, fetchChunk{bytes: chunk, target: target}, deliver, func(bool) error {
		rounds = append(rounds, round)
		round = 0
		return nil
	})
	return pieces, rounds, err
}

// TimeEndHeld plans a followed read of topic with opts (a time end) and
// says whether every partition holds its end, with the offset each
// partition's bounded read then stops at (exclusive), by partition.
func TimeEndHeld(c *Conn, topic string, opts sources.ReadOptions) (bool, map[int32]int64, error) {
	plans, err := c.plan(topic, opts)
	if err != nil {
		return false, nil, err
	}
	held, err := c.timeEndHeld(topic, plans, opts.End.Time)
	if err != nil || !held {
		return held, nil, err
	}
	ends := make(map[int32]int64, len(plans))
	for _, p := range plans {
		ends[p.partition] = p.end
	}
	return true, ends, nil
}
