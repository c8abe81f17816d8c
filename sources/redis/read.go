package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

const (
	// firstPage is the COUNT of a read's first XRANGE; later pages grow
	// (doubling, up to maxPage) while they hold less than pageTarget
	// bytes, and shrink when they hold more than twice that.
	firstPage  = 100
	maxPage    = 4000
	pageTarget = 2 << 20
	// tailBlock is how long one XREAD of a live tail waits for an entry.
	tailBlock = 500 * time.Millisecond
	// pendingPage is the COUNT of one XPENDING of a dead-letter read.
	pendingPage = 500
)

// maxID is the largest stream id.
var maxID = ID{MS: ^uint64(0), Seq: ^uint64(0)}

// target is what a name stands for: a stream key or a group's view.
type target struct {
	stream, group string // group "" for a stream key
}

// Read reads a stream key with XRANGE pages (bounded by what the stream
// held when the read started, or opts.End), then, with Follow, tails it
// with XREAD BLOCK. It creates no group, acknowledges nothing and writes
// nothing. A group's dead-letter view (PendingName) is read with
// ReadPending and the connection's limits; such a read has no live tail
// (Follow is ignored) and ends after the pending entries it found.
func (c *Conn) Read(ctx context.Context, name string, opts sources.ReadOptions) (sources.Subscription, error) {
	t, err := c.resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	if t.group != "" {
		return c.readPending(ctx, t.stream, t.group, name, c.limits, opts)
	}
	return c.readStream(ctx, t.stream, opts)
}

// startID is the first id a read takes and whether it is exclusive.
func (c *Conn) startID(ctx context.Context, stream string, st sources.Start, last ID, empty bool) (ID, bool, error) {
	switch st.Kind {
	case sources.StartNewest:
		if empty {
			return ID{}, false, nil
		}
		return last, true, nil
	case sources.StartLastN:
		page, err := c.rangeRaw(ctx, "XREVRANGE", stream, "+", "-", st.N)
		if err != nil {
			return ID{}, false, err
		}
		if len(page) == 0 {
			return ID{}, false, nil
		}
		id, err := ParseID(page[len(page)-1].id)
		return id, false, err
	case sources.StartOffset:
		off := st.Offset
		if o, ok := st.Offsets[sources.NoPartition]; ok {
			off = o
		} else if o, ok := st.Offsets[0]; ok && len(st.Offsets) == 1 {
			off = o
		}
		return OffsetID(max(off, 0)), false, nil
	case sources.StartTime:
		return TimeID(st.Time), false, nil
	}
	return ID{}, false, nil
}

// endID is the last id a read takes: the stream's last when it does not
// follow, capped by opts.End; and whether it has an end.
func endID(opts sources.ReadOptions, last ID, empty bool) (ID, bool) {
	end, bounded := maxID, false
	if !opts.Follow {
		if empty {
			return ID{}, true
		}
		end, bounded = last, true
	}
	if e := opts.End; e != nil {
		var cap ID
		switch e.Kind {
		case sources.StartOffset:
			off := e.Offset
			if o, ok := e.Offsets[sources.NoPartition]; ok {
				off = o
			}
			if off < 0 {
				return end, bounded
			}
			cap = OffsetID(off)
		case sources.StartTime:
			cap = ID{MS: uint64(max(e.Time.UnixMilli(), 0)), Seq: ^uint64(0)}
		default:
			return end, bounded
		}
		if cap.Less(end) {
			end = cap
		}
		bounded = true
	}
	return end, bounded
}

