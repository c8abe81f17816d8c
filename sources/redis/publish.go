package redis

import (
	"context"
	"errors"
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
// ("value field" EntryAsJSON) is its headers alone, and so is a message
// that no longer says which field its value was (an export's line keeps
// no properties) whose value is the JSON of its headers, as an entry read
// as a whole is: the entry it was read from. Each placement is the entry
// id Redis gave.
//
// What a read would not give back is refused before anything is written:
// a key (an entry has none: a field is a header, e.g. --header key=kk),
// and a header named value, payload, data or body beside the value field
// (the entry would read back as a whole JSON object, not that value).
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	if err := req.Unpartitioned("Redis streams"); err != nil {
		return nil, err
	}
	if err := req.Unrouted("Redis", false); err != nil {
		return nil, err
	}
	stream := req.Target.Stream
	status, err := c.Target(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	pairs := make([][]any, len(req.Messages))
	for i := range req.Messages {
		p, err := entryPairs(&req.Messages[i])
		if err != nil {
			return nil, fmt.Errorf("publish message %d to %s: %w: nothing written", i+1, stream, err)
		}
		pairs[i] = p
	}
	out := make([]sources.Placement, 0, len(req.Messages))
	for i := range req.Messages {
		id, err := c.client.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: pairs[i]}).Result()
		if err != nil {
			return out, fmt.Errorf("redis %s: publish message %d to %s: %w", c.addr, i+1, stream, c.cause(err))
		}
		out = append(out, sources.Placement{Stream: stream, Partition: sources.NoPartition, Offset: -1, ID: id, Routed: -1, Created: i == 0 && !status.Exists})
	}
	return out, nil
}

// errKeyedEntry says a message with a key cannot become an entry.
var errKeyedEntry = errors.New("a Redis stream entry has no key (give it as a field: --header key=...)")

// entryPairs are the field/value pairs XADD writes for m, the inverse of
// ToMessage (see Publish for what is refused).
func entryPairs(m *sources.Message) ([]any, error) {
	if len(m.Key) > 0 {
		return nil, fmt.Errorf("key %q: %w", m.Key, errKeyedEntry)
	}
	field, at := ValueFields[0], 0
	if wholeEntry(m) { // an export's line of an entry read as JSON: its fields again
		field = EntryAsJSON
	}
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
	for _, h := range m.Headers {
		if value != nil && isValueField(h.Key) {
			return nil, fmt.Errorf("header %q: the entry's value is field %q, and a second value field would make the entry read back as a whole JSON object", h.Key, field)
		}
	}
	for i, h := range m.Headers {
		if i == at {
			pairs = append(pairs, value...)
			value = nil
		}
		pairs = append(pairs, h.Key, h.Value)
	}
	return append(pairs, value...), nil
}

// valueBytes is a value XADD can carry (a null value is empty).
func valueBytes(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
