package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"

	natsgo "github.com/nats-io/nats.go"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.Publisher = (*Conn)(nil)

// Publish publishes each message to a subject a stream stores and waits
// for its PubAck: the target's routing key, else the message's key (a
// message read from JetStream has its subject there), else the stream's
// one subject when it has a single one without wildcards, else the
// target itself read as a subject. Headers go as they are (Nats-Msg-Id
// too: JetStream deduplicates by it). Each placement is the stream and
// sequence the PubAck names; one the PubAck says is a duplicate (the
// stream had that Nats-Msg-Id within its duplicate window: nothing was
// written) is marked Duplicate. A message the client cannot send as it is
// (a header name it cannot encode, too large) stops the publish with a
// *sources.RejectedError naming it.
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	if err := req.Unpartitioned("JetStream streams"); err != nil {
		return nil, err
	}
	if err := req.Unrouted("JetStream", true); err != nil {
		return nil, err
	}
	fallback := ""
	if req.Target.RoutingKey == "" {
		s, err := c.defaultSubject(ctx, req.Target.Stream)
		if err != nil {
			return nil, err
		}
		fallback = s
	}
	checked := map[string]bool{}
	out := make([]sources.Placement, 0, len(req.Messages))
	for i := range req.Messages {
		m := &req.Messages[i]
		subject := req.Target.RoutingKey
		if subject == "" {
			subject = string(m.Key)
		}
		if subject == "" {
			subject = fallback
		}
		if subject == "" {
			return out, fmt.Errorf("message %d has no subject: give --routing-key SUBJECT (stream %s stores more than one subject, or subjects with wildcards, and the message has no key to name one): %w", i+1, req.Target.Stream, sources.ErrBadTarget)
		}
		if !checked[subject] {
			if err := c.CheckTarget(ctx, sources.Target{Stream: subject}); err != nil {
				return out, fmt.Errorf("publish message %d: %w", i+1, err)
			}
			checked[subject] = true
		}
		msg := natsgo.NewMsg(subject)
		msg.Data = m.Value
		for _, h := range m.Headers {
			msg.Header[h.Key] = append(msg.Header[h.Key], string(h.Value))
		}
		if err := headerRefusal(msg.Header); err != nil {
			return out, &sources.RejectedError{Index: i, Err: fmt.Errorf("publish to %s: %w", subject, err)}
		}
		ack, err := c.js.PublishMsg(ctx, msg)
		if err != nil && messageLevel(err) {
			return out, &sources.RejectedError{Index: i, Err: fmt.Errorf("publish to %s: %w", subject, err)}
		}
		if err != nil {
			return out, fmt.Errorf("publish message %d to %s: %w", i+1, subject, err)
		}
		out = append(out, sources.Placement{Stream: ack.Stream, Partition: sources.NoPartition, Offset: int64(ack.Sequence), Routed: -1, Duplicate: ack.Duplicate})
	}
	return out, nil
}

// defaultSubject is the subject of a stream that stores one without
// wildcards, or target itself when no stream has that name.
func (c *Conn) defaultSubject(ctx context.Context, target string) (string, error) {
	s, err := c.stream(ctx, target)
	if errors.Is(err, sources.ErrUnknownStream) {
		return target, nil
	}
	if err != nil {
		return "", fmt.Errorf("publish to %s: %w", target, err)
	}
	subs := s.CachedInfo().Config.Subjects
	if len(subs) == 1 && !strings.ContainsAny(subs[0], "*>") {
		return subs[0], nil
	}
	return "", nil // every message names its subject (key, or --routing-key)
}