// readStream is Read of a stream key.
func (c *Conn) readStream(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	top, err := c.rangeRaw(ctx, "XREVRANGE", stream, "+", "-", 1)
	if err != nil {
		return nil, err
	}
	var last ID
	empty := len(top) == 0
	if !empty {
		if last, err = ParseID(top[0].id); err != nil {
			return nil, fmt.Errorf("redis %s: %q: %w", c.addr, stream, err)
		}
	}
	if empty && !opts.Follow {
		// Nothing was there when the read began: a bounded read ends at
		// once. An emptied stream keeps its last id and the count of
		// entries it had ever had, which tell of no trim during the read.
		feed := sources.NewFeed(ctx, 0, nil)
		feed.EndWhenDone()
		return feed, nil
	}
	from, exclusive, err := c.startID(ctx, stream, opts.Start, last, empty)
	if err != nil {
		return nil, err
	}
	end, _ := endID(opts, last, empty)
	added, total := int64(0), int64(-1)
	var first ID
	if !opts.Follow {
		// What the stream had ever had tells it from a stream of the same
		// name that takes its place during the read (see deleted).
		info, err := c.client.XInfoStream(ctx, stream).Result()
		if err != nil {
			return nil, fmt.Errorf("redis %s: xinfo stream %q: %w", c.addr, stream, c.cause(err))
		}
		added = info.EntriesAdded
		first, _ = ParseID(info.FirstEntry.ID)
		if opts.Start.Kind == sources.StartOldest && opts.End == nil {
			total = info.Length
		}
	}
	isDLQ, origin := DeadLetterName(stream)
	w, err := c.dialWire(ctx)
	if err != nil {
		return nil, fmt.Errorf("redis %s: read %q: %w", c.addr, stream, c.cause(err))
	}
	feed := sources.NewFeed(ctx, opts.InFlight, w.close)
	feed.Go(func(ctx context.Context) {
		r := streamRead{c: c, w: w, stream: stream, dlq: isDLQ, origin: origin, feed: feed, added: added, total: total, firstBefore: first}
		if err := r.run(ctx, from, exclusive, end, opts.Follow); err != nil && ctx.Err() == nil {
			feed.Fail(err)
		}
	})
	feed.EndWhenDone()
	return feed, nil
}

// streamRead is one read of a stream key.
type streamRead struct {
	c      *Conn
	w      *wire // the read's own connection, for its XRANGE pages
	stream string
	dlq    bool
	origin string
	feed   *sources.Feed
	// gone says the followed stream was deleted and has not come back;
	// added is how many entries it had ever had when last looked at (a
	// bounded read: when it began).
	gone  bool
	added int64
	// sent is how many entries a bounded read delivered, after the id
	// of the last (nil: none yet).
	sent  int64
	after *ID
	total int64 // how many entries a bounded read is to deliver (-1: not known)
	// firstBefore is the stream's first entry when a bounded read
	// began: a trim up to it is the stream's shape, not entries the read
	// lost.
	firstBefore ID
	// trimmedAway counts the entries trimmed reported lost so far.
	trimmedAway int64
}

// run pages from from (exclusive or not) to end with XRANGE; following,
// it waits for new entries with XREAD BLOCK whenever it has caught up,
// until it passes end.
func (r *streamRead) run(ctx context.Context, from ID, exclusive bool, end ID, follow bool) error {
	if end.Less(from) || exclusive && !from.Less(end) {
		return nil
	}
	start := from.String()
	if exclusive {
		start = "(" + start
	}
	stop := end.String()
	if end == maxID {
		stop = "+"
	}
	type result struct {
		page []rawEntry
		err  error
	}
	fetch := func(start string, n int64) <-chan result {
		ch := make(chan result, 1)
		go func() {
			p, err := r.page(ctx, start, stop, n)
			ch <- result{p, err}
		}()
		return ch
	}
	var next <-chan result
	defer func() {
		if next != nil {
			<-next // the page asked for ahead: let its call end
		}
	}()
	count := int64(firstPage)
	var clamped inexact
	defer func() {
		if err := clamped.report(r.stream); err != nil {
			r.feed.Fail(err)
		}
	}()
	for ctx.Err() == nil {
		if r.gone {
			r.restarted(ctx, &start)
		}
		var page []rawEntry
		var err error
		if next != nil {
			res := <-next
			next, page, err = nil, res.page, res.err
		} else {
			page, err = r.page(ctx, start, stop, count)
		}
		if err != nil {
			return err
		}
		// The first id this page was to start at: entries from there to
		// the page's first that the stream no longer holds were trimmed
		// away while the read ran (trimmed checks).
		lo := from
		if exclusive {
			lo = from.Next()
		}
		if r.after != nil {
			lo = r.after.Next()
		}
		if !follow && len(page) > 0 {
			if id, err := ParseID(page[0].id); err == nil && lo.Less(id) {
				if err := r.trimmed(ctx, lo, page, end); err != nil {
					return err
				}
			}
		}
		full, done := int64(len(page)) == count, false
		if len(page) > 0 {
			last := page[len(page)-1].id
			start = "(" + last
			if id, err := ParseID(last); err == nil && !id.Less(end) {
				done = true
			}
		}
		// Pages grow while they are small in bytes and shrink when large;
		// the next is asked for while this one is handed on.
		switch size := pageBytes(page); {
		case size < pageTarget/2 && count < maxPage:
			count *= 2
		case size > 2*pageTarget && count > 1:
			count /= 2
		}
		if full && !done {
			next = fetch(start, count)
		}
		if len(page) > 0 {
			batch := make([]sources.Message, 0, len(page))
			for i := range page {
				clamped.see(page[i].id)
				m := ToMessage(r.c.name, r.stream, page[i].id, page[i].fields)
				r.mark(&m)
				batch = append(batch, m)
			}
			if len(batch) > 0 && !r.feed.SendBatch(batch) {
				return nil
			}
			r.sent += int64(len(batch))
			if id, err := ParseID(page[len(page)-1].id); err == nil {
				r.after = &id
			}
		}
		switch {
		case done:
			return nil
		case full:
			continue
		case !follow:
			// Short of its end: entries deleted, or the stream.
			first := from
			if exclusive {
				first = from.Next()
			}
			if lost, err := r.deleted(ctx, first, end); lost || err != nil {
				return err
			}
			if r.after != nil {
				first = r.after.Next()
			}
			return r.trimmed(ctx, first, nil, end)
		}
		if err := clamped.report(r.stream); err != nil {
			r.feed.Fail(err)
		}
		if r.restarted(ctx, &start) {
			continue
		}
		// Caught up: wait for an entry after the last one seen. XREAD
		// without GROUP reads; it changes nothing on the server.
		after := strings.TrimPrefix(start, "(")
		if after == "-" {
			after = "0-0"
		}
		if err := r.c.client.XRead(ctx, &goredis.XReadArgs{Streams: []string{r.stream, after}, Count: 1, Block: tailBlock}).Err(); err != nil && !errors.Is(err, goredis.Nil) {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("redis %s: tail %q: %w", r.c.addr, r.stream, r.c.cause(err))
		}
	}
	return nil
}

