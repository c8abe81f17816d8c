package ui

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/msgbuf"
	"github.com/mqscope/mqscope/ui/render"
)

// messagesPage lists a stream's messages and tails it live. It is made
// of parts that each have one job: the read of the stream (streamReader,
// messagereader.go), what has the keyboard before the page's keys
// (messageOverlays, messageoverlays.go), the prompt and the search
// (finder: prompt.go, search.go), the marks (messagemarks.go) and the
// actions (messageactions.go); the rows are drawn in messagerows.go and
// messageview.go.
type messagesPage struct {
	pageBase
	streamReader
	messageOverlays
	finder
	marks markSet

	buf  *msgbuf.Buffer
	view msgView // the rows shown of buf: filtered, sorted
	// posWidth is the widest position named in a syntax of its own (a
	// Redis entry id) the list was given: its column is never narrower,
	// so no id is cut.
	posWidth int
	cur      cursor
	side     hscroller // how far the last column (the value, or the error) is scrolled sideways
	clicks   clickTracker
	sort     tableSort // the list's sort: the rows held while it reads, all of them once it has ended
	follow   bool
	seek     *seekTo // a jump that read again, until its row arrives
	unseen   int     // messages that arrived while not following
	dlq      bool    // the rows are dead letters: their origin and error are shown

	copies  copyLookup   // a Kafka DLT: the copies earlier redrives wrote of its dead letters
	typed   bool         // a message held has a schema: the VER column is shown
	waiting map[int]bool // the registry schema ids the rows wait for
}

func newMessagesPage(c *Common, conn sources.Conn, stream sources.StreamInfo) *messagesPage {
	p := &messagesPage{
		pageBase:     pageBase{c: c},
		streamReader: newStreamReader(conn, stream),
		finder:       newFinder(),
		marks:        markSet{},
		buf:          msgbuf.New(c.BufferBudget),
		follow:       true,
		dlq:          stream.DeadLetter,
	}
	p.view.buf = p.buf
	p.view.decoded = p.decodedValue
	return p
}

func (p *messagesPage) Init() tea.Cmd { return tea.Batch(p.read(), p.count()) }

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
		if d := p.redriving(); d != nil {
			return d.progressed(msg)
		}
	case redriveTripped:
		if d := p.redriving(); d != nil {
			return d.paused(msg.reason)
		}
	case redriveTargetsChecked:
		if d := p.redriving(); d != nil {
			d.targetsChecked(msg)
		}
	case redriveFinished:
		if d := p.redriving(); d != nil {
			d.finished(msg.res, msg.err)
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
		if p.picking() != nil {
			p.closeOverlays()
		}
	case startChosen:
		if p.picking() != nil {
			p.closeOverlays()
		}
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
		return p.sortSaid()
	}
	p.follow = (n == 0 || p.cur.sel == n-1 && msg.Button != tea.MouseButtonWheelUp) && p.sort.by == ""
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

// stepTo moves the selection to delta rows from the message from for the
// detail view's next/previous: from the message shown, wherever a list
// that follows new messages has moved its selection since.
func (p *messagesPage) stepTo(from sources.Message, delta int) (sources.Message, bool) {
	n := p.view.Len()
	at := p.indexOf(keyOf(&from))
	if at < 0 {
		return sources.Message{}, false
	}
	next := at + delta
	if next < 0 || next >= n {
		return sources.Message{}, false
	}
	p.cur.sel = next
	p.follow = false
	p.cur.clamp(n, p.rowsHeight())
	return *p.view.At(next), true
}

// indexOf is the row of the message named k in the view (-1: not
// there), looked for from the selection outwards: it is most often there
// or near.
func (p *messagesPage) indexOf(k rowKey) int {
	n := p.view.Len()
	same := func(i int) bool {
		o := p.view.At(i)
		return o.Offset == k.offset && o.Partition == k.partition && o.Stream == k.stream && o.ID == k.id
	}
	for d := 0; d < n; d++ {
		if i := p.cur.sel - d; i >= 0 && i < n && same(i) {
			return i
		}
		if i := p.cur.sel + d; d > 0 && i >= 0 && i < n && same(i) {
			return i
		}
	}
	return -1
}

func (p *messagesPage) Crumb() string { return p.c.Styles.Crumb.Render(render.Sanitize(p.stream.Name)) }

func (p *messagesPage) ShortHelp() []key.Binding {
	k := p.c.Keys
	if p.slot != nil {
		if keys := p.slot.overlayHelp(k); keys != nil {
			return keys
		}
	}
	if p.prompt != "" {
		return promptKeys(p.prompt == "filter" || p.prompt == "read")
	}
	return p.actions().keyLine()
}

func (p *messagesPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops the read (and what an open overlay watches).
// writing reports a redrive under way on the page (writeStopper).
func (p *messagesPage) writing() bool {
	d := p.redriving()
	return d != nil && d.writing()
}

// stopWriting stops the page's redrive (writeStopper).
func (p *messagesPage) stopWriting() <-chan struct{} {
	if d := p.redriving(); d != nil && d.writing() {
		return d.stopWriting()
	}
	return nil
}

func (p *messagesPage) Close() {
	p.closeOverlays()
	p.stop()
}
