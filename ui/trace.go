package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/trace"
	"github.com/mqscope/mqscope/ui/render"
)

// traceRequested asks the root to trace a value across the session's
// connections (the root holds them).
type traceRequested struct {
	value, via string
	since      time.Time // read from here (zero: from the oldest)
}

const (
	// traceWindow is how far before the message a trace from the TUI
	// starts reading: a flow's events are hours apart, not weeks.
	traceWindow = 24 * time.Hour
	// traceBudget bounds how much of each stream a trace from the TUI reads.
	traceBudget = 2_000_000
)

// requestTrace traces the correlation value of a message.
func requestTrace(c *Common, m *sources.Message) tea.Cmd {
	via, value, ok := trace.Correlation(m, c.CorrelationHeaders)
	if !ok {
		return setStatus("nothing to trace: the message has no correlation header and no key")
	}
	var since time.Time
	if !m.Timestamp.IsZero() {
		since = m.Timestamp.Add(-traceWindow)
	}
	return func() tea.Msg { return traceRequested{value: value, via: via, since: since} }
}

// traceProgressed and traceFinished report a running trace.
type traceProgressed struct {
	page int
	p    trace.Progress
}

func (m traceProgressed) pageID() int { return m.page }

type traceFinished struct {
	page int
	res  trace.Result
	err  error
}

func (m traceFinished) pageID() int { return m.page }

// tracePage shows the messages that carry one correlation value, from
// every stream of every connection, in time order.
type tracePage struct {
	pageBase
	conns   []sources.Conn
	value   string
	via     string
	since   time.Time
	prog    trace.Progress
	res     trace.Result
	done    bool
	err     error
	cur     cursor
	started time.Time
	ctx     context.Context
	cancel  context.CancelFunc
	updates chan tea.Msg
}

func newTracePage(c *Common, conns []sources.Conn, r traceRequested) *tracePage {
	p := &tracePage{pageBase: pageBase{c: c}, conns: conns, value: r.value, via: r.via, since: r.since, updates: make(chan tea.Msg, 16)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

// Init starts the trace in a goroutine that reports through updates.
func (p *tracePage) Init() tea.Cmd {
	p.started = p.c.Now()
	ctx, conns, value, page, updates := p.ctx, p.conns, p.value, p.pid, p.updates
	opts := trace.Options{Headers: p.c.CorrelationHeaders, Key: p.via == "key", Since: p.since, Budget: traceBudget, Decoders: p.c.Decoders}
	go func() {
		res, err := trace.Run(ctx, conns, value, opts, func(pr trace.Progress) {
			select {
			case updates <- traceProgressed{page: page, p: pr}:
			default: // the screen is behind: it gets the next one
			}
		})
		select {
		case updates <- traceFinished{page: page, res: res, err: err}:
		case <-ctx.Done():
		}
	}()
	return p.listen()
}

// listen waits for the trace's next report.
func (p *tracePage) listen() tea.Cmd {
	ctx, updates := p.ctx, p.updates
	return func() tea.Msg {
		select {
		case m := <-updates:
			return m
		case <-ctx.Done():
			return nil
		}
	}
}

func (p *tracePage) rowsHeight() int { return max(p.c.Height-3-2-2, 1) }

func (p *tracePage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case traceProgressed:
		p.prog = msg.p
		return p.listen()
	case traceFinished:
		p.res, p.done, p.err = msg.res, true, msg.err
		p.cur.clamp(len(p.res.Hits), p.rowsHeight())
		if msg.err != nil {
			return setError(msg.err)
		}
	case tea.KeyMsg:
		return p.actions().run(msg)
	}
	return nil
}

// actions is what the trace page does on a key.
func (p *tracePage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.res.Hits), p.rowsHeight()); return nil }
	return newActions(p.c, nil,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{{bind: k.Open, line: 1, run: do(p.open)}})
}

// open shows the selected hit in full.
func (p *tracePage) open() tea.Cmd {
	if len(p.res.Hits) == 0 {
		return nil
	}
	d := newDetailPage(p.c, p.res.Hits[p.cur.sel].Message, p.stepTo, nil)
	for _, conn := range p.conns {
		if conn.Name() == d.msg.Conn {
			d.conn = conn
		}
	}
	return push(d)
}

// stepTo moves through the hits from the detail view.
func (p *tracePage) stepTo(_ sources.Message, delta int) (sources.Message, bool) { // the hits do not move: the selection is the message shown
	next := p.cur.sel + delta
	if next < 0 || next >= len(p.res.Hits) {
		return sources.Message{}, false
	}
	p.cur.sel = next
	p.cur.clamp(len(p.res.Hits), p.rowsHeight())
	return p.res.Hits[next].Message, true
}

