package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/msgbuf"
	"github.com/mqscope/mqscope/ui/render"
)

const (
	// healthStepTime is how long one step of a check reads before the
	// screen shows its progress.
	healthStepTime = 150 * time.Millisecond
	// healthHeldChunk is how many held messages one step checks.
	healthHeldChunk = 20000
	// healthSampleEvery is the time between two samples of the flow's
	// lag and depth; healthSamplesKept bounds those the page keeps.
	healthSampleEvery = time.Second
	healthSamplesKept = 300
)

// healthHeldDue asks for the next chunk of held messages to be checked.
type healthHeldDue struct{ page, gen int }

func (m healthHeldDue) pageID() int { return m.page }

// flowFound carries the stream's consumers and retry chain.
type flowFound struct {
	page, gen int
	flow      *health.Flow
	err       error
}

func (m flowFound) pageID() int { return m.page }

// healthRow is one line of the findings: a finding (ex < 0) or one of its
// examples.
type healthRow struct {
	finding string // duplicates, ordering, split keys, gaps
	ex      int
}

// healthPage checks a stream's flow: duplicates, ordering, split keys and
// gaps, read from the stream (a queue is peeked) or from the messages a
// list holds; its consumers' lag and retry chain once the read is done.
type healthPage struct {
	pageBase
	conn    sources.Conn
	stream  sources.StreamInfo
	b       *health.Builder // touched by the read's Cmd only between steps
	steps   stepRead
	report  health.Report
	flow    *health.Flow
	rows    []healthRow
	done    bool
	err     error
	confirm string // the peek's cost, asked before reading
	cur     cursor
	started time.Time
	ctx     context.Context
	cancel  context.CancelFunc
	gen     int

	// held, when set, is the message list's buffer: the check goes
	// through what it holds (positions next to end, counting evictions),
	// a chunk per Update, and reads nothing.
	held      *msgbuf.Buffer
	next, end int64   // the walk's place in order, its end
	order     []int64 // heldOrder's (nil: the list's own order, from base)
	base      int64   // the absolute place of the first message held
	heldEnd   int64   // the absolute place after the last one held
	lost      int64   // held messages evicted before they were checked
	scratch   sources.Message

	// sampler takes the flow's lag and depth, one sample in a Cmd at a
	// time, the next asked healthSampleEvery after the last came; samples
	// keeps them.
	sampler *health.Sampler
	samples *health.SampleRing
}

