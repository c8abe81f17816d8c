package redis

import (
	"context"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SourceChecker = (*Conn)(nil)

// CheckSource refuses a redrive source that is no dead-letter source: a
// group's dead-letter view (PendingName: a redrive acknowledges its
// entries, which stay in the stream) and a stream with a dead-letter name
// (DeadLetterName: a redrive deletes its entries) are; any other stream
// holds the application's own entries, which a redrive would delete. The
// refusal names the stream's groups' dead-letter views, if it has groups.
func (c *Conn) CheckSource(ctx context.Context, source string) error {
	t, err := c.resolve(ctx, source)
	if err != nil {
		return fmt.Errorf("redrive source %q: %w", source, err)
	}
	if t.group != "" {
		return nil
	}
	if ok, _ := DeadLetterName(t.stream); ok {
		return nil
	}
	views := ""
	if gs, err := c.client.XInfoGroups(ctx, t.stream).Result(); err == nil && len(gs) > 0 {
		names := make([]string, len(gs))
		for i, g := range gs {
			names[i] = PendingName(t.stream, g.Name)
		}
		views = "; the dead letters of its groups are " + strings.Join(names, ", ")
	}
	return fmt.Errorf("%s is %w (a redrive removes what it moves from its source; dead letters are a group's pending entries, STREAM%sGROUP, or a stream named *.dlq, *-dlq, *:dlq, *.DLT%s)",
		source, sources.ErrNotDeadLetters, PendingMarker, views)
}
