package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// getBatch is how many messages a read by get hands over at a time.
const getBatch = 100

// getPoll is how often a followed read by get looks for new messages.
const getPoll = 250 * time.Millisecond

// directHeaders are the headers the server adds to a direct get's reply:
// what the message's own fields say (stream, sequence, subject, time) or
// what the reply is (a batch's last sequence, what is left), not the
// message's.
var directHeaders = [...]string{
	jetstream.StreamHeader, jetstream.SequenceHeader, jetstream.SubjectHeader, jetstream.TimeStampHeaer,
	"Nats-Last-Sequence", "Nats-Num-Pending", "Nats-UpTo-Sequence",
}

// stripDirect removes from a direct get's reply the headers the server
// added, and takes the message's stream sequence, subject and time from
// them. The server appends its values after the message's own, so only
// the last value of each of those names is the server's: a message that
// carries such a header itself keeps it as it was.
func stripDirect(raw *jetstream.RawStreamMsg) {
	h := raw.Header
	for _, k := range directHeaders {
		vs, ok := h[k]
		if !ok {
			continue
		}
		last := vs[len(vs)-1]
		switch k {
		case jetstream.SubjectHeader:
			raw.Subject = last
		case jetstream.SequenceHeader:
			if seq, err := strconv.ParseUint(last, 10, 64); err == nil {
				raw.Sequence = seq
			}
		case jetstream.TimeStampHeaer:
			if t, err := time.Parse(time.RFC3339Nano, last); err == nil {
				raw.Time = t
			}
		}
		if len(vs) == 1 {
			delete(h, k)
		} else {
			h[k] = vs[:len(vs)-1]
		}
	}
	if len(h) == 0 {
		raw.Header = nil
	}
}

// getMsg gets the message at seq (with next, the first at or after it)
// from a stream: by direct get when the stream allows it, else through
// the stream's get-message API. Neither consumes anything. The headers a
// direct get adds are stripped. The error is jetstream.ErrMsgNotFound
// when there is no such message.
func (c *Conn) getMsg(ctx context.Context, s jetstream.Stream, seq uint64, next bool) (*jetstream.RawStreamMsg, error) {
	var opts []jetstream.GetMsgOpt
	if next {
		opts = append(opts, jetstream.WithGetMsgSubject(">"))
	}
	raw, err := s.GetMsg(ctx, seq, opts...)
	if err != nil {
		return nil, err
	}
	if info := s.CachedInfo(); info != nil && info.Config.AllowDirect {
		stripDirect(raw)
	}
	return raw, nil
}

// consumes reports a stream a consumer's reading would take messages
// from: a work queue (an acknowledgement removes the message) or an
// interest stream (a message goes once every consumer has it).
func consumes(cfg jetstream.StreamConfig) bool {
	return cfg.Retention == jetstream.WorkQueuePolicy || cfg.Retention == jetstream.InterestPolicy
}

// readByGet reads a work-queue or interest stream message by message by
// sequence (getMsg), creating no consumer, so the read removes nothing.
func (c *Conn) readByGet(ctx context.Context, s jetstream.Stream, stream string, si *jetstream.StreamInfo, opts sources.ReadOptions) (sources.Subscription, error) {
	opts, endSeq := bounded(opts, si.State)
	cfg, empty := orderedConfig(si.State, opts)
	feed := sources.NewFeed(ctx, opts.InFlight, nil)
	if !opts.Follow && (empty || si.State.Msgs == 0) {
		feed.EndWhenDone()
		return feed, nil
	}
	g := &getRead{c: c, s: s, stream: stream, opts: opts, end: endSeq, stopAt: endOffset(opts.End), capture: captureOf(si.Config.Subjects) != nil, feed: feed,
		created: si.Created, total: -1}
	switch cfg.DeliverPolicy {
	case jetstream.DeliverByStartSequencePolicy:
		g.seq = cfg.OptStartSeq
	case jetstream.DeliverNewPolicy:
		g.seq = si.State.LastSeq + 1
	case jetstream.DeliverByStartTimePolicy:
		g.seq, g.since = max(si.State.FirstSeq, 1), cfg.OptStartTime
	default:
		g.seq = max(si.State.FirstSeq, 1)
	}
	if g.seq <= si.State.FirstSeq && g.since == nil && opts.End == nil {
		g.total = int64(si.State.Msgs)
	}
	feed.Go(g.run)
	feed.EndWhenDone()
	return feed, nil
}