func (p *tracePage) View(w, h int) string {
	s := p.c.Styles
	head := s.Title.Render("trace ") + s.Muted.Render(render.Sanitize(p.via)+" = ") + render.Sanitize(p.value)
	if !p.since.IsZero() {
		head += s.Muted.Render("  since " + p.since.In(p.c.Location).Format("2006-01-02 15:04") + " (a day before the message)")
	}
	var info string
	switch {
	case !p.done:
		info = fmt.Sprintf("reading %d/%s, %s, %d found…", p.prog.Done, plural(p.prog.Total, "stream"), plural(p.prog.Scanned, "message"), p.prog.Hits)
	default:
		info = fmt.Sprintf("%s in %s of %s (%s read)", plural(len(p.res.Hits), "message"), plural(p.res.Streams, "stream"), plural(len(p.conns), "connection"), groupDigits(p.res.Scanned))
		if len(p.res.Skipped) > 0 {
			info += fmt.Sprintf("; %d work queues skipped (a peek would mark their messages redelivered)", len(p.res.Skipped))
		}
		if n := costlySkipped(p.res.Costly); n > 0 {
			info += fmt.Sprintf("; %d queues skipped where a read raises delivery or receive counts a limit watches (mqscope trace --accept-peek-cost reads them)", n)
		}
	}
	out := []string{head, s.Muted.Render(info)}
	for _, e := range p.res.Errors {
		out = append(out, s.StatusError.Render("could not read "+render.Sanitize(e)))
	}
	cols := layout([]column{
		{title: "TIME", width: 12},
		{title: "+", width: 7, right: true},
		{title: "CONN", width: 12},
		{title: "STREAM", width: 16},
		{title: "POSITION", width: 9},
		{title: "EVENT", width: 20, flex: true},
	}, w)
	out = append(out, s.ColumnHeader.Render(row(cols, titles(cols)...)))
	if p.done && len(p.res.Hits) == 0 && p.err == nil {
		out = append(out, s.Muted.Render("  no message carries it"))
	}
	now := p.c.Now().In(p.c.Location)
	hits := p.res.Hits
	from, to := p.cur.window(len(hits), p.rowsHeight())
	for i := from; i < to; i++ {
		hit := hits[i]
		cells := []string{shortTime(hit.Timestamp.In(p.c.Location), now), "+" + render.Elapsed(hit.Timestamp.Sub(hits[0].Timestamp)),
			render.Sanitize(hit.Conn), render.Sanitize(hit.Stream), hit.Message.Where(), hitEvent(hit, cols[len(cols)-1].width)}
		line := row(cols, cells...)
		switch {
		case i == p.cur.sel:
			line = s.Selected.Render(line)
		case hit.Died != "":
			line = s.DLQBadge.Render(line)
		}
		out = append(out, line)
	}
	return joinLines(out)
}

// hitEvent is a hit's EVENT cell: the value's event type (else a preview
// of the value, decoded where a schema decoded it, as the message list
// shows it), or how it died, and whose copy it is; the fields from the
// message are sanitised inside the text (an invalid byte shows as U+FFFD),
// so the cell never turns into a hex dump.
func hitEvent(hit trace.Hit, width int) string {
	event := render.Sanitize(hit.Event)
	if hit.Event == "" {
		event = render.Preview(hitPreview(&hit), width)
	}
	if hit.Died != "" {
		class, text, _ := strings.Cut(hit.Died, ": ")
		event = "☠ " + render.Sanitize(shortClass(class)) + ": " + render.Sanitize(text)
	}
	if hit.Redriven != "" {
		event = strings.TrimSpace(event + "  ↻ " + render.Sanitize(hit.Redriven))
	}
	return event
}

// Crumb names what is traced: "trace" and the correlation value, cut.
func (p *tracePage) Crumb() string {
	return p.c.Styles.Crumb.Render("trace " + render.Field(p.value, 24))
}

func (p *tracePage) Status() string {
	if p.done {
		return ""
	}
	return p.c.Styles.Status.Render(fmt.Sprintf("tracing for %s", p.c.Now().Sub(p.started).Round(time.Second)))
}

func (p *tracePage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *tracePage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops the trace.
func (p *tracePage) Close() { p.cancel() }

// costlySkipped counts the queues a trace left unread for what a read costs.
func costlySkipped(cs []trace.Costly) int {
	n := 0
	for _, c := range cs {
		if !c.Read {
			n++
		}
	}
	return n
}

// hitPreview is what a hit's value previews as: its decoded document (a
// string's text without its quotes), else its bytes.
func hitPreview(hit *trace.Hit) []byte {
	if hit.Decoded != nil {
		return docText(hit.Decoded)
	}
	return hit.Message.Value
}
