package redis

import (
	"context"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.Publisher = (*Conn)(nil)

// Publish XADDs each message to the stream (the first creates it): its
// headers as the entry's pairs, in order, byte for byte, and its value as
// the field value (or the field and place its "value field" and "value
// pair" properties name, as ToMessage reads them); an entry read as JSON
// ("value field" EntryAsJSON) is its headers alone. Each placement is the
// entry id Redis gave.
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	if err := req.Unpartitioned("Redis"); err != nil {
		return nil, err
	}
	stream := req.Target.Stream
	if _, err := c.Target(ctx, req.Target); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	out := make([]sources.Placement, 0, len(req.Messages))
	for i := range req.Messages {
		id, err := c.client.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: entryPairs(&req.Messages[i])}).Result()
		if err != nil {
			return out, fmt.Errorf("redis %s: publish message %d to %s: %w", c.addr, i+1, stream, c.cause(err))
		}
		out = append(out, sources.Placement{Stream: stream, Partition: sources.NoPartition, Offset: -1, ID: id, Routed: -1})
	}
	return out, nil
}

// entryPairs are the field/value pairs XADD writes for m.
func entryPairs(m *sources.Message) []any {
	field, at := ValueFields[0], 0
	for _, p := range m.Properties {
		switch p.Name {
		case PropValueField:
			field = p.Value
		case PropValuePair:
			if n, err := strconv.Atoi(p.Value); err == nil && n >= 1 {
				at = n - 1
			}
		}
	}
	pairs := make([]any, 0, 2*len(m.Headers)+2)
	value := []any{field, valueBytes(m.Value)}
	if field == EntryAsJSON {
		value = nil
	}
	for i, h := range m.Headers {
		if i == at {
			pairs = append(pairs, value...)
			value = nil
		}
		pairs = append(pairs, h.Key, h.Value)
	}
	return append(pairs, value...)
}

// valueBytes is a value XADD can carry (a null value is empty).
func valueBytes(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
