package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/msgbuf"
	"github.com/mqscope/mqscope/ui/render"
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

// messagesPage lists a stream's messages and tails it live.
type messagesPage struct {
	pageBase
	conn   sources.Conn
	stream sources.StreamInfo
	start  sources.Start
	end    *sources.Start // where the read stops (nil: it follows, or ends at the end there is now when bounded)
	buf    *msgbuf.Buffer
	view   msgView
	cur    cursor
	follow bool
	unseen int // messages that arrived while not following

	ctx    context.Context
	cancel context.CancelFunc
	sub    sources.Subscription
	subID  int
	opened bool
	ended  bool
	err    error
	rate   rateMeter
	bytes  rateMeter
	trend  history   // messages per second, second by second, for the sparkline
	second time.Time // the second trend's last sample counts
	since  time.Time // when the read started: older messages are backlog
	dlq    bool

	picker  *startPicker
	confirm string          // a question to answer before reading (enter: yes, esc: no)
	marks   map[string]bool // marked messages by replay.Position (unique within one read)
	redrive *redriveDialog
	publish *publishDialog // the confirmation of a publish (P)

	input     textinput.Model
	prompt    string // "", or the prompt being typed: "filter", "search", "jump"
	promptErr string
	search    string          // the last search, for n and N
	srch      *searchRun      // the search running, a step at a time (nil: none)
	searchID  int             // the last search run started
	searchMsg sources.Message // what a search step loads each row into
	hl        highlightNeedle // the last search prepared for highlighting rows

	readFilter string          // the expression the read goes through ("" none)
	scan       *filter.Scanner // the current read's filter, when readFilter is set
	budgetHit  bool            // the read filter stopped at its scan budget

	bounded      bool          // read up to the end the stream has now, not on (a triage group)
	redriveOnEnd bool          // open the redrive dialog once a bounded read ends
	resumeWait   time.Duration // the backoff before a live read that broke is opened again
	copies       copyLookup    // a Kafka DLT: the copies earlier redrives wrote of its dead letters
	typed        bool          // a message held has a schema: the VER column is shown
	waiting      map[int]bool  // the registry schema ids the rows wait for
	clicks       clickTracker
	sort         tableSort // the list's sort, applied once the read has ended

	side    hscroller // how far the last column (the value, or the error) is scrolled sideways
	copying *copyMenu // the copy menu, when open
	tab     promptTab // what Tab completes in an expression prompt
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

func newMessagesPage(c *Common, conn sources.Conn, stream sources.StreamInfo) *messagesPage {
	p := &messagesPage{
		pageBase: pageBase{c: c},
		conn:     conn,
		stream:   stream,
		start:    startFor(stream),
		buf:      msgbuf.New(c.BufferBudget),
		follow:   true,
		dlq:      stream.DeadLetter,
	}
	p.view.buf = p.buf
	p.view.decoded = p.decodedValue
	p.input = textinput.New()
	p.input.CharLimit = 1000
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

func (p *messagesPage) Init() tea.Cmd { return tea.Batch(p.read(), p.count()) }

// streamCounted carries the stream's counts as the connection lists them now.
type streamCounted struct {
	page  int
	st    sources.StreamInfo
	found bool
}

func (m streamCounted) pageID() int { return m.page }

// countDue asks for the stream's counts again.
type countDue struct{ page int }

func (m countDue) pageID() int { return m.page }

// count asks for this stream's counts in a Cmd (nil when the connection
// cannot list): a Counter counts only this stream.
func (p *messagesPage) count() tea.Cmd {
	l, ok := p.conn.(sources.Lister)
	if !ok {
		return nil
	}
	ctx, page, name := p.ctx, p.pid, p.stream.Name
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		st, found, err := sources.CountOne(ctx, l, name)
		if err != nil {
			return streamCounted{page: page} // the counts stay as they were; the read says what is wrong
		}
		return streamCounted{page: page, st: st, found: found}
	}
}

// counted takes the counts of a listing (the partitions read stay those
// the page was opened with) and asks again after a while.
func (p *messagesPage) counted(msg streamCounted) tea.Cmd {
	if msg.found {
		p.stream.Messages, p.stream.High = msg.st.Messages, msg.st.High
		p.stream.Partitions = slices.Clone(p.stream.Partitions) // the list the page came from keeps its own
		for i, part := range p.stream.Partitions {
			for _, now := range msg.st.Partitions {
				if now.ID == part.ID {
					p.stream.Partitions[i].Low, p.stream.Partitions[i].High = now.Low, now.High
				}
			}
		}
	}
	page := p.pid
	return tea.Tick(refreshEvery, func(time.Time) tea.Msg { return countDue{page} })
}

// read starts reading, first asking when a peek has a side effect worse
// than a redelivered flag.
func (p *messagesPage) read() tea.Cmd {
	if risk := peekRisk(p.stream); risk != "" {
		p.confirm = risk + "\n\nenter: peek anyway   esc: go back"
		return nil
	}
	return p.restart()
}

// restart drops what was read and reads again from p.start.
func (p *messagesPage) restart() tea.Cmd {
	var cmds []tea.Cmd
	if p.sub != nil {
		cmds = append(cmds, closeRead(p.sub))
		p.sub = nil
	}
	p.buf.Reset()
	p.view.reset()
	p.view.sortBy(tableSort{}, nil) // in the read's order until it ends
	p.marks = map[string]bool{}
	p.cur = cursor{}
	p.follow, p.unseen, p.opened, p.ended, p.err = true, 0, false, false, nil
	p.scan, p.budgetHit = nil, false
	p.srch = nil // the rows it was looking at are gone
	p.copies = copyLookup{}
	p.typed, p.waiting = false, nil
	p.rate, p.bytes, p.since = rateMeter{}, rateMeter{}, p.c.Now()
	p.trend, p.second = history{n: 20}, time.Time{}
	p.subID++ // answers of an earlier read are dropped from now on
	reader, ok := p.conn.(sources.Reader)
	if !ok {
		p.err = fmt.Errorf("%s cannot read %s", p.conn.Name(), p.stream.Name)
		return tea.Batch(cmds...)
	}
	opts := sources.ReadOptions{Start: p.start, End: p.end, Follow: !p.bounded && p.end == nil}
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

func (p *messagesPage) rowsHeight() int { return max(p.c.Height-3-2, 1) }

func (p *messagesPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case subscriptionOpened:
		if msg.sub != p.subID {
			if msg.s != nil {
				return closeRead(msg.s)
			}
			return nil
		}
		if msg.err != nil {
			p.err = msg.err
			retry := tea.Cmd(nil)
			if p.resumeWait > 0 { // reopening a broken live read: try again later
				retry = p.scheduleResume()
			}
			if msg.s != nil {
				return tea.Batch(setError(msg.err), closeRead(msg.s), retry)
			}
			return tea.Batch(setError(msg.err), retry)
		}
		p.sub, p.scan, p.opened = msg.s, msg.scan, true
		if p.resumeWait > 0 { // reopened after a break: live again
			p.err, p.resumeWait = nil, 0
			return tea.Batch(p.next(), p.c.logInfo("live read reopened", "connection", p.conn.Name(), "stream", p.stream.Name))
		}
		return tea.Batch(clearStatus(), p.next()) // what was said before this read is over
	case batchReceived:
		if msg.sub != p.subID {
			return nil
		}
		return tea.Batch(p.received(msg), p.scheduleCopyLookup(), p.schemasFor(msg.msgs))
	case schemasFetched: // the rows waiting for them are drawn again
		again := p.schemasArrived(msg)
		if p.view.flt != nil { // and the filter sees their decoded values
			p.view.setFilter(p.view.flt)
			p.cur.clamp(p.view.Len(), p.rowsHeight())
			return tea.Batch(again, p.scanMore())
		}
		return again
	case copyLookupDue:
		return p.lookUpCopies(msg)
	case copiesFound:
		return p.copiesArrived(msg)
	case redriveProgressed:
		if p.redrive != nil {
			return p.redrive.progressed(msg)
		}
	case redriveTripped:
		if p.redrive != nil {
			return p.redrive.paused(msg.reason)
		}
	case redriveTargetsChecked:
		if p.redrive != nil {
			p.redrive.targetsChecked(msg)
		}
	case redriveFinished:
		if p.redrive != nil {
			p.redrive.finished(msg.res, msg.err)
		}
	case editFileWritten, editorClosed, editRead:
		return p.edited(msg)
	case publishAsked, publishFileWritten, publishEditorClosed, publishRead, publishDone:
		return p.publishStep(msg)
	case diffReady:
		if msg.err != nil {
			return setError(msg.err)
		}
		return tea.Batch(clearStatus(), push(newDiffPage(p.c, msg.a, msg.b, msg.da, msg.db))) // the search for the other copy is over
	case streamCounted:
		return p.counted(msg)
	case countDue:
		return p.count()
	case resumeDue:
		if msg.sub == p.subID {
			return p.resume()
		}
	case searchStepped:
		return p.searchStepDue(msg)
	case filterScanned:
		p.view.stepFor(stepTime)
		if p.follow {
			p.cur.sel = p.view.Len() - 1
		}
		p.cur.clamp(p.view.Len(), p.rowsHeight())
		return p.scanMore()
	case startCancelled:
		p.picker = nil
	case startChosen:
		p.picker = nil
		p.start, p.end = msg.start, msg.end
		return p.restart()
	case tea.WindowSizeMsg:
		p.cur.clamp(p.view.Len(), p.rowsHeight())
	case tea.KeyMsg:
		return p.key(msg)
	case tea.MouseMsg:
		return p.mouse(msg)
	}
	return nil
}

// mouse scrolls the list, selects the row clicked and opens it on a
// double click; the list follows new messages again once the last row
// is selected.
func (p *messagesPage) mouse(msg tea.MouseMsg) tea.Cmd {
	if p.Capturing() {
		return nil
	}
	n := p.view.Len()
	srt := p.sort
	t := tableMouse{cur: &p.cur, clicks: &p.clicks, cols: p.columns(p.c.Width), n: n, height: p.rowsHeight(), now: p.c.Now()}
	if p.sortable() {
		t.sort = &srt
	}
	res := t.handle(msg)
	switch res {
	case mouseNothing:
		return nil
	case mouseSorted:
		p.sort = srt
		p.applySort()
		return nil
	}
	p.follow = n == 0 || p.cur.sel == n-1 && msg.Button != tea.MouseButtonWheelUp
	if p.follow {
		p.unseen = 0
	}
	if res == mouseOpen {
		return p.open()
	}
	return nil
}

// open shows the selected message in full.
func (p *messagesPage) open() tea.Cmd {
	if p.view.Len() == 0 {
		return nil
	}
	d := newDetailPage(p.c, *p.view.At(p.cur.sel), p.stepTo, p.fetcher())
	d.listed, d.conn = true, p.conn
	d.held = func() []byte { return p.view.Note(p.cur.sel) } // asked now, and after each step
	d.note = d.held()
	d.setEarlier(p.earlierCopy)
	if _, ok := p.conn.(sources.Publisher); ok {
		d.publish = p.publishFromDetail
	}
	return push(d)
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
		evicted := p.view.appended(len(msg.msgs), p.buf.AppendNoted(msg.msgs, msg.notes))
		live, liveBytes := 0, 0 // the rates count new messages, not the backlog read at start
		for i := range msg.msgs {
			if !msg.msgs[i].Timestamp.Before(p.since.Add(-2 * time.Second)) {
				live++
				liveBytes += len(msg.msgs[i].Value) + len(msg.msgs[i].Key)
			}
		}
		now := p.c.Now()
		p.rate.add(now, live)
		p.bytes.add(now, liveBytes)
		p.countSecond(now, live)
		if p.follow {
			p.cur.sel = p.view.Len() - 1
		} else {
			p.unseen += len(msg.msgs)
			p.cur.sel -= evicted
			p.cur.top -= evicted
		}
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
func (p *messagesPage) countSecond(now time.Time, n int) {
	sec := now.Truncate(time.Second)
	if p.second.IsZero() || len(p.trend.values) == 0 {
		p.second = sec
		p.trend.add(0)
	}
	for p.second.Before(sec) && len(p.trend.values) > 0 {
		p.second = p.second.Add(time.Second)
		p.trend.add(0)
		if sec.Sub(p.second) > time.Duration(p.trend.n)*time.Second {
			p.second = sec
		}
	}
	p.trend.values[len(p.trend.values)-1] += float64(n)
}

// next waits for the read's next delivery.
func (p *messagesPage) next() tea.Cmd {
	if p.sub == nil {
		return nil
	}
	return waitBatch(p.ctx, p.sub, p.c.decoder(p.conn.Name()), p.pid, p.subID)
}

func (p *messagesPage) key(msg tea.KeyMsg) tea.Cmd {
	if p.confirm != "" {
		switch {
		case msg.Type == tea.KeyEnter:
			p.confirm = ""
			return p.restart()
		case msg.Type == tea.KeyEsc, msg.String() == "q", msg.String() == "n":
			return pop()
		}
		return nil
	}
	if p.picker != nil {
		return p.picker.update(msg)
	}
	if p.copying != nil {
		cmd, done := p.copying.update(msg)
		if done {
			p.copying = nil
		}
		return cmd
	}
	if p.prompt != "" {
		return p.typePrompt(msg)
	}
	if p.srch != nil && msg.Type == tea.KeyEsc {
		return p.cancelSearch()
	}
	if p.publish != nil {
		cmd, closed := p.publish.update(msg)
		if closed {
			p.publish = nil
		}
		return cmd
	}
	if p.redrive != nil {
		cmd, closed := p.redrive.update(msg)
		if closed {
			ran := p.redrive.state == redriveDone
			p.redrive.close()
			p.redrive = nil
			if ran { // the DLQ changed: read it again
				return p.read()
			}
		}
		return cmd
	}
	return p.actions().run(msg)
}

// openRedrive plans a redrive of the marked messages, or of every message
// read (a RabbitMQ queue: of every message it holds).
func (p *messagesPage) openRedrive() tea.Cmd {
	var msgs []sources.Message
	for i := 0; i < p.view.Len(); i++ { // the filter's result when one is set
		m := p.view.At(i)
		if len(p.marks) == 0 || p.marks[replay.Position(*m)] {
			msgs = append(msgs, *m)
		}
	}
	if len(msgs) == 0 {
		return setStatus("nothing to redrive: no message read")
	}
	whole := p.stream.Queue && len(p.marks) == 0 && p.view.flt == nil && p.readFilter == ""
	p.redrive = newRedriveDialog(p.c, p.conn, p.pid, p.stream.Name, msgs, whole)
	return p.redrive.replan()
}

// diff compares the two marked messages, or the selected one with its
// other copy (the dead letter it was redriven from, or its redriven copy).
func (p *messagesPage) diff() tea.Cmd {
	var marked []sources.Message
	for i := 0; i < p.view.Len() && len(p.marks) > 0; i++ {
		if m := p.view.At(i); p.marks[replay.Position(*m)] {
			marked = append(marked, *m)
		}
	}
	switch {
	case len(marked) == 2 && p.c.decoder(p.conn.Name()) != nil:
		return diffDecoded(p.ctx, p.c.decoder(p.conn.Name()), marked[0], marked[1], p.pid)
	case len(marked) == 2:
		return push(newDiffPage(p.c, marked[0], marked[1], nil, nil))
	case len(marked) > 2 || len(marked) == 1:
		return setStatus(fmt.Sprintf("%d marked: mark two messages to diff them", len(marked)))
	case p.view.Len() == 0:
		return nil
	}
	r, ok := p.conn.(sources.Reader)
	if !ok {
		return nil
	}
	return tea.Batch(setStatus("looking for the other copy…"), diffOf(p.ctx, r, p.c.decoder(p.conn.Name()), *p.view.At(p.cur.sel), p.pid))
}

// fetcher reads a message of this stream again by its position; nil for
// queues and taps, which have no positions to read from.
func (p *messagesPage) fetcher() fetcher {
	r, ok := p.conn.(sources.Reader)
	if !ok || !p.stream.HasPositions {
		return nil
	}
	return func(ctx context.Context, m sources.Message) (sources.Message, error) {
		return sources.FetchAt(ctx, r, m.Stream, m.Partition, m.Offset)
	}
}

// stepTo moves the selection by delta for the detail view's next/previous.
func (p *messagesPage) stepTo(delta int) (sources.Message, bool) {
	n := p.view.Len()
	next := p.cur.sel + delta
	if next < 0 || next >= n {
		return sources.Message{}, false
	}
	p.cur.sel = next
	p.follow = false
	p.cur.clamp(n, p.rowsHeight())
	return *p.view.At(next), true
}

// Capturing is true while the start picker, a question, the redrive
// dialog or a prompt is open, and while a search runs (esc stops it).
func (p *messagesPage) Capturing() bool {
	return p.picker != nil || p.confirm != "" || p.redrive != nil || p.publish != nil || p.prompt != "" || p.srch != nil || p.copying != nil
}

// byID says the rows are a queue's messages: without positions to tell
// them apart, they show the broker's message id (and, dead letters
// alike at first sight, a preview of the body) instead.
func (p *messagesPage) byID() bool { return p.stream.Queue }

// leading is how many columns come before the key: the partition, the
// offset and the time, or a queue's message id and the time.
func (p *messagesPage) leading() int {
	if p.byID() {
		return 2
	}
	return 3
}

func (p *messagesPage) columns(w int) []column {
	var cols []column
	switch {
	case p.byID() && p.dlq:
		cols = []column{
			{title: "ID", width: 14},
			{title: "TIME", width: 12},
			{title: "KEY", width: 12},
			{title: "ORIGIN", width: 14},
			{title: "ERROR", width: 12},
			{title: "VALUE", width: 10, flex: true},
		}
	case p.byID():
		cols = []column{
			{title: "ID", width: 14},
			{title: "TIME", width: 12},
			{title: "KEY", width: 14},
			{title: "VALUE", width: 10, flex: true},
		}
	case p.dlq:
		cols = []column{
			{title: "P", width: 2, right: true},
			p.positionColumn(),
			{title: "TIME", width: 12},
			{title: "KEY", width: 12},
			{title: "ORIGIN", width: 16},
			{title: "ERROR", width: 10, flex: true},
		}
	default:
		cols = []column{
			{title: "P", width: 2, right: true},
			p.positionColumn(),
			{title: "TIME", width: 12},
			{title: "KEY", width: 14},
			{title: "VALUE", width: 10, flex: true},
		}
	}
	if p.typed { // the schema version after the key
		at := p.leading() + 1
		cols = append(cols[:at], append([]column{{title: "VER", width: 4, unsorted: true}}, cols[at:]...)...)
	}
	for i := range cols {
		switch cols[i].title {
		case "P", "OFFSET", "TIME":
			cols[i].numeric = true
		}
	}
	return layout(p.view.srt.decorate(cols), w)
}

// reasonAt is the index of a dead letter's ERROR column (-1: none).
func reasonAt(cols []column) int {
	for i, c := range cols {
		if plainTitle(c.title) == "ERROR" {
			return i
		}
	}
	return -1
}

// positionColumn is the column of the messages' positions: their
// offsets, or, where the stream names positions in a syntax of its own
// (a Redis entry id), those names.
func (p *messagesPage) positionColumn() column {
	if p.stream.Positions != nil {
		return column{title: "ID", width: 16, right: true}
	}
	return column{title: "OFFSET", width: 7, right: true}
}

func (p *messagesPage) View(w, h int) string {
	s := p.c.Styles
	cols := p.columns(w)
	heads := titles(cols)
	if mark := p.side.marker(); mark != "" {
		heads[len(heads)-1] += " " + mark
	}
	out := []string{p.infoLine(), s.ColumnHeader.Render(row(cols, heads...))}
	if p.prompt != "" {
		out[0] = p.input.View()
		if p.promptErr != "" {
			out[0] += "  " + s.StatusError.Render(render.Sanitize(p.promptErr))
		}
		if len(p.tab.hint) > 0 {
			out[1] = completionHint(s, p.tab.hint, w) // over the column titles while Tab lists names
		}
	}
	n := p.view.Len()
	if n == 0 {
		switch {
		case p.err != nil:
			out = append(out, s.StatusError.Render("✖ "+render.Sanitize(p.err.Error())))
		case p.confirm != "":
		case !p.opened:
			out = append(out, s.Muted.Render("  opening "+render.Sanitize(p.stream.Name)+"…"))
		case p.scan != nil && p.budgetHit:
			out = append(out, s.Muted.Render(fmt.Sprintf("  no match in the first %s from %s (+: scan on)", plural(p.scan.Scanned(), "message"), p.stream.StartText(p.start))))
		case p.scan != nil:
			out = append(out, s.Muted.Render(fmt.Sprintf("  scanning %s for %s: no match yet in %s", render.Sanitize(p.stream.Name), render.Sanitize(p.readFilter), plural(p.scan.Scanned(), "message"))))
		case p.view.flt != nil && !p.view.scanning():
			out = append(out, s.Muted.Render(fmt.Sprintf("  0 matches in the %s held (f: change the filter; new messages are filtered as they come)", plural(p.buf.Len(), "message"))))
		case p.stream.Queue && p.ended:
			out = append(out, s.Muted.Render("  the queue is empty (r: peek again)"))
		case p.stream.Tap:
			out = append(out, s.Muted.Render("  tapping "+render.Sanitize(p.stream.Name)+": waiting for messages to be published"))
		case p.registryWait() != "":
			out = append(out, s.Muted.Render("  "+p.registryWait()))
		default:
			out = append(out, s.Muted.Render("  no messages yet from "+p.stream.StartText(p.start)+": waiting for new ones (s: start position)"))
		}
	}
	from, to := p.cur.window(n, h-2)
	now := p.c.Now().In(p.c.Location)
	for i := from; i < to; i++ {
		m := p.view.At(i)
		cells := p.cells(m, p.view.Note(i), cols, now, cols[len(cols)-1].width+p.side.left)
		cells[len(cells)-1] = p.side.shift(cells[len(cells)-1])
		if len(p.marks) > 0 && p.marks[replay.Position(*m)] {
			cells[0] = "●" + cells[0]
		}
		line := row(cols, cells...)
		lead := p.leading()
		keyAt := len(row(cols[:lead], cells[:lead]...)) + 1 // the match is marked in the key and what follows
		switch r := reasonAt(cols); {
		case i == p.cur.sel:
			line = p.highlight(line, keyAt, s.Selected.Render)
		case p.dlq && m.DeadLetter != nil && r >= 0:
			line = row(cols[:r], cells[:r]...) + " " + s.DLQBadge.Render(cell(cells[r], cols[r].width, false))
			if r+1 < len(cols) {
				line += " " + row(cols[r+1:], cells[r+1:]...)
			}
		default:
			line = p.highlight(line, keyAt, nil)
		}
		out = append(out, line)
	}
	if p.picker != nil {
		return overlay(joinLines(out), p.picker.view(), w, h)
	}
	if p.copying != nil {
		return overlay(joinLines(out), p.copying.view(), w, h)
	}
	if p.prompt != "" && p.tab.help > 0 {
		box, _ := fieldsHelp(s, w, h, p.tab.help)
		return overlay(joinLines(out), box, w, h)
	}
	if p.redrive != nil {
		return overlay(joinLines(out), p.redrive.view(w, h), w, h)
	}
	if p.publish != nil {
		return overlay(joinLines(out), p.publish.view(w, h), w, h)
	}
	if p.confirm != "" {
		return overlay(joinLines(out), s.Overlay.Render(s.Warn.Render("⚠ Peek changes this queue")+"\n\n"+p.confirm), w, h)
	}
	return joinLines(out)
}

// cells are the row of m; note is what the buffer keeps with it (the
// decoded start of a value it cut); the last cell (the value, or the
// error) is rendered up to last cells wide.
func (p *messagesPage) cells(m *sources.Message, note []byte, cols []column, now time.Time, last int) []string {
	lead := p.leading()
	dec := p.c.decoder(p.conn.Name())
	key := "∅"
	if k := showPart(dec, schema.PartKey, m); k.typed {
		key = decodedPreview(k, m.Key, cols[lead].width)
	} else if m.Key != nil {
		key = render.Preview(m.Key, cols[lead].width)
	}
	var base []string
	if p.byID() {
		id := "—"
		if m.ID != "" {
			id = render.Sanitize(m.ID)
		}
		base = []string{id, shortTime(m.Timestamp.In(p.c.Location), now), key}
	} else {
		part := strconv.Itoa(int(m.Partition))
		if m.Partition == sources.NoPartition {
			part = "-"
		}
		base = []string{part, m.Position(), shortTime(m.Timestamp.In(p.c.Location), now), key}
	}
	value := render.Preview(m.Value, last)
	if v := showPart(dec, schema.PartValue, m); v.typed {
		value = decodedPreview(v, m.Value, last)
		if preview, failed := readNote(note); v.cut && preview != nil {
			value = render.Preview(preview, last)
		} else if v.cut && failed != "" {
			value = render.Preview([]byte("✖ "+failed), last)
		}
		if p.typed {
			base = append(base, versionCell(v))
		}
	} else if p.typed {
		base = append(base, "")
	}
	if !p.dlq {
		return append(base, value)
	}
	origin, reason := "", value
	if p.byID() { // the value has a column of its own
		reason = ""
	}
	if d := m.DeadLetter; d != nil {
		origin = d.OriginStream
		if d.OriginPartition != sources.NoPartition {
			origin += "[" + strconv.Itoa(int(d.OriginPartition)) + "]"
		}
		if at := d.OriginAt(); at != "" {
			origin += "@" + at
		}
		origin, reason = render.Sanitize(origin), render.Sanitize(d.Summary())
		if e, ok := p.earlierCopy(m); ok {
			reason = "↻ " + render.Sanitize(e.String()) + " · " + reason
		}
	}
	if p.byID() {
		return append(base, origin, reason, value)
	}
	return append(base, origin, reason)
}

// schemasFor notes whether msgs have schemas (the VER column) and fetches
// in a Cmd those the read's delivery did not (a delivery that came
// another way, a fetch that gave up waiting).
func (p *messagesPage) schemasFor(msgs []sources.Message) tea.Cmd {
	dec := p.c.decoder(p.conn.Name())
	if dec == nil || len(msgs) == 0 {
		return nil
	}
	for i := 0; i < len(msgs) && !p.typed; i++ {
		m := &msgs[i]
		p.typed = dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value).Origin != schema.OriginContent
	}
	missing := missingSchemas(dec, msgs, false)
	if len(missing) == 0 {
		return nil
	}
	if p.waiting == nil {
		p.waiting = map[int]bool{}
	}
	for _, c := range missing {
		p.waiting[c.ID] = true
	}
	return fetchClasses(p.ctx, dec, missing, p.pid, "", 0)
}

// schemasArrived takes the end of a fetch the rows waited for: the ids
// now held (fetched, or failed: their rows show the bytes and why) are
// waited for no more; a fetch that gave up while the registry's answer
// is still on its way is asked for again, a few times at most.
func (p *messagesPage) schemasArrived(msg schemasFetched) tea.Cmd {
	dec := p.c.decoder(p.conn.Name())
	if dec == nil || msg.pos != "" {
		return nil
	}
	var again []schema.Class
	for _, c := range msg.classes {
		if _, held := dec.Cached(c); held || msg.attempt+1 >= maxSchemaAttempts || p.ctx.Err() != nil {
			delete(p.waiting, c.ID)
			continue
		}
		again = append(again, c)
	}
	if len(again) == 0 {
		return nil
	}
	return fetchClasses(p.ctx, dec, again, p.pid, "", msg.attempt+1)
}

// registryWait is what the list waits for from the registry ("" nothing).
func (p *messagesPage) registryWait() string {
	if len(p.waiting) == 0 {
		return ""
	}
	ids := make([]int, 0, len(p.waiting))
	for id := range p.waiting {
		ids = append(ids, id)
	}
	return registryWait(p.c.decoder(p.conn.Name()), ids)
}

// decodedValue is m's value decoded with a schema already fetched, for the
// filter and the search to see, as a headless read decodes it: with its
// error, and the document the decoder produced along with it if any (nil:
// the value has no schema, its schema is not fetched yet, or the buffer
// holds only its start).
func (p *messagesPage) decodedValue(m *sources.Message) *schema.Decoded {
	v := showPart(p.c.decoder(p.conn.Name()), schema.PartValue, m)
	if !v.typed || !v.ready || v.cut {
		return nil
	}
	dec := v.dec // copied only when there is one: most values have none
	return &dec
}

// decodedJSON is the document of m's value decoded with a schema already
// fetched (nil: none), for a search, without allocating.
func (p *messagesPage) decodedJSON(m *sources.Message) []byte {
	if v := showPart(p.c.decoder(p.conn.Name()), schema.PartValue, m); v.hasDoc() {
		return v.dec.JSON
	}
	return nil
}

// shortTime shows the time of day for today, the date too otherwise.
func shortTime(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05.000")
	}
	return t.Format("01-02 15:04:05")
}