func newHealthPage(c *Common, conn sources.Conn, stream sources.StreamInfo) *healthPage {
	p := &healthPage{pageBase: pageBase{c: c}, conn: conn, stream: stream,
		sampler: health.NewSampler(conn, stream.Name), samples: health.NewSampleRing(healthSamplesKept, healthSampleEvery)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

// newHeldHealthPage checks the messages a list holds now.
func newHeldHealthPage(c *Common, conn sources.Conn, stream sources.StreamInfo, held *msgbuf.Buffer) *healthPage {
	p := newHealthPage(c, conn, stream)
	p.held = held
	return p
}

func (p *healthPage) Init() tea.Cmd {
	if risk := peekRisk(p.stream); risk != "" && p.held == nil {
		p.confirm = risk + "\n\nenter: peek anyway   esc: go back"
		return p.sample()
	}
	return tea.Batch(p.read(), p.sample())
}

// options are the check's: the sequence found in the messages, the
// connection's identities; held messages are decoded with the schemas
// already fetched only.
func (p *healthPage) options() health.Options {
	o := health.Options{Auto: true, Decoder: p.c.decoder(p.conn.Name()), Cached: p.held != nil, Expected: p.stream.Messages,
		SparsePositions: p.stream.SparsePositions}
	o.WithConn(p.conn)
	return o
}

// read starts the check: the whole stream from its oldest message to the
// end it has now, or what the list holds.
func (p *healthPage) read() tea.Cmd {
	p.steps.release()
	p.gen++
	b, err := health.NewBuilder(p.stream.Name, p.options())
	if err != nil {
		p.err = err
		return setError(err)
	}
	p.b, p.done, p.err, p.flow, p.started, p.lost = b, false, nil, nil, p.c.Now(), 0
	p.setReport()
	page, gen := p.pid, p.gen
	if p.held != nil {
		p.base, p.order = p.held.Evicted(), heldOrder(p.held)
		p.heldEnd = p.base + int64(p.held.Len())
		p.next, p.end = 0, int64(p.held.Len())
		return func() tea.Msg { return healthHeldDue{page: page, gen: gen} }
	}
	r, ok := p.conn.(sources.Reader)
	if !ok {
		p.err = fmt.Errorf("%s cannot read %s", p.conn.Name(), p.stream.Name)
		return nil
	}
	ctx, name := p.ctx, p.stream.Name
	start := sources.Start{Kind: sources.StartOldest}
	if p.stream.Queue {
		start = sources.Start{Kind: sources.StartLastN, N: max(p.stream.Messages, defaultQueuePeek)}
	}
	return openStepped(ctx, r, name, sources.ReadOptions{Start: start}, page, gen, false)
}

// step reads for a moment and returns to show the progress.
func (p *healthPage) step() tea.Cmd {
	return p.steps.step(p.ctx, p.b.Step, healthStepTime, p.pid, p.gen, false)
}

// heldStep checks the next chunk of held messages (no I/O) and asks for
// the next one.
func (p *healthPage) heldStep() tea.Cmd {
	evicted := p.held.Evicted()
	if evicted+int64(p.held.Len()) < p.heldEnd { // the list read again from the start
		p.end = p.next
	}
	stop := min(p.end, p.next+healthHeldChunk)
	for ; p.next < stop; p.next++ {
		at := p.base + p.next
		if p.order != nil {
			at = p.order[p.next]
		}
		if at < evicted {
			p.lost++
			continue
		}
		p.held.Load(int(at-evicted), &p.scratch)
		p.b.Add(&p.scratch)
	}
	p.setReport()
	if p.next < p.end {
		page, gen := p.pid, p.gen
		return func() tea.Msg { return healthHeldDue{page: page, gen: gen} }
	}
	return p.finished()
}

// finished ends the check and asks for the flow.
func (p *healthPage) finished() tea.Cmd {
	p.done = true
	ctx, conn, page, gen, name, rep := p.ctx, p.conn, p.pid, p.gen, p.stream.Name, p.report
	return func() tea.Msg {
		f, err := health.FlowOf(ctx, conn, name, &rep)
		return flowFound{page: page, gen: gen, flow: f, err: err}
	}
}

// setReport takes the builder's report and lays out its rows.
func (p *healthPage) setReport() {
	p.report = p.b.Report()
	r := &p.report
	p.rows = p.rows[:0]
	add := func(name string, n int64, examples int) {
		if n == 0 {
			return
		}
		p.rows = append(p.rows, healthRow{finding: name, ex: -1})
		for i := 0; i < examples; i++ {
			p.rows = append(p.rows, healthRow{finding: name, ex: i})
		}
	}
	add("duplicates", r.Duplicates.Count+r.Duplicates.Possible, len(r.Duplicates.Examples))
	add("ordering", r.Ordering.Count, len(r.Ordering.Examples))
	add("split keys", r.SplitKeys.Count, len(r.SplitKeys.Examples))
	add("gaps", r.Gaps.Count+r.Gaps.Jumps, len(r.Gaps.Examples))
	p.cur.clamp(len(p.rows), p.rowsHeight())
}

func (p *healthPage) rowsHeight() int { return max(p.c.Height-3-3-10, 1) }

func (p *healthPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case readOpened:
		return p.steps.take(msg, p.gen, &p.err, p.step)
	case readStepped:
		if msg.gen != p.gen {
			return nil
		}
		p.setReport()
		return p.steps.stepped(msg, p.ctx, &p.err, p.step, p.finished)
	case healthHeldDue:
		if msg.gen == p.gen && !p.done {
			return p.heldStep()
		}
	case flowFound:
		if msg.gen == p.gen {
			p.flow = msg.flow
			if p.flow != nil {
				p.flow.WithSamples(p.samples.Sampling())
			}
			if msg.err != nil && p.ctx.Err() == nil {
				return setError(msg.err)
			}
		}
	case flowSampled:
		return p.sampled(msg)
	case flowSampleDue:
		if p.ctx.Err() == nil {
			return p.sample()
		}
	case diffReady:
		if msg.err != nil {
			return setError(msg.err)
		}
		return tea.Batch(clearStatus(), push(newDiffPage(p.c, msg.a, msg.b, msg.da, msg.db)))
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *healthPage) key(msg tea.KeyMsg) tea.Cmd {
	if p.confirm != "" {
		switch {
		case msg.Type == tea.KeyEnter:
			p.confirm = ""
			return p.read()
		case msg.Type == tea.KeyEsc, msg.String() == "q", msg.String() == "n":
			return pop()
		}
		return nil
	}
	return p.actions().run(msg)
}

// actions is what the health page does on a key.
func (p *healthPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.rows), p.rowsHeight()); return nil }
	onRow := func(f func(healthRow) tea.Cmd) func(tea.KeyMsg) tea.Cmd {
		return do(func() tea.Cmd {
			if len(p.rows) == 0 {
				return nil
			}
			return f(p.rows[p.cur.sel])
		})
	}
	return newActions(p.c, p.conn,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: k.Open, line: 1, run: onRow(p.open)},
			{bind: k.Diff, line: 2, run: onRow(p.diff)},
			{bind: k.Refresh, line: 3, run: do(p.read)},
		})
}