// deleted checks, for a bounded read that found no more entries before
// its end, whether its stream was deleted, or replaced by a stream of the
// same name (one that has had fewer entries, or whose last id is below
// the last one read). If so it records what the read did not read
// (Feed.Lose) with a sources.StreamDeletedError and reports true. Else
// the entries left were deleted (XDEL, trimming; see trimmed) and the
// read is at its end.
func (r *streamRead) deleted(ctx context.Context, from, end ID) (bool, error) {
	info, err := r.c.client.XInfoStream(ctx, r.stream).Result()
	replaced := false
	switch {
	case isNoSuchKey(err):
	case err != nil:
		if ctx.Err() != nil {
			return false, nil
		}
		return false, fmt.Errorf("redis %s: xinfo stream %q: %w", r.c.addr, r.stream, r.c.cause(err))
	default:
		replaced = info.EntriesAdded < r.added
		if last, err := ParseID(info.LastGeneratedID); err == nil && r.after != nil && last.Less(*r.after) {
			replaced = true
		}
		if !replaced {
			return false, nil
		}
	}
	next := from
	if r.after != nil {
		next = r.after.Next()
	}
	r.feed.Lose(sources.Unread{Stream: r.stream, Partition: sources.NoPartition, From: next.Offset(), To: max(end.Offset(), next.Offset()), Positions: EntryIDs{},
		Why: &sources.StreamDeletedError{Stream: r.stream, Read: r.sent, Of: r.total, Unit: "entries", Replaced: replaced}})
	return true, nil
}