func (p *messagesPage) infoLine() string {
	s := p.c.Styles
	var mode, info string
	switch {
	case p.err != nil && (p.opened || p.resumeWait > 0):
		mode = s.StatusError.Render("⚠ RETRYING")
	case p.stream.Queue && p.ended:
		mode = s.Paused.Render("◉ PEEKED")
		info = fmt.Sprintf("  %d held, given back (now redelivered", p.buf.Len())
		if e := p.stream.PeekEffect; e != "" {
			info += ", " + e
		}
		info += ")  r: again"
	case p.stream.Queue:
		mode = s.Paused.Render("◉ PEEKING")
		info = fmt.Sprintf("  the first %d, held until read, then given back", p.start.N)
	case p.ended:
		mode = s.Muted.Render("■ END")
	case p.follow:
		mode = s.Live.Render("● LIVE")
	default:
		mode = s.Paused.Render("❚❚ PAUSED")
		if p.unseen > 0 {
			mode += s.Paused.Render(fmt.Sprintf(" +%s new", groupDigits(int64(p.unseen))))
		}
	}
	switch {
	case info != "":
	case p.stream.Tap:
		info = "  tap: a private auto-delete queue gets a copy; deliveries are untouched"
	case len(p.stream.Partitions) > 0:
		info = fmt.Sprintf("  from %s%s  %s  %s on broker", p.stream.StartText(p.start), p.untilInfo(), plural(len(p.stream.Partitions), "partition"), countOrPending(p.stream.Messages))
	default:
		info = fmt.Sprintf("  from %s%s  %s on broker", p.stream.StartText(p.start), p.untilInfo(), countOrPending(p.stream.Messages))
	}
	if p.readFilter != "" {
		info += "  only " + render.Sanitize(p.readFilter)
	}
	if p.dlq {
		info += "  " + s.DLQBadge.Render("dead letters")
		if p.stream.DeadLetterFor != "" {
			info += s.DLQBadge.Render(" of " + render.Sanitize(p.stream.DeadLetterFor))
		}
	}
	line := mode + s.Muted.Render(info)
	if wait := p.registryWait(); wait != "" {
		line += "  " + s.Warn.Render("⧗ "+wait)
	}
	return line
}

