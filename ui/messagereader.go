package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// DefaultStart is where the message list starts reading: the last 500
// messages of each partition, then live.
var DefaultStart = sources.Start{Kind: sources.StartLastN, N: 500}

// defaultQueuePeek is how many messages a queue's list peeks at first.
const defaultQueuePeek = 100

// startFor is where a stream is read from by default.
func startFor(st sources.StreamInfo) sources.Start {
	switch {
	case st.Queue:
		return sources.Start{Kind: sources.StartLastN, N: defaultQueuePeek}
	case st.Tap:
		return sources.Start{Kind: sources.StartNewest}
	}
	return DefaultStart
}

// peekRisk says what a peek of a queue may do beyond flagging messages
// redelivered, as the connector knows it (sources.PeekCost: a quorum
// queue's delivery limit, an SQS queue's maxReceiveCount), one clause a
// line; "" when a read costs nothing a limit watches.
func peekRisk(st sources.StreamInfo) string {
	if st.PeekCost == nil {
		return ""
	}
	return strings.NewReplacer(": ", ":\n", "; ", ";\n").Replace(st.PeekCost.String()) + "."
}

// streamReader is the message list's read of its stream: the
// subscription and its generation (answers of an earlier read are
// dropped), where it starts and stops, the read filter, whether it ended
// or broke (and the backoff before it is opened again), and the rates of
// what arrives.
type streamReader struct {
	conn   sources.Conn
	stream sources.StreamInfo
	start  sources.Start
	end    *sources.Start // where the read stops (nil: it follows, or ends at the end there is now when bounded)

	ctx    context.Context
	cancel context.CancelFunc
	sub    sources.Subscription
	subID  int
	opened bool
	ended  bool
	err    error

	readFilter string          // the expression the read goes through ("" none)
	scan       *filter.Scanner // the current read's filter, when readFilter is set
	budgetHit  bool            // the read filter stopped at its scan budget

	bounded    bool          // read up to the end the stream has now, not on (a triage group)
	resumeWait time.Duration // the backoff before a live read that broke is opened again

	rate   rateMeter
	bytes  rateMeter
	trend  history   // messages per second, second by second, for the sparkline
	second time.Time // the second trend's last sample counts
	since  time.Time // when the read started: older messages are backlog
}

