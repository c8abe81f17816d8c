package nats

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink publishes to the subject t names (see sources.SinkOpener and
// Publish): t.RoutingKey when given; else t.Stream when a stream stores
// that subject; else, when t.Stream names a stream,
// its one subject without wildcards (a stream with several: each
// message's key, the subject it was read from); else t.Stream itself as a
// subject. A subject no stream stores is refused before anything is
// written. The sink is a sources.PlacingSink: a message JetStream
// acknowledges as a duplicate is marked so.
func (c *Conn) OpenSink(ctx context.Context, t sources.Target) (sources.MessageSink, error) {
	subject := t.RoutingKey
	if subject == "" {
		s, err := c.subjectFor(ctx, t.Stream)
		if err != nil {
			return nil, fmt.Errorf("replay target: %w", err)
		}
		subject = s
	}
	if subject == "" {
		return sources.NewPlacingPublishSink(c, sources.Target{Stream: t.Stream}, "stream "+t.Stream+" (each message's subject)"), nil
	}
	if err := c.CheckTarget(ctx, sources.Target{Stream: subject}); err != nil {
		return nil, fmt.Errorf("replay target: %w", err)
	}
	return sources.NewPlacingPublishSink(c, sources.Target{Stream: t.Stream, RoutingKey: subject}, "subject "+subject), nil
}

// subjectFor is the subject a target name stands for: the name itself
// when a stream stores that subject; else, when it names a stream, that
// stream's one subject without wildcards ("" when it has several, or
// wildcards); else the name.
func (c *Conn) subjectFor(ctx context.Context, name string) (string, error) {
	if c.CheckTarget(ctx, sources.Target{Stream: name}) == nil {
		return name, nil
	}
	return c.defaultSubject(ctx, name)
}

var _ sources.TargetResolver = (*Conn)(nil)

// ResolveTarget is the subject a redrive's --to stands for, as replay
// takes it (subjectFor): a subject a stream stores, or a stream's one
// subject. A stream with several subjects, or wildcards, is refused,
// naming them: a redrive target is one subject.
func (c *Conn) ResolveTarget(ctx context.Context, name string) (string, error) {
	subject, err := c.subjectFor(ctx, name)
	if err != nil {
		return "", err
	}
	if subject != "" {
		return subject, nil
	}
	s, err := c.stream(ctx, name)
	if err != nil {
		return "", fmt.Errorf("target %s: %w", name, err)
	}
	subs := s.CachedInfo().Config.Subjects
	q := make([]string, len(subs))
	for i, sub := range subs {
		q[i] = strconv.Quote(sub)
	}
	return "", fmt.Errorf("stream %s stores subjects %s: name one subject to write to, not the stream: %w", name, strings.Join(q, ", "), sources.ErrBadTarget)
}
