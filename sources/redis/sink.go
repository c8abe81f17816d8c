package redis

import (
	"bytes"
	"context"
	"fmt"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink XADDs to the stream t names (created by the first entry; a key
// of another type is refused), each message as Publish writes it. A
// message that no longer says which field its value was (a capture file
// keeps no properties) and whose value is the JSON of its headers, as an
// entry read as a whole is, is written as those headers alone: the entry
// it was read from.
func (c *Conn) OpenSink(ctx context.Context, t sources.Target) (sources.MessageSink, error) {
	if t.RoutingKey != "" {
		return nil, fmt.Errorf("redis streams have no routing keys (--routing-key %q): %w", t.RoutingKey, sources.ErrBadTarget)
	}
	if _, err := c.Target(ctx, t); err != nil {
		return nil, fmt.Errorf("replay target: %w", err)
	}
	return &entrySink{PublishSink: sources.NewPublishSink(c, t, "stream "+t.Stream)}, nil
}

// entrySink restores whole-entry values before it publishes.
type entrySink struct {
	*sources.PublishSink
}

// Write publishes msgs, each an entry (see OpenSink).
func (s *entrySink) Write(ctx context.Context, msgs []sources.Message) error {
	out := msgs
	for i := range msgs {
		if !wholeEntry(&msgs[i]) {
			continue
		}
		if &out[0] == &msgs[0] {
			out = append([]sources.Message(nil), msgs...)
		}
		out[i].Properties = append(out[i].Properties[:len(out[i].Properties):len(out[i].Properties)], sources.Property{Name: PropValueField, Value: EntryAsJSON})
	}
	return s.PublishSink.Write(ctx, out)
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