// untilInfo is " until END" when the read stops at an end ("" otherwise).
func (p *messagesPage) untilInfo() string {
	if p.end == nil {
		return ""
	}
	return " until " + p.stream.StartText(*p.end)
}

func (p *messagesPage) Crumb() string { return p.c.Styles.Crumb.Render(render.Sanitize(p.stream.Name)) }

func (p *messagesPage) Status() string {
	n := p.view.Len()
	pos := "0/0"
	if n > 0 {
		pos = fmt.Sprintf("%s/%s", groupDigits(int64(p.cur.sel+1)), groupDigits(int64(n)))
	}
	now := p.c.Now()
	st := pos
	if sc := p.scan; sc != nil { // what a filter could not evaluate comes first: it explains what is missing
		st += unevaluated(sc.Failed(), sc.Err())
	}
	st += unevaluated(p.view.failed, p.view.err)
	st += fmt.Sprintf("  %s  %s  %s/s %s", render.Size(int(p.buf.Bytes())), rate(p.rate.rate(now)),
		render.Size(int(p.bytes.rate(now))), render.Sparkline(p.trend.values, 20))
	if len(p.marks) > 0 {
		st += fmt.Sprintf("  %d marked", len(p.marks))
	}
	if sc := p.scan; sc != nil {
		st += fmt.Sprintf("  read filter: scanned %s, matched %s", groupDigits(sc.Scanned()), groupDigits(sc.Matched()))
		if p.budgetHit {
			st += fmt.Sprintf(" (budget reached: + scans %s more)", groupDigits(p.c.scanBudget()))
		}
	}
	if f := p.view.flt; f != nil {
		st += fmt.Sprintf("  filter: scanned %s, matched %s", groupDigits(p.view.scanned), groupDigits(int64(n)))
		if p.view.scanning() {
			st += fmt.Sprintf(" (%d%%)", p.view.next*100/max(p.buf.Len(), 1))
		}
	}
	st += p.searchProgress()
	if ev := p.buf.Evicted(); ev > 0 {
		st += fmt.Sprintf("  %s evicted (budget %s)", groupDigits(ev), render.Size(int(p.buf.Budget())))
	}
	return p.c.Styles.Status.Render(st)
}