// trimmed checks, for a bounded read about to deliver page (nil: it
// found no more entries up to end) whose next entry was to be lo or
// after, whether the stream was trimmed (XTRIM, MAXLEN, MINID) past lo
// while it read: its first entry is now above lo, and above where it
// was when the read began. Where the read knows how many entries it was
// to deliver (from the oldest), the trim must have taken some it has
// not (what it delivered, the page's entries below the first entry and
// what the stream still holds up to end fall short); else the rise
// alone tells. It records the range lost (Feed.Lose) with a
// sources.StreamTrimmedError; the read goes on with the page. Entries
// deleted before the read began, an XDEL, and a trim of entries already
// read are no such range.
func (r *streamRead) trimmed(ctx context.Context, lo ID, page []rawEntry, end ID) error {
	info, err := r.c.client.XInfoStream(ctx, r.stream).Result()
	switch {
	case isNoSuchKey(err):
		return nil // the stream is gone: deleted says so
	case err != nil:
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("redis %s: xinfo stream %q: %w", r.c.addr, r.stream, r.c.cause(err))
	}
	first := maxID // empty: trimmed of all
	if info.Length > 0 {
		if first, err = ParseID(info.FirstEntry.ID); err != nil {
			return nil
		}
	}
	if !lo.Less(first) || !r.firstBefore.Less(first) {
		return nil
	}
	next := first // the first entry past the range lost
	if len(page) > 0 {
		if p, err := ParseID(page[0].id); err == nil && p.Less(next) {
			next = p
		}
	}
	if !lo.Less(next) {
		return nil
	}
	removed := int64(-1)
	if r.total >= 0 {
		held := int64(0) // the page's entries the stream no longer holds
		for i := range page {
			if id, err := ParseID(page[i].id); err == nil && id.Less(first) {
				held++
			}
		}
		n := r.total - r.sent - r.trimmedAway - held - (info.Length - (info.EntriesAdded - r.added))
		if n <= 0 {
			return nil // the entries trimmed were read, or deleted before the read
		}
		removed = n
		r.trimmedAway += n
	}
	to := next.prev()
	if end.Less(to) {
		to = end
	}
	r.feed.Lose(sources.Unread{Stream: r.stream, Partition: sources.NoPartition, From: lo.Offset(), To: max(to.Offset(), lo.Offset()), Positions: EntryIDs{},
		Why: &sources.StreamTrimmedError{Stream: r.stream, Removed: removed, Unit: "entries"}})
	return nil
}

// page is one XRANGE of the read.
func (r *streamRead) page(ctx context.Context, start, stop string, count int64) ([]rawEntry, error) {
	p, err := r.w.xrange(ctx, 4*r.c.timeout, r.stream, start, stop, count)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("redis %s: xrange %q: %w", r.c.addr, r.stream, r.c.cause(err))
	}
	return p, nil
}

// pageBytes is the size of a page's pairs.
func pageBytes(page []rawEntry) int {
	n := 0
	for i := range page {
		for _, f := range page[i].fields {
			n += len(f.Name) + len(f.Value)
		}
	}
	return n
}

// mark fills a message's provenance: dead-letter headers it carries, the
// entry's origin field (OriginFields) or else the stream's name for a DLQ
// named so, mqscope's redrive headers.
func (r *streamRead) mark(m *sources.Message) {
	m.DeadLetter = dlq.FromHeaders(m.Headers)
	switch {
	case m.DeadLetter == nil && r.dlq:
		m.DeadLetter = &sources.DeadLetter{Scheme: "redis", OriginStream: r.origin, OriginPartition: sources.NoPartition, OriginOffset: -1, Reason: "in a stream named as a dead-letter queue"}
		withEntryError(m.DeadLetter, m)
		withEntryOrigin(m.DeadLetter, m, true)
	case m.DeadLetter != nil:
		withEntryOrigin(m.DeadLetter, m, false)
	}
	dlq.MarkCopy(m)
}

// rawEntry is one entry as XRANGE returns it.
type rawEntry struct {
	id     string
	fields []Field
}

// rangeRaw runs XRANGE or XREVRANGE and keeps every entry's pairs in
// order, byte for byte (go-redis's XRange gives a map, which loses the
// order and repeated names).
func (c *Conn) rangeRaw(ctx context.Context, cmd, stream, start, stop string, count int64) ([]rawEntry, error) {
	v, err := c.client.Do(ctx, cmd, stream, start, stop, "COUNT", count).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis %s: %s %q: %w", c.addr, strings.ToLower(cmd), stream, c.cause(err))
	}
	return parseEntries(v)
}

// parseEntries reads an XRANGE reply. The pairs of all entries share one
// slice (they are read once, into Messages, and let go); the values of one
// entry share one allocation of their own, which its Message keeps.
func parseEntries(v []any) ([]rawEntry, error) {
	out := make([]rawEntry, 0, len(v))
	n := 0
	for _, e := range v {
		if pair, ok := e.([]any); ok && len(pair) == 2 {
			fs, _ := pair[1].([]any)
			n += len(fs) / 2
		}
	}
	all := make([]Field, 0, n)
	for _, e := range v {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("redis: an entry of unexpected shape %T", e)
		}
		id, _ := pair[0].(string)
		fs, _ := pair[1].([]any)
		size := 0
		for i := 1; i < len(fs); i += 2 {
			val, _ := fs[i].(string)
			size += len(val)
		}
		buf := make([]byte, 0, size)
		first := len(all)
		for i := 0; i+1 < len(fs); i += 2 {
			name, _ := fs[i].(string)
			val, _ := fs[i+1].(string)
			at := len(buf)
			buf = append(buf, val...)
			all = append(all, Field{Name: name, Value: buf[at:len(buf):len(buf)]})
		}
		out = append(out, rawEntry{id: id, fields: all[first:len(all):len(all)]})
	}
	return out, nil
}

