package replay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/mqscope/mqscope/internal/safetext"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// ErrNoCopy is returned by FindCopy when no redriven copy was found.
var ErrNoCopy = errors.New("no redriven copy found")

// ParsePosition reads a Position back: "partition/offset", or a bare
// sequence for streams without partitions.
func ParsePosition(s string) (int32, int64, error) {
	part, off, found := strings.Cut(s, "/")
	if !found {
		o, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("position %q: want partition/offset or a sequence number", s)
		}
		return sources.NoPartition, o, nil
	}
	p, perr := strconv.ParseInt(part, 10, 32)
	o, oerr := strconv.ParseInt(off, 10, 64)
	if perr != nil || oerr != nil {
		return 0, 0, fmt.Errorf("position %q: want partition/offset", s)
	}
	return int32(p), o, nil
}

// original is where a redriven message was redriven from (its
// x-mqscope-redrive-source and -position); ok is false on a message that
// was never redriven. A position in the stream's own syntax (a Redis
// entry id) comes back as at, offset -1: the stream reads it (origin).
func original(m *sources.Message) (stream string, partition int32, offset int64, at string, ok bool) {
	src, hasSrc := m.Header(HeaderSource)
	if !hasSrc {
		return "", 0, 0, "", false
	}
	c := dlq.RedriveFromHeaders(m.Headers)
	if c == nil {
		return "", 0, 0, "", false
	}
	return string(src), c.Partition, c.Offset, c.At, true
}

// StreamPosition reads a Position on stream: partition/offset, a bare
// sequence, or a position in the stream's own syntax (a Redis entry id),
// which the stream reads into its offset (Reading.Positions).
func StreamPosition(ctx context.Context, r sources.Reader, stream, pos string) (int32, int64, error) {
	part, off, err := ParsePosition(pos)
	if err == nil {
		return part, off, nil
	}
	if off, serr := StreamOffset(ctx, r, stream, pos); serr == nil {
		return sources.NoPartition, off, nil
	}
	return 0, 0, err
}

// StreamOffset is the offset of the message at a position written in
// its stream's own syntax (at: a Redis entry id), read by the stream's
// Positions.
func StreamOffset(ctx context.Context, r sources.Reader, stream, at string) (int64, error) {
	if len(at) > 3 && strings.EqualFold(at[:3], "id:") {
		at = at[3:]
	}
	l, ok := r.(sources.Locator)
	if !ok {
		return 0, fmt.Errorf("position %q of %s: the connection cannot say how the stream names positions", at, stream)
	}
	st, err := l.Locate(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("position %q of %s: %w", at, stream, err)
	}
	if st.Reading.Positions == nil {
		return 0, fmt.Errorf("position %q of %s: want partition/offset or a sequence number", at, stream)
	}
	off, ok := st.Reading.Positions.Parse(at)
	if !ok {
		return 0, fmt.Errorf("position %q of %s: want an %s (%s)", at, stream, st.Reading.Positions.Name(), st.Reading.Positions.Example())
	}
	return off, nil
}

// findCopy looks for the redriven copy of a dead letter in target: the
// message whose redrive provenance names the dead letter's stream and
// position. It reads target from the dead letter's time (a copy is always
// later) to its end, at most budget messages (0: no bound), and returns the
// latest copy.
func findCopy(ctx context.Context, r sources.Reader, target string, dead *sources.Message, budget int64) (sources.Message, error) {
	start := sources.Start{Kind: sources.StartOldest}
	if !dead.Timestamp.IsZero() {
		start = sources.Start{Kind: sources.StartTime, Time: dead.Timestamp}
	}
	sub, err := r.Read(ctx, target, sources.ReadOptions{Start: start})
	if err != nil {
		return sources.Message{}, fmt.Errorf("find the copy in %s: %w", target, err)
	}
	defer sub.Close()
	pos, legacy := Position(*dead), offsetPosition(*dead)
	var found *sources.Message
	var scanned int64
	for budget == 0 || scanned < budget {
		batch, err := sub.Next(ctx, 5000)
		for i := range batch {
			scanned++
			m := &batch[i]
			if src, ok := m.Header(HeaderSource); ok && string(src) == dead.Stream {
				if p, ok := m.Header(HeaderPosition); ok && (string(p) == pos || string(p) == legacy) {
					c := *m
					found = &c
				}
			}
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			return sources.Message{}, fmt.Errorf("find the copy in %s: %w", target, err)
		}
	}
	if found == nil {
		return sources.Message{}, fmt.Errorf("%s of %s in %s (%d messages read): %w", pos, dead.Stream, target, scanned, ErrNoCopy)
	}
	return *found, nil
}