// newStreamReader is the read of stream from where it is read by default.
func newStreamReader(conn sources.Conn, stream sources.StreamInfo) streamReader {
	r := streamReader{conn: conn, stream: stream, start: startFor(stream)}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// renew forgets the last read's state and rates for a read that starts
// now; the subscription is closed by the Cmd it returns (nil: none was open).
func (r *streamReader) renew(now time.Time) tea.Cmd {
	var closing tea.Cmd
	if r.sub != nil {
		closing = closeRead(r.sub)
		r.sub = nil
	}
	r.opened, r.ended, r.err = false, false, nil
	r.scan, r.budgetHit = nil, false
	r.rate, r.bytes, r.since = rateMeter{}, rateMeter{}, now
	r.trend, r.second = history{n: 20}, time.Time{}
	r.subID++ // answers of an earlier read are dropped from now on
	return closing
}

// counted adds what arrived in a delivery to the rates: new messages, not
// the backlog read at the start.
func (r *streamReader) counted(now time.Time, msgs []sources.Message) {
	live, liveBytes := 0, 0
	for i := range msgs {
		if !msgs[i].Timestamp.Before(r.since.Add(-2 * time.Second)) {
			live++
			liveBytes += len(msgs[i].Value) + len(msgs[i].Key)
		}
	}
	r.rate.add(now, live)
	r.bytes.add(now, liveBytes)
	r.countSecond(now, live)
}

// stop cancels the read and closes its subscription (in the background:
// never block the UI on a broker).
func (r *streamReader) stop() {
	r.cancel()
	if r.sub != nil {
		s := r.sub
		go func() { _ = s.Close() }()
	}
}

// resumeDue says it is time to open a broken live read again.
type resumeDue struct{ page, sub int }

func (m resumeDue) pageID() int { return m.page }

const (
	// resumeFirst and resumeMax bound the backoff between attempts to
	// reopen a live read the broker broke (a dropped connection).
	resumeFirst = time.Second
	resumeMax   = 30 * time.Second
)

// read starts reading, first asking when a peek has a side effect worse
// than a redelivered flag.
func (p *messagesPage) read() tea.Cmd {
	if risk := peekRisk(p.stream); risk != "" {
		p.openOverlay(peekQuestion{risk + "\n\nenter: peek anyway   esc: go back"})
		return nil
	}
	return p.restart()
}

// restart drops what was read and reads again from p.start.
func (p *messagesPage) restart() tea.Cmd {
	cmds := []tea.Cmd{p.renew(p.c.Now())}
	p.buf.Reset()
	p.view.reset()
	p.view.sortBy(tableSort{}, nil) // in the read's order until it ends
	p.marks = markSet{}
	p.cur = cursor{}
	p.follow, p.unseen, p.seek = true, 0, nil
	p.srch = nil // the rows it was looking at are gone
	p.copies = copyLookup{}
	p.typed, p.waiting = false, nil
	reader, ok := p.conn.(sources.Reader)
	if !ok {
		p.err = fmt.Errorf("%s cannot read %s", p.conn.Name(), p.stream.Name)
		return tea.Batch(cmds...)
	}
	opts := sources.ReadOptions{Start: p.start, End: p.end, Follow: !p.bounded && p.end == nil}
	if opts.Follow { // a read that follows starts in arrival order; another sorts again at its end
		p.sort = tableSort{}
	}
	var flt *filter.Filter
	if p.readFilter != "" {
		var err error // compiled per read: a Filter is for one goroutine, and an old read may still run
		if flt, err = filter.Compile(p.readFilter); err != nil {
			p.err = err
			return tea.Batch(cmds...)
		}
	}
	return tea.Batch(append(cmds, openRead(p.ctx, reader, p.stream.Name, opts, flt, p.c.decoder(p.conn.Name()), p.c.scanBudget(), p.pid, p.subID))...)
}

func (p *messagesPage) received(msg batchReceived) tea.Cmd {
	if len(msg.msgs) > 0 {
		p.err, p.resumeWait = nil, 0 // the read goes on: an earlier error has passed
		// Keep time order within a delivery; partitions arrive interleaved.
		sortDelivery(msg.msgs, msg.notes)
		for i := range msg.msgs {
			if msg.msgs[i].DeadLetter != nil { // a redriven copy has none: it is not a dead letter
				p.dlq = true
				break
			}
		}
		if p.stream.Positions != nil {
			for i := range msg.msgs {
				if m := &msg.msgs[i]; m.IDPosition {
					p.posWidth = max(p.posWidth, len(m.ID)) // an entry id is digits and a dash
				}
			}
		}
		sorted := p.view.order != nil // rows gone from the front are anywhere in a sorted list
		var keep rowKey
		held := false
		if sorted {
			keep, held = p.selectedKey()
		}
		evicted := p.view.appended(len(msg.msgs), p.buf.AppendNoted(msg.msgs, msg.notes))
		p.streamReader.counted(p.c.Now(), msg.msgs)
		switch {
		case p.follow:
			p.cur.sel = p.view.Len() - 1
		case sorted:
			p.unseen += len(msg.msgs)
			if i := p.indexOf(keep); held && i >= 0 {
				p.cur.sel = i
			}
		default:
			p.unseen += len(msg.msgs)
			p.cur.sel -= evicted
			p.cur.top -= evicted
		}
		p.landSeek(evicted)
		if p.srch != nil { // the rows it looks at moved up
			p.srch.from -= evicted
		}
		p.cur.clamp(p.view.Len(), p.rowsHeight())
	}
	switch {
	case msg.err == nil:
	case errors.Is(msg.err, sources.ErrEndOfStream):
		if p.err != nil && !p.bounded && p.stream.Live {
			return p.scheduleResume() // a live read the broker broke: open it again, keep what was read
		}
		p.ended = true
		if p.sort.by != "" {
			p.applySort()
		}
		if p.redriveOnEnd {
			p.redriveOnEnd = false
			return p.openRedrive()
		}
		return nil
	case errors.Is(msg.err, filter.ErrScanBudget):
		p.budgetHit = true
		return nil
	case errors.Is(msg.err, context.Canceled):
		return nil
	case errors.Is(msg.err, sources.ErrNotice): // said, and the read goes on
		return tea.Batch(setError(msg.err), p.next())
	default:
		p.err = msg.err
		return tea.Batch(setError(msg.err), p.next())
	}
	return p.next()
}

// sortDelivery puts a delivery's messages (and their notes, when there
// are) in time order, stably.
func sortDelivery(msgs []sources.Message, notes [][]byte) {
	if notes == nil {
		sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].Timestamp.Before(msgs[j].Timestamp) })
		return
	}
	order := make([]int, len(msgs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return msgs[order[i]].Timestamp.Before(msgs[order[j]].Timestamp) })
	ms, ns := slices.Clone(msgs), slices.Clone(notes)
	for i, o := range order {
		msgs[i], notes[i] = ms[o], ns[o]
	}
}