// PendingEntry is one dead letter of a group: a pending entry past the
// limits.
type PendingEntry struct {
	ID         ID
	Consumer   string
	Idle       time.Duration
	Deliveries int64
}

// ReadPending reads a group's dead letters: its pending entries delivered
// more than limits.MaxDeliveries times or idle past limits.MaxIdle, in id
// order (XPENDING pages, then each entry with XRANGE). Each message's
// DeadLetter says the group, the consumer holding it, the delivery count
// and the idle time; it is named PendingName(stream, group). The read has
// no side effects: it claims nothing and acknowledges nothing. Starts:
// oldest, last:N (the last N dead letters), offset and time (an id); newest
// finds nothing, since a read has no live tail.
func (c *Conn) ReadPending(ctx context.Context, stream, group string, limits Limits, opts sources.ReadOptions) (sources.Subscription, error) {
	return c.readPending(ctx, stream, group, PendingName(stream, group), limits, opts)
}

// readPending is ReadPending naming the messages name: the view's name as
// it was asked for (PendingName, or ViewName where that is ambiguous).
func (c *Conn) readPending(ctx context.Context, stream, group, name string, limits Limits, opts sources.ReadOptions) (sources.Subscription, error) {
	if opts.Start.Kind == sources.StartNewest {
		feed := sources.NewFeed(ctx, 0, nil)
		feed.EndWhenDone()
		return feed, nil
	}
	var from ID
	if opts.Start.Kind != sources.StartLastN { // last:N is counted among the dead letters, not the stream
		var err error
		if from, _, err = c.startID(ctx, stream, opts.Start, ID{}, true); err != nil {
			return nil, err
		}
	}
	end, _ := endID(sources.ReadOptions{Follow: true, End: opts.End}, ID{}, false)
	if err := c.client.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 1}).Err(); err != nil {
		if strings.Contains(err.Error(), "NOGROUP") {
			return nil, fmt.Errorf("redis %s: stream %q has no group %q: %w", c.addr, stream, group, sources.ErrUnknownStream)
		}
		return nil, fmt.Errorf("redis %s: xpending %q %q: %w", c.addr, stream, group, c.cause(err))
	}
	feed := sources.NewFeed(ctx, opts.InFlight, nil)
	feed.Go(func(ctx context.Context) {
		p := pendingRead{c: c, stream: stream, group: group, name: name, limits: limits, feed: feed}
		var err error
		if opts.Start.Kind == sources.StartLastN {
			err = p.last(ctx, opts.Start.N, end)
		} else {
			err = p.run(ctx, from, end)
		}
		if err != nil && ctx.Err() == nil {
			feed.Fail(err)
		}
	})
	feed.EndWhenDone()
	return feed, nil
}

// pendingRead is one read of a group's dead letters.
type pendingRead struct {
	c                   *Conn
	stream, group, name string
	limits              Limits
	feed                *sources.Feed
	skipped             unpackable // dead letters whose ids no Offset holds
}

// scan pages through the group's pending entries from from to end and
// hands each page's dead letters to each; each returns false to stop.
func (p *pendingRead) scan(ctx context.Context, from, end ID, each func([]PendingEntry) bool) error {
	start := from.String()
	for ctx.Err() == nil {
		ps, err := p.c.client.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: p.stream, Group: p.group, Start: start, End: end.String(), Count: pendingPage}).Result()
		if err != nil {
			return fmt.Errorf("redis %s: xpending %q %q: %w", p.c.addr, p.stream, p.group, p.c.cause(err))
		}
		var dead []PendingEntry
		for _, e := range ps {
			id, err := ParseID(e.ID)
			if err != nil || !p.limits.Dead(e.RetryCount, e.Idle) {
				continue
			}
			dead = append(dead, PendingEntry{ID: id, Consumer: e.Consumer, Idle: e.Idle, Deliveries: e.RetryCount})
		}
		if len(dead) > 0 && !each(dead) {
			return nil
		}
		if len(ps) < pendingPage {
			return nil
		}
		start = "(" + ps[len(ps)-1].ID
	}
	return nil
}