// CopyScanBudget bounds how much of a topic OtherCopy reads to find a
// dead letter's redriven copy.
const CopyScanBudget = 2_000_000

// OtherCopy finds the other copy of a message for a diff: for a redriven
// message, the dead letter it was redriven from (read again from the DLQ);
// for a dead letter, its redriven copy in its origin stream. It returns
// them in that order: dead letter, then copy.
func OtherCopy(ctx context.Context, r sources.Reader, m sources.Message) (deadLetter, redriven sources.Message, err error) {
	if src, part, off, at, ok := original(&m); ok {
		where := at
		if at == "" {
			where = Position(sources.Message{Partition: part, Offset: off})
		} else if off, err = StreamOffset(ctx, r, src, at); err != nil {
			return m, m, fmt.Errorf("the dead letter it was redriven from (%s %s): %w", src, where, err)
		}
		orig, err := sources.FetchAt(ctx, r, src, part, off)
		if err != nil {
			return m, m, fmt.Errorf("the dead letter it was redriven from (%s %s): %w", src, where, err)
		}
		return orig, m, nil
	}
	if m.DeadLetter == nil || m.DeadLetter.OriginStream == "" {
		return m, m, errors.New("neither redriven nor a dead letter with an origin: it has no other copy")
	}
	cp, err := findCopy(ctx, r, m.DeadLetter.OriginStream, &m, CopyScanBudget)
	if err != nil {
		return m, m, fmt.Errorf("the redriven copy: %w", err)
	}
	return m, cp, nil
}

// DefaultCopyScanLimit bounds how many records of one target a plan reads
// to find earlier copies of its dead letters.
const DefaultCopyScanLimit = 10_000_000

// CopyScanSlack is how much earlier than its oldest dead letter a plan
// starts looking for copies: a copy's timestamp is the clock of the
// machine that redrove it, which may be behind the dead letter's.
const CopyScanSlack = 10 * time.Minute

// CopyFinder reads a topic's record headers (sources/kafka.Conn has it).
type CopyFinder = sources.HeaderScanner

// EarlierCopy is a copy of a dead letter that a redrive wrote before: by
// any run, from any machine (it is found on the broker, not in a journal).
type EarlierCopy struct {
	// Stream, Partition and Offset are where the copy is.
	Stream    string
	Partition int32
	Offset    int64
	// At is the copy's position as its stream names it (Message.Position).
	At string
	// RedriveID names the run that wrote it; Time is the copy's timestamp.
	RedriveID string
	Time      time.Time
	// Count is how many copies were found (more than one: redriven again).
	Count int
}