// scheduleResume waits, longer each time, before reopening the live read.
func (p *messagesPage) scheduleResume() tea.Cmd {
	p.resumeWait = min(max(p.resumeWait*2, resumeFirst), resumeMax)
	page, sub := p.pid, p.subID
	return tea.Batch(tea.Tick(p.resumeWait, func(time.Time) tea.Msg { return resumeDue{page: page, sub: sub} }),
		p.c.logWarn("live read broke: reopening", "connection", p.conn.Name(), "stream", p.stream.Name, "in", p.resumeWait.String(), "err", p.err))
}

// resume opens the live read again after the last message held (per
// partition; a tap from now on), keeping what was read.
func (p *messagesPage) resume() tea.Cmd {
	reader, ok := p.conn.(sources.Reader)
	if !ok {
		return nil
	}
	start := p.start
	if n := p.buf.Len(); n > 0 && p.stream.HasPositions {
		next := map[int32]int64{}
		var m sources.Message
		for i := n - 1; i >= 0 && len(next) < max(len(p.stream.Partitions), 1); i-- {
			p.buf.Load(i, &m)
			if _, seen := next[m.Partition]; !seen {
				next[m.Partition] = m.Offset + 1
			}
		}
		if len(next) == 1 && p.stream.Partitions == nil {
			for _, o := range next {
				start = sources.Start{Kind: sources.StartOffset, Offset: o}
			}
		} else {
			for _, part := range p.stream.Partitions {
				if _, seen := next[part.ID]; !seen {
					next[part.ID] = math.MaxInt64 // nothing held: from its end (the read clamps it)
				}
			}
			start = sources.Start{Kind: sources.StartOffset, Offsets: next, Offset: -1}
		}
	}
	var cmds []tea.Cmd
	if p.sub != nil {
		cmds = append(cmds, closeRead(p.sub))
		p.sub = nil
	}
	p.subID++
	p.opened, p.ended = false, false
	var flt *filter.Filter
	if p.readFilter != "" {
		flt, _ = filter.Compile(p.readFilter) // it compiled when it was set
	}
	opts := sources.ReadOptions{Start: start, Follow: true}
	return tea.Batch(append(cmds, openRead(p.ctx, reader, p.stream.Name, opts, flt, p.c.decoder(p.conn.Name()), p.c.scanBudget(), p.pid, p.subID))...)
}

// countSecond adds n messages to the current second of the trend, closing
// the seconds that passed without messages.
func (r *streamReader) countSecond(now time.Time, n int) {
	sec := now.Truncate(time.Second)
	if r.second.IsZero() || len(r.trend.values) == 0 {
		r.second = sec
		r.trend.add(0)
	}
	for r.second.Before(sec) && len(r.trend.values) > 0 {
		r.second = r.second.Add(time.Second)
		r.trend.add(0)
		if sec.Sub(r.second) > time.Duration(r.trend.n)*time.Second {
			r.second = sec
		}
	}
	r.trend.values[len(r.trend.values)-1] += float64(n)
}

// next waits for the read's next delivery.
func (p *messagesPage) next() tea.Cmd {
	if p.sub == nil {
		return nil
	}
	return waitBatch(p.ctx, p.sub, p.c.decoder(p.conn.Name()), p.pid, p.subID)
}
