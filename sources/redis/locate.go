package redis

import (
	"context"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
)

// Locate is one stream key, or one group's dead-letter view
// (PendingName), as ListStreams lists it, without scanning the keyspace;
// a group's view is found even when it holds no pending entry (the
// listing leaves such views out).
func (c *Conn) Locate(ctx context.Context, name string) (sources.StreamInfo, error) {
	t, err := c.resolve(ctx, name)
	if err != nil {
		return sources.StreamInfo{}, err
	}
	all, err := c.facts(ctx, []string{t.stream})
	if err != nil {
		return sources.StreamInfo{}, err
	}
	if len(all) == 0 {
		return sources.StreamInfo{}, fmt.Errorf("redis %s: no stream %q: %w", c.addr, t.stream, sources.ErrUnknownStream)
	}
	f := all[0]
	if t.group == "" {
		si := c.streamInfo(f, false)
		si.Name = name
		return si, nil
	}
	dead, err := c.countDead(ctx, all)
	if err != nil {
		return sources.StreamInfo{}, err
	}
	for _, g := range f.groups {
		if g.Name == t.group {
			si := c.pendingInfo(f, g, dead[PendingName(t.stream, t.group)])
			si.Name = name
			return si, nil
		}
	}
	return sources.StreamInfo{}, fmt.Errorf("redis %s: stream %q has no group %q: %w", c.addr, t.stream, t.group, sources.ErrUnknownStream)
}

// groupNames lists a stream's groups for a message: "its groups: a, b",
// or "it has none".
func groupNames(gs []goredis.XInfoGroup) string {
	if len(gs) == 0 {
		return "it has none"
	}
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.Name
	}
	return "its groups: " + strings.Join(names, ", ")
}
