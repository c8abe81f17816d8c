package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// TargetStatus is what a write target is now.
type TargetStatus struct {
	// Exists is false for a key that does not exist yet: the first copy
	// written creates the stream.
	Exists bool
	// Length is the stream's length when it exists.
	Length int64
}

// String says it for people.
func (s TargetStatus) String() string {
	if !s.Exists {
		return "does not exist yet: the first copy creates it"
	}
	return fmt.Sprintf("a stream of %d entries", s.Length)
}

// Target says what a write target is: a stream, or a key not there yet
// (the first XADD creates it). It refuses, wrapping sources.ErrBadTarget, an
// exchange, an empty name, a key of another type and a group's dead-letter
// view (PendingName), which is no key that can be written.
func (c *Conn) Target(ctx context.Context, t sources.Target) (TargetStatus, error) {
	switch {
	case t.Exchange:
		return TargetStatus{}, fmt.Errorf("redis has no exchanges: name a stream: %w", sources.ErrBadTarget)
	case t.Stream == "":
		return TargetStatus{}, fmt.Errorf("an empty stream name: %w", sources.ErrBadTarget)
	}
	typ, err := c.client.Type(ctx, t.Stream).Result()
	if err != nil {
		return TargetStatus{}, fmt.Errorf("redis %s: target %q: %w", c.addr, t.Stream, c.cause(err))
	}
	if typ == "none" {
		for _, form := range []string{KeyForm, ViewForm} {
			if k, ok := strings.CutSuffix(t.Stream, form); ok && strings.Contains(k, PendingMarker) {
				return TargetStatus{}, fmt.Errorf("%q names a key or a view with its form (%s): a target is always a key: name the key %q itself: %w", t.Stream, form, k, sources.ErrBadTarget)
			}
		}
	}
	switch typ {
	case "stream":
		n, err := c.client.XLen(ctx, t.Stream).Result()
		if err != nil {
			return TargetStatus{}, fmt.Errorf("redis %s: target %q: %w", c.addr, t.Stream, c.cause(err))
		}
		return TargetStatus{Exists: true, Length: n}, nil
	case "none":
		if strings.Contains(t.Stream, PendingMarker) {
			if r, err := c.resolve(ctx, t.Stream); err == nil && r.group != "" {
				return TargetStatus{}, fmt.Errorf("%q is the dead-letter view of group %q of %q, not a stream: redrive to %q itself or another stream: %w", t.Stream, r.group, r.stream, r.stream, sources.ErrBadTarget)
			}
		}
		return TargetStatus{}, nil
	}
	return TargetStatus{}, fmt.Errorf("key %q is a %s, not a stream: %w", t.Stream, typ, sources.ErrBadTarget)
}

// CheckTarget is Target without the status: nil for a stream or a key
// not there yet.
func (c *Conn) CheckTarget(ctx context.Context, t sources.Target) error {
	_, err := c.Target(ctx, t)
	return err
}

var _ sources.TargetFacter = (*Conn)(nil)

// TargetFacts says what a redrive from source to t would do beyond
// writing: whether t does not exist (the first XADD creates it), and,
// for a group's dead letters (PendingName) written back onto their own
// stream, the stream's other groups, which would read every copy as a new
// entry. A target Target refuses is refused here too.
func (c *Conn) TargetFacts(ctx context.Context, source string, t sources.Target) (sources.TargetFacts, error) {
	st, err := c.Target(ctx, t)
	if err != nil {
		return sources.TargetFacts{}, err
	}
	f := sources.TargetFacts{Missing: !st.Exists}
	if !st.Exists {
		return f, nil
	}
	src, err := c.resolve(ctx, source)
	if err != nil || src.group == "" || src.stream != t.Stream {
		return f, nil // the source's own errors are the read's to tell
	}
	gs, err := c.client.XInfoGroups(ctx, t.Stream).Result()
	if err != nil && !isNoSuchKey(err) {
		return f, fmt.Errorf("redis %s: xinfo groups %q: %w", c.addr, t.Stream, c.cause(err))
	}
	for _, g := range gs {
		if g.Name != src.group {
			f.SeenBy = append(f.SeenBy, g.Name)
		}
	}
	slices.Sort(f.SeenBy)
	return f, nil
}