// examplePairs are the pairs of a row: its example's, or every example of
// its finding.
func (p *healthPage) examplePairs(r healthRow) []health.Pair {
	var all []health.Pair
	switch r.finding {
	case "duplicates":
		all = p.report.Duplicates.Examples
	case "ordering":
		all = p.report.Ordering.Examples
	default:
		return nil
	}
	if r.ex >= 0 {
		return all[r.ex : r.ex+1]
	}
	return all
}

// rowFilter is the filter expression that selects a row's messages: the
// two of a pair, or the entity's of a split or a gap (every example's
// for a finding).
func (p *healthPage) rowFilter(r healthRow) string {
	var ps []health.Position
	for _, pair := range p.examplePairs(r) {
		ps = append(ps, pair.Positions()...)
	}
	if len(ps) > 0 {
		return health.Filter(ps)
	}
	var entities []string
	switch r.finding {
	case "split keys":
		for i, s := range p.report.SplitKeys.Examples {
			if r.ex < 0 || i == r.ex {
				entities = append(entities, s.Entity)
				ps = append(ps, s.At...)
			}
		}
	case "gaps":
		for i, g := range p.report.Gaps.Examples {
			if r.ex < 0 || i == r.ex {
				entities = append(entities, g.Entity)
				ps = append(ps, g.At)
			}
		}
	}
	var parts []string
	for _, e := range entities {
		f := p.report.EntityFilter(e)
		if f == "" {
			return health.Filter(ps)
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, " || ")
}

// open is the message list at a row's messages: the stream read to its
// end through the row's filter.
func (p *healthPage) open(r healthRow) tea.Cmd {
	flt := p.rowFilter(r)
	if flt == "" {
		return nil
	}
	mp := newMessagesPage(p.c, p.conn, p.stream)
	mp.start = sources.Start{Kind: sources.StartOldest}
	if p.stream.Queue {
		mp.start = startFor(p.stream)
		mp.start.N = max(p.report.Scanned, mp.start.N)
	}
	mp.readFilter, mp.bounded = flt, true
	return push(mp)
}

// diff reads the two messages of a pair again by their positions and
// compares them (the diff page).
func (p *healthPage) diff(r healthRow) tea.Cmd {
	pairs := p.examplePairs(r)
	if len(pairs) == 0 {
		return setStatus("d diffs two copies: select a duplicate or an ordering example")
	}
	pair := pairs[0]
	if pair.First == nil {
		return setStatus("the first copy is beyond the window: only the Bloom filter remembers it, not where it is")
	}
	rd, ok := p.conn.(sources.Reader)
	if !ok || p.stream.Queue {
		return setStatus("a queue's messages cannot be read again by position: enter opens them, mark the two with space and press d")
	}
	ctx, page, dec, a, b := p.ctx, p.pid, p.c.decoder(p.conn.Name()), *pair.First, pair.Second
	return tea.Batch(setStatus("reading the two messages…"), func() tea.Msg {
		ma, err := sources.FetchAt(ctx, rd, a.Stream, a.Partition, a.Offset)
		if err == nil {
			var mb sources.Message
			if mb, err = sources.FetchAt(ctx, rd, b.Stream, b.Partition, b.Offset); err == nil {
				return diffReady{page: page, a: ma, b: mb, da: msgdiff.Decode(ctx, dec, &ma), db: msgdiff.Decode(ctx, dec, &mb)}
			}
		}
		return diffReady{page: page, err: fmt.Errorf("diff: %w", err)}
	})
}

// findingDefinition is the definition the report states for a finding.
func (p *healthPage) findingDefinition(name string) string {
	r := &p.report
	switch name {
	case "duplicates":
		return r.Duplicates.Definition
	case "ordering":
		return r.Ordering.Definition
	case "split keys":
		return r.SplitKeys.Definition
	}
	return r.Gaps.Definition
}

// findingLine is a finding's count and breakdown.
func (p *healthPage) findingLine(name string) (int64, string) {
	r := &p.report
	switch name {
	case "duplicates":
		d := r.Duplicates
		s := fmt.Sprintf("retry %d · re-publish %d · redrive %d", d.Retry, d.Republish, d.Redrive)
		if d.Possible > 0 {
			s += fmt.Sprintf(" · %d possible beyond the window (%.1f false expected)", d.Possible, d.ExpectedFalse)
		}
		return d.Count, s
	case "ordering":
		return r.Ordering.Count, fmt.Sprintf("by sequence %d · by event time %d", r.Ordering.BySequence, r.Ordering.ByTime)
	case "split keys":
		return r.SplitKeys.Count, "entities in more than one partition"
	}
	what := fmt.Sprintf("sequence numbers missing over %d entities", r.Gaps.Entities)
	if r.Gaps.Jumps > 0 {
		what += fmt.Sprintf(" · and %s suspicious jumps apart (holes past %s numbers, not among the missing)", groupDigits(r.Gaps.Jumps), groupDigits(health.JumpSize))
	}
	return r.Gaps.Count, what
}

// exampleCells are an example row's entity and what it says.
func (p *healthPage) exampleCells(r healthRow) (string, string) {
	rep := &p.report
	switch r.finding {
	case "duplicates":
		e := rep.Duplicates.Examples[r.ex]
		first := "beyond the window"
		if e.First != nil {
			first = e.First.Where()
		}
		return e.Entity, fmt.Sprintf("%-9s %s = %s", e.Kind, first, e.Second.Where())
	case "ordering":
		e := rep.Ordering.Examples[r.ex]
		return e.Entity, fmt.Sprintf("%s then %s: %s", e.First.Where(), e.Second.Where(), e.Detail)
	case "split keys":
		e := rep.SplitKeys.Examples[r.ex]
		at := make([]string, len(e.At))
		for i, x := range e.At {
			at[i] = x.Where()
		}
		return e.Entity, "first in " + strings.Join(at, ", ")
	}
	e := rep.Gaps.Examples[r.ex]
	rs := make([]string, len(e.Ranges))
	for i, x := range e.Ranges {
		rs[i] = x.String()
	}
	what := fmt.Sprintf("missing %s: %s", groupDigits(e.Missing), strings.Join(rs, ", "))
	if e.Jumps > 0 {
		js := make([]string, len(e.JumpRanges))
		for i, x := range e.JumpRanges {
			js[i] = x.String()
		}
		what += fmt.Sprintf(" · %s jumps: %s", groupDigits(e.Jumps), strings.Join(js, ", "))
	}
	return e.Entity, what + fmt.Sprintf(" (seen %d to %d)", e.Lowest, e.Highest)
}

func percent(p float64) string { return fmt.Sprintf("%.2g%%", p*100) }

func (p *healthPage) View(w, h int) string {
	s := p.c.Styles
	r := &p.report
	out := []string{p.headline(), s.Muted.Render("identity: " + render.Sanitize(r.Identity) + "  ·  entity: " + render.Sanitize(r.Entity) + p.lackingText())}
	cols := layout([]column{{title: "FINDING", width: 12}, {title: "COUNT", width: p.countWidth(), right: true}, {title: "ENTITY", width: 14}, {title: "WHERE · WHAT", width: 20, flex: true}}, w)
	out = append(out, s.ColumnHeader.Render(row(cols, titles(cols)...)))
	switch {
	case p.err != nil:
		out = append(out, s.StatusError.Render("✖ "+render.Sanitize(p.err.Error())))
	case len(p.rows) == 0 && p.done && r.Scanned == 0:
		out = append(out, s.Muted.Render("  nothing to check: no message in "+render.Sanitize(p.stream.Name)))
	case len(p.rows) == 0 && p.done && p.partialText() != "":
		out = append(out, s.Muted.Render("  no finding in what was read, but not all of "+render.Sanitize(p.stream.Name)+" was read"))
	case len(p.rows) == 0 && p.done:
		out = append(out, s.Muted.Render("  healthy: no duplicate, nothing out of order, no split key, no gap in "+render.Sanitize(p.stream.Name)))
	}
	from, to := p.cur.window(len(p.rows), p.rowsHeight())
	for i := from; i < to; i++ {
		hr := p.rows[i]
		var line string
		if hr.ex < 0 {
			n, what := p.findingLine(hr.finding)
			line = row(cols, hr.finding, groupDigits(n), "", what)
		} else {
			entity, what := p.exampleCells(hr)
			line = row(cols, "", "", render.Sanitize(entity), render.Sanitize(what))
		}
		if i == p.cur.sel {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	tail := p.flowLines(w)
	tail = append(tail, s.Label.Render("memory ")+s.Muted.Render(render.Preview([]byte(p.memoryText()), max(w-7, 10))))
	if len(p.rows) > 0 {
		hr := p.rows[p.cur.sel]
		def := strings.Split(ansi.Wordwrap(hr.finding+": "+render.Sanitize(p.findingDefinition(hr.finding)), w, " "), "\n")
		if len(def) > 3 {
			def = append(def[:2], ansi.Truncate(def[2], w-1, "")+"…")
		}
		for _, l := range def {
			tail = append(tail, s.Muted.Render(l))
		}
		tail = append(tail, s.Label.Render("filter ")+render.Preview([]byte(p.rowFilter(hr)), max(w-7, 10)))
	}
	for len(out) < h-len(tail) {
		out = append(out, "")
	}
	out = append(out, tail...)
	if p.confirm != "" {
		return overlay(joinLines(out), s.Overlay.Render(s.Warn.Render("⚠ Peek changes this queue")+"\n\n"+p.confirm), w, h)
	}
	return joinLines(out)
}

// memoryText says how identities were held.
func (p *healthPage) memoryText() string {
	m := p.report.Memory
	t := fmt.Sprintf("identities held exactly over %s (%s)", m.Window, groupDigits(m.Held))
	if !m.Exact {
		t += fmt.Sprintf("; after message %s (%s) older ones in a Bloom filter sized for %s false positives", groupDigits(m.SwitchedAt), m.Reason, percent(m.FalsePositive))
	}
	if p.lost > 0 {
		t += fmt.Sprintf("; %s held messages were evicted before they were checked", groupDigits(p.lost))
	}
	return t
}

func (p *healthPage) Crumb() string { return p.c.Styles.Crumb.Render("health") }

func (p *healthPage) Status() string {
	st := ""
	if !p.done && p.err == nil && p.confirm == "" {
		st = fmt.Sprintf("checking %s since %s", render.Sanitize(p.stream.Name), p.c.Now().Sub(p.started).Round(time.Second))
	}
	return p.c.Styles.Status.Render(st)
}

// Capturing is true while the peek's question is open.
func (p *healthPage) Capturing() bool { return p.confirm != "" }

func (p *healthPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *healthPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops the read.
func (p *healthPage) Close() {
	p.cancel()
	p.steps.release()
}