// unevaluated says, in one line, how many messages a filter could not be
// evaluated on and why the first one failed ("" when none failed).
func unevaluated(n int64, first error) string {
	if n == 0 || first == nil {
		return ""
	}
	return "  " + render.Sanitize(filter.Unevaluated(n, first))
}

func (p *messagesPage) ShortHelp() []key.Binding {
	k := p.c.Keys
	if p.picker != nil {
		return []key.Binding{k.Confirm, k.Back}
	}
	if p.prompt != "" {
		return promptKeys(p.prompt == "filter" || p.prompt == "read")
	}
	if p.copying != nil {
		return p.copying.keys()
	}
	return p.actions().keyLine()
}

func (p *messagesPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops the read (and a redrive's watcher).
func (p *messagesPage) Close() {
	p.cancel()
	if p.redrive != nil {
		p.redrive.close()
	}
	if p.sub != nil {
		s := p.sub
		go func() { _ = s.Close() }() // never block the UI on a broker
	}
}

// lastWidth is the width of the list's last column (the value, or the error).
func (p *messagesPage) lastWidth() int {
	cols := p.columns(p.c.Width)
	return cols[len(cols)-1].width
}

// widestLast is the widest last cell among the rows on screen, as far as a
// preview reads a value: how far the list scrolls sideways.
func (p *messagesPage) widestLast() int {
	cols := p.columns(p.c.Width)
	from, to := p.cur.window(p.view.Len(), p.rowsHeight())
	now := p.c.Now().In(p.c.Location)
	widest := 0
	for i := from; i < to; i++ {
		cells := p.cells(p.view.At(i), p.view.Note(i), cols, now, previewCells)
		widest = max(widest, ansi.StringWidth(cells[len(cells)-1]))
	}
	return widest
}

// previewCells bounds how far a row's value is scrolled sideways: a
// preview reads the start of a value only (enter shows all of it).
const previewCells = 512