// getRead is one read by get under way.
type getRead struct {
	c       *Conn
	s       jetstream.Stream
	stream  string
	opts    sources.ReadOptions
	seq     uint64     // the next sequence to get
	end     uint64     // a bounded read's last sequence
	stopAt  int64      // the end offset's sequence, where a followed read ends too (-1: none)
	since   *time.Time // messages stored before are passed over
	capture bool
	feed    *sources.Feed
	created time.Time // when the stream read was created
	total   int64     // how many messages a bounded read is to deliver (-1: not known)
	sent    int64     // how many it delivered
}

// deleted reports, for a bounded read that found nothing where it looked
// or failed, whether its stream is gone (or was replaced: created again)
// and if so records what the read could not read (Feed.Lose).
func (g *getRead) deleted(ctx context.Context) bool {
	if g.opts.Follow {
		return false
	}
	s, err := g.c.js.Stream(ctx, g.stream)
	replaced := err == nil && !s.CachedInfo().Created.Equal(g.created)
	if !errors.Is(err, jetstream.ErrStreamNotFound) && !replaced {
		return false
	}
	g.c.forget(g.stream)
	g.feed.Lose(sources.Unread{Stream: g.stream, Partition: sources.NoPartition, From: int64(g.seq), To: int64(max(g.end, g.seq)),
		Why: &sources.StreamDeletedError{Stream: g.stream, Read: g.sent, Of: g.total, Replaced: replaced}})
	return true
}

// run gets the messages one by one and hands them over in batches.
func (g *getRead) run(ctx context.Context) {
	var batch []sources.Message
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		ok := g.feed.SendBatch(batch)
		if ok {
			g.sent += int64(len(batch))
		}
		batch = nil
		return ok
	}
	defer flush()
	for ctx.Err() == nil {
		if !g.opts.Follow && g.seq > g.end {
			return
		}
		// Each get has its own deadline: a direct get of a stream deleted
		// can go unanswered (no "no responders") for as long as it waits.
		gctx, cancel := context.WithTimeout(ctx, g.c.timeout)
		raw, err := g.c.getMsg(gctx, g.s, g.seq, true)
		cancel()
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
			if !g.opts.Follow {
				flush()
				g.deleted(ctx) // else the messages left were taken or deleted
				return
			}
			if !flush() {
				return
			}
			t := time.NewTimer(getPoll)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			continue
		case errors.Is(err, jetstream.ErrStreamNotFound):
			flush()
			if g.deleted(ctx) {
				return
			}
			g.c.forget(g.stream)
			g.feed.Fail(fmt.Errorf("read %s: %w", g.stream, sources.ErrUnknownStream))
			return
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			flush()
			if g.deleted(ctx) { // a direct get of a stream deleted has no responders
				return
			}
			g.feed.Fail(fmt.Errorf("read %s#%d: %w", g.stream, g.seq, err))
			return
		}
		if !g.opts.Follow && raw.Sequence > g.end {
			return
		}
		g.seq = raw.Sequence + 1
		if g.since != nil && raw.Time.Before(*g.since) {
			continue
		}
		msg, ok := Convert(g.c.name, g.stream, raw.Sequence, raw.Subject, raw.Header, raw.Data, raw.Time), true
		if g.capture {
			msg, ok, err = g.c.deadLetter(ctx, g.stream, raw.Sequence, raw.Subject, raw.Data, raw.Time)
			if err != nil {
				flush()
				g.feed.Fail(fmt.Errorf("read %s#%d: %w", g.stream, raw.Sequence, err))
				return
			}
			msg.Conn = g.c.name
		}
		if !ok {
			continue
		}
		if g.opts.End.Past(&msg) {
			return
		}
		batch = append(batch, msg)
		if g.stopAt == int64(raw.Sequence) {
			return // the end reached: no waiting for a message past it
		}
		if len(batch) >= getBatch && !flush() {
			return
		}
	}
}
