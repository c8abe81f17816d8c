package redis

import (
	"bytes"
	"context"
	"fmt"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink XADDs to the stream t names (created by the first entry; a key
// of another type is refused), each message as Publish writes it (an
// export's line of an entry read as a whole is that entry again).
func (c *Conn) OpenSink(ctx context.Context, t sources.Target) (sources.MessageSink, error) {
	if t.RoutingKey != "" {
		return nil, fmt.Errorf("redis streams have no routing keys (--routing-key %q): %w", t.RoutingKey, sources.ErrBadTarget)
	}
	if _, err := c.Target(ctx, t); err != nil {
		return nil, fmt.Errorf("replay target: %w", err)
	}
	return sources.NewPublishSink(c, t, "stream "+t.Stream), nil
}

// wholeEntry says m is an entry read as JSON that lost its properties.
func wholeEntry(m *sources.Message) bool {
	for _, p := range m.Properties {
		if p.Name == PropValueField {
			return false
		}
	}
	if len(m.Headers) == 0 || len(m.Value) == 0 || m.Value[0] != '{' {
		return false
	}
	pairs := make([]Field, len(m.Headers))
	for i, h := range m.Headers {
		pairs[i] = Field{Name: h.Key, Value: h.Value}
	}
	return bytes.Equal(EntryJSON(pairs), m.Value)
}