// run sends every dead letter from from to end.
func (p *pendingRead) run(ctx context.Context, from, end ID) error {
	var ferr error
	err := p.scan(ctx, from, end, func(dead []PendingEntry) bool {
		ms, err := p.messages(ctx, dead)
		if err != nil {
			ferr = err
			return false
		}
		if err := p.skipped.report(p.name); err != nil {
			p.feed.Fail(err)
		}
		return len(ms) == 0 || p.feed.SendBatch(ms)
	})
	if ferr != nil {
		return ferr
	}
	return err
}

// last sends the last n dead letters up to end.
func (p *pendingRead) last(ctx context.Context, n int64, end ID) error {
	var ring []PendingEntry
	err := p.scan(ctx, ID{}, end, func(dead []PendingEntry) bool {
		ring = append(ring, dead...)
		if int64(len(ring)) > n {
			ring = append(ring[:0], ring[int64(len(ring))-n:]...)
		}
		return true
	})
	if err != nil {
		return err
	}
	for len(ring) > 0 && ctx.Err() == nil {
		page := ring[:min(len(ring), pendingPage)]
		ring = ring[len(page):]
		ms, err := p.messages(ctx, page)
		if err != nil {
			return err
		}
		if err := p.skipped.report(p.name); err != nil {
			p.feed.Fail(err)
		}
		if len(ms) > 0 && !p.feed.SendBatch(ms) {
			return nil
		}
	}
	return nil
}

// messages fetches the dead letters' entries (one XRANGE id id each,
// pipelined) and gives each its provenance. An entry deleted from the
// stream while still pending comes without a value, its flaw saying so.
func (p *pendingRead) messages(ctx context.Context, dead []PendingEntry) ([]sources.Message, error) {
	pipe := p.c.client.Pipeline()
	cmds := make([]*goredis.Cmd, len(dead))
	for i, d := range dead {
		cmds[i] = pipe.Do(ctx, "XRANGE", p.stream, d.ID.String(), d.ID.String(), "COUNT", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("redis %s: read pending entries of %q: %w", p.c.addr, p.stream, p.c.cause(err))
	}
	out := make([]sources.Message, 0, len(dead))
	for i, d := range dead {
		if p.skipped.skip(d.ID.String()) {
			continue
		}
		v, _ := cmds[i].Slice()
		es, err := parseEntries(v)
		if err != nil {
			return nil, err
		}
		var m sources.Message
		if len(es) == 1 {
			m = ToMessage(p.c.name, p.name, es[0].id, es[0].fields)
		} else {
			m = sources.Message{Conn: p.c.name, Stream: p.name, Partition: sources.NoPartition, ID: d.ID.String(), IDPosition: true, Offset: d.ID.Offset(), Timestamp: d.ID.Time(),
				Properties: []sources.Property{{Name: "id", Value: d.ID.String()}},
				Flaw:       &sources.Flaw{Lost: true, Reason: "the entry was deleted from the stream (XDEL or trimming) while still pending: only its id is left"}}
		}
		m.Redelivered = d.Deliveries > 1
		m.DeadLetter = p.provenance(d)
		withEntryError(m.DeadLetter, &m)
		out = append(out, m)
	}
	return out, nil
}

// provenance is a dead letter's DeadLetter: the group, consumer, count and
// idle time from XPENDING.
func (p *pendingRead) provenance(d PendingEntry) *sources.DeadLetter {
	// The reason is the limit passed, alike for every entry past it (so
	// triage groups them); the entry's own count and idle time are Count
	// and its properties.
	reason := "delivered more than " + strconv.FormatInt(p.limits.MaxDeliveries, 10) + " times"
	if !(p.limits.MaxDeliveries > 0 && d.Deliveries > p.limits.MaxDeliveries) {
		reason = "idle over " + p.limits.MaxIdle.String()
	}
	now := time.Now()
	return &sources.DeadLetter{
		Scheme: "redis-pending", OriginStream: p.stream, OriginPartition: sources.NoPartition, OriginOffset: d.ID.Offset(), OriginPosition: d.ID.String(),
		OriginTime: d.ID.Time(), ConsumerGroup: p.group, Reason: reason, Count: d.Deliveries,
		LastDeath: now.Add(-d.Idle),
		Extra: []sources.Property{
			{Name: "consumer", Value: d.Consumer},
			{Name: "deliveries", Value: strconv.FormatInt(d.Deliveries, 10)},
			{Name: "idle", Value: d.Idle.Round(time.Millisecond).String()},
			{Name: "id", Value: d.ID.String()},
			{Name: "limits", Value: p.limits.String()},
		},
	}
}