// String says where the copy is: "redriven to orders[2]@226 by rd-… at 2026-12-01 10:02:03 UTC".
func (c EarlierCopy) String() string {
	at := c.At
	if at == "" {
		at = strconv.FormatInt(c.Offset, 10)
	}
	s := fmt.Sprintf("redriven to %s[%d]@%s by %s", c.Stream, c.Partition, at, c.RedriveID)
	if !c.Time.IsZero() {
		s += " at " + c.Time.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if c.Count > 1 {
		s += fmt.Sprintf(" (%d copies)", c.Count)
	}
	return s
}

// Same reports both name the same copy.
func (c EarlierCopy) Same(o EarlierCopy) bool {
	return c.Stream == o.Stream && c.Partition == o.Partition && c.Offset == o.Offset
}

// CopyScan says what was read of one topic to find copies.
type CopyScan struct {
	Topic string
	// Since is where the scan started (zero: the topic's oldest record).
	Since time.Time
	// Records is how many records were read.
	Records int64
	ends    map[int32]int64
}

// Copies are the redriven copies found in a redrive's targets, by the
// dead letter they copy.
type Copies struct {
	Source string
	// Scans say what was read, one per target topic.
	Scans []CopyScan
	// found is keyed by the dead letter's position as its copies'
	// x-mqscope-redrive-position has it (RedriveCopy.Position).
	found map[string]EarlierCopy
}

// Of returns the latest copy of a dead letter of Source, if one was found.
func (c *Copies) Of(m *sources.Message) (EarlierCopy, bool) {
	if c == nil || m.Stream != c.Source {
		return EarlierCopy{}, false
	}
	if e, ok := c.found[Position(*m)]; ok {
		return e, true
	}
	e, ok := c.found[offsetPosition(*m)] // a copy written by an earlier version
	return e, ok
}

// add indexes the copies of Source's dead letters among msgs.
func (c *Copies) add(msgs []sources.Message) {
	for i := range msgs {
		m := &msgs[i]
		r := m.Redriven
		if r == nil { // read as a dead letter again (later dead-letter headers): still a copy written here
			r = dlq.RedriveFromHeaders(m.Headers)
		}
		if r == nil || r.Source != c.Source || m.Stream == c.Source {
			continue
		}
		k := r.Position()
		prev, seen := c.found[k]
		e := EarlierCopy{Stream: m.Stream, Partition: m.Partition, Offset: m.Offset, At: m.Position(), RedriveID: r.ID, Time: m.Timestamp, Count: prev.Count + 1}
		if seen && prev.Time.After(e.Time) {
			prev.Count = e.Count
			e = prev
		}
		c.found[k] = e
	}
}

// FindCopies reads each topic from since (CopyScanSlack earlier; zero: from
// the oldest record) to its end for copies of source's dead letters. A
// topic holding more than limit records from there is not read: the error
// is a *sources.ScanTooLargeError.
func FindCopies(ctx context.Context, f CopyFinder, source string, topics []string, since time.Time, limit int64) (*Copies, error) {
	c := &Copies{Source: source, found: map[string]EarlierCopy{}}
	if !since.IsZero() {
		since = since.Add(-CopyScanSlack)
	}
	for _, t := range topics {
		res, err := f.ScanHeaders(ctx, t, sources.HeaderScanOptions{Since: since, Limit: limit}, c.add)
		if errors.Is(err, sources.ErrUnknownStream) {
			continue // no copy in a topic that does not (or cannot) exist (CheckTargets refuses it)
		}
		if err != nil {
			return nil, fmt.Errorf("look for earlier copies of %s in %s: %w", source, t, err)
		}
		c.Scans = append(c.Scans, CopyScan{Topic: t, Since: since, Records: res.Records, ends: res.Ends})
	}
	return c, nil
}

// clone is a copy the run can go on with (nil stays nil).
func (c *Copies) clone() *Copies {
	if c == nil {
		return nil
	}
	out := &Copies{Source: c.Source, Scans: slices.Clone(c.Scans), found: maps.Clone(c.found)}
	for i := range out.Scans {
		out.Scans[i].ends = maps.Clone(c.Scans[i].ends)
	}
	return out
}

// catchUp reads what the targets received since the scans ended: the
// copies a run that went on meanwhile wrote.
func (c *Copies) catchUp(ctx context.Context, f CopyFinder) error {
	for i := range c.Scans {
		s := &c.Scans[i]
		res, err := f.ScanHeaders(ctx, s.Topic, sources.HeaderScanOptions{Since: s.Since, From: s.ends}, c.add)
		if err != nil {
			return fmt.Errorf("look for copies of %s written in %s meanwhile: %w", c.Source, s.Topic, err)
		}
		s.Records += res.Records
		s.ends = res.Ends
	}
	return nil
}

// String says what was read: "looked for earlier copies in orders from 10:02 (12,345 records)".
func (s CopyScan) String() string {
	from := "its oldest record"
	if !s.Since.IsZero() {
		from = s.Since.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return fmt.Sprintf("looked for earlier copies in %s from %s (%s records)", s.Topic, from, thousands(s.Records))
}

// thousands renders n with thousands separators: 12,345.
func thousands(n int64) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// CheckCopies looks in the plan's Kafka targets for the copies earlier
// redrives wrote of its dead letters (FindCopies) and leaves those out
// (UseCopies). With Options.Again, a scan over its limit is not made: the
// plan redrives every dead letter and says it did not look.
func (p *Plan) CheckCopies(ctx context.Context, f CopyFinder) error {
	c, err := p.FindCopies(ctx, f)
	var tooLarge *sources.ScanTooLargeError
	switch {
	case errors.As(err, &tooLarge) && p.opts.Again:
		p.copyScanSkipped = tooLarge
		return nil
	case err != nil:
		return err
	}
	p.UseCopies(c)
	return nil
}

// FindCopies reads the plan's Kafka targets for the copies earlier
// redrives wrote of its dead letters: by any run, from any machine or
// state directory, since the copies on the broker are the record. Each
// target is read from the oldest planned dead letter's time to its end,
// at most Options.CopyScanLimit records (more is refused, with a
// *sources.ScanTooLargeError). It does not change the plan, and returns nil
// when the plan writes to no topic.
func (p *Plan) FindCopies(ctx context.Context, f CopyFinder) (*Copies, error) {
	topics, since := copyTargets(p.Items, p.opts.ParkTo)
	if len(topics) == 0 {
		return nil, nil
	}
	c, err := FindCopies(ctx, f, p.Source, topics, since, cmp.Or(p.opts.CopyScanLimit, DefaultCopyScanLimit))
	var tooLarge *sources.ScanTooLargeError
	if errors.As(err, &tooLarge) {
		return nil, fmt.Errorf("%w: redrive fewer or newer dead letters (the scan starts at the oldest one), or pass --again to redrive them whether they were redriven before or not", err)
	}
	return c, err
}

// UseCopies takes what FindCopies found: without Options.Again the dead
// letters copied already leave the plan (into AlreadyRedriven); with it
// they stay, marked Earlier. nil changes nothing.
func (p *Plan) UseCopies(c *Copies) {
	if c == nil {
		return
	}
	p.Copies = c
	p.leaveOutCopies()
}

// leaveOutCopies moves the planned dead letters that have a copy to
// AlreadyRedriven, or marks them Earlier when the plan redrives them again.
func (p *Plan) leaveOutCopies() {
	kept := p.Items[:0]
	for _, it := range p.Items {
		if e, ok := p.Copies.Of(&it.Msg); ok && writesTopic(it, p.opts.ParkTo) {
			if !p.opts.Again {
				p.AlreadyRedriven = append(p.AlreadyRedriven, LeftOut{Msg: it.Msg, Copy: e})
				continue
			}
			it.Earlier = &e
		}
		kept = append(kept, it)
	}
	clear(p.Items[len(kept):])
	p.Items = kept
}

// writesTopic reports the item is written to a Kafka topic.
func writesTopic(it Item, parkTo string) bool {
	return !it.Target.Exchange && it.Target.Stream != "" && (it.Action == Redrive || it.Action == Park && parkTo != "")
}

// copyTargets are the topics items are written to, sorted, and the oldest
// item's timestamp (zero when one has none: the scan starts at the oldest
// record).
func copyTargets(items []Item, parkTo string) ([]string, time.Time) {
	seen := map[string]bool{}
	var topics []string
	var since time.Time
	unknown := false
	for _, it := range items {
		if !writesTopic(it, parkTo) {
			continue
		}
		if !seen[it.Target.Stream] {
			seen[it.Target.Stream] = true
			topics = append(topics, it.Target.Stream)
		}
		switch ts := it.Msg.Timestamp; {
		case ts.IsZero():
			unknown = true
		case since.IsZero() || ts.Before(since):
			since = ts
		}
	}
	if unknown {
		since = time.Time{}
	}
	slices.Sort(topics)
	return topics, since
}

// writeCopies prints what CheckCopies found: the scans, the dead letters
// left out, those redriven again.
func (p *Plan) writeCopies(b *strings.Builder, s Summary) {
	if p.copyScanSkipped != nil {
		fmt.Fprintf(b, "not looked for earlier copies (%s): every dead letter is redriven (--again)\n", safetext.String(p.copyScanSkipped.Error()))
	}
	if p.Copies == nil {
		return
	}
	for _, sc := range p.Copies.Scans {
		fmt.Fprintf(b, "%s\n", safetext.String(sc.String()))
	}
	if s.AlreadyRedriven > 0 {
		fmt.Fprintf(b, "  %6d already redriven (left out; --again to redrive them again)\n", s.AlreadyRedriven)
		for i, l := range p.AlreadyRedriven {
			if i == 10 {
				fmt.Fprintf(b, "         … %d more\n", len(p.AlreadyRedriven)-10)
				break
			}
			fmt.Fprintf(b, "         %s@%s: %s\n", safetext.String(l.Msg.Stream), Position(l.Msg), safetext.String(l.Copy.String()))
		}
	}
	if s.Again > 0 {
		fmt.Fprintf(b, "  %6d already redriven, redriven again (--again)\n", s.Again)
	}
}
