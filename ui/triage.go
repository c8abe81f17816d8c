package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/triage"
	"github.com/mqscope/mqscope/ui/render"
	"github.com/mqscope/mqscope/versions"
)

const (
	// triageStepTime is how long one step of a triage reads before the
	// screen shows its progress.
	triageStepTime = 150 * time.Millisecond
	// triageBuckets is the histogram width in the triage view.
	triageBuckets = 24
)

// groupExported carries the end of a group's export to a file.
type groupExported struct {
	page int
	path string
	n    int64
	err  error
}

func (m groupExported) pageID() int { return m.page }

// triagePage groups a DLQ's dead letters by failure, origin or consumer.
type triagePage struct {
	pageBase
	conn    sources.Conn
	stream  sources.StreamInfo
	mode    triage.Mode
	b       *triage.Builder // touched by the read's Cmd only between steps
	steps   stepRead
	report  triage.Report
	done    bool
	err     error
	cur     cursor
	started time.Time
	ctx     context.Context
	cancel  context.CancelFunc
	gen     int // the read's number: answers of an earlier one are dropped
	sort    tableSort
	clicks  clickTracker
	// compared is the comparison of the stream's versions with its
	// origin's (by version), asked once the triage is read: comparing
	// says it is being taken.
	compared  string
	comparing bool
}

// triageCompared is the census comparison of a triage's stream with its
// origin (versions.Run).
type triageCompared struct {
	page, gen int
	text      string
	err       error
}

func (m triageCompared) pageID() int { return m.page }

func newTriagePage(c *Common, conn sources.Conn, stream sources.StreamInfo) *triagePage {
	p := &triagePage{pageBase: pageBase{c: c}, conn: conn, stream: stream}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

func (p *triagePage) Init() tea.Cmd { return p.read() }

// read starts the triage: the whole stream, from its oldest message to the
// end it has now (a queue is peeked).
func (p *triagePage) read() tea.Cmd {
	p.steps.release()
	r, ok := p.conn.(sources.Reader)
	if !ok {
		p.err = fmt.Errorf("%s cannot read %s", p.conn.Name(), p.stream.Name)
		return nil
	}
	p.gen++
	p.b, p.done, p.err, p.started = triage.NewBuilder(p.stream.Name).WithDecoder(p.c.decoder(p.conn.Name())).ForStream(p.stream), false, nil, p.c.Now()
	p.compared, p.comparing = "", false
	p.report = p.b.Report(p.mode, triageBuckets)
	ctx, page, gen, name := p.ctx, p.pid, p.gen, p.stream.Name
	return openStepped(ctx, r, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}, page, gen, false)
}

// step reads for a moment and returns to show the progress.
func (p *triagePage) step() tea.Cmd {
	return p.steps.step(p.ctx, p.b.Step, triageStepTime, p.pid, p.gen, false)
}

func (p *triagePage) rowsHeight() int { return max(p.c.Height-3-2-5, 1) }

func (p *triagePage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case readOpened:
		return p.steps.take(msg, p.gen, &p.err, p.step)
	case readStepped:
		if msg.gen != p.gen {
			return nil
		}
		p.setReport(p.b.Report(p.mode, triageBuckets))
		return p.steps.stepped(msg, p.ctx, &p.err, p.step, func() tea.Cmd { p.done = true; return p.compare() })
	case triageCompared:
		if msg.gen == p.gen {
			p.comparing = false
			if msg.err == nil {
				p.compared = msg.text
			}
		}
		return nil
	case groupExported:
		if msg.err != nil {
			return setError(msg.err)
		}
		return setStatus(fmt.Sprintf("exported %s dead letters to %s", groupDigits(msg.n), msg.path))
	case tea.KeyMsg:
		return p.key(msg)
	case tea.MouseMsg:
		srt := p.sort
		t := tableMouse{cur: &p.cur, sort: &srt, clicks: &p.clicks, cols: p.columns(p.c.Width), n: len(p.report.Groups), height: p.rowsHeight(), now: p.c.Now()}
		switch t.handle(msg) {
		case mouseSorted:
			p.sort = srt
			p.setReport(p.report)
		case mouseOpen:
			return push(p.groupPage(false))
		}
	}
	return nil
}

// setReport takes a report: its groups sorted (stably: groups alike keep
// the report's order, most dead letters first), the selected group
// staying selected.
func (p *triagePage) setReport(r triage.Report) {
	keep := ""
	if p.cur.sel < len(p.report.Groups) {
		keep = p.report.Groups[p.cur.sel].Filter
	}
	r.Groups = slices.Clone(r.Groups)
	sortRows(p.sort, r.Groups, func(g *triage.Group, title string) sortKey { return p.groupKey(g, title) })
	p.report = r
	for i, g := range r.Groups {
		if keep != "" && g.Filter == keep {
			p.cur.sel = i
		}
	}
	p.cur.clamp(len(p.report.Groups), p.rowsHeight())
}

// groupKey is what a group sorts by in the column title.
func (p *triagePage) groupKey(g *triage.Group, title string) sortKey {
	switch title {
	case "COUNT", "SHARE":
		return numKey(g.Count)
	case "FIRST":
		return numKey(g.First.UnixNano())
	case "LAST":
		return numKey(g.Last.UnixNano())
	case "GROUP":
		return textKey(p.groupName(*g))
	}
	return noKey
}

// columns are the table's columns for a width w, the sorted one marked.
func (p *triagePage) columns(w int) []column {
	trendWidth := triageBuckets
	if w < 140 {
		trendWidth = triageBuckets / 2
	}
	narrow := w < 100 // the first time goes: the group's text needs the room
	// COUNT and SHARE are as wide as their titles with the sort's mark, so
	// that the header does not shift when a sort marks them.
	spec := []column{{title: "COUNT", width: 7, right: true, numeric: true}, {title: "SHARE", width: 7, right: true, numeric: true}}
	if !narrow {
		spec = append(spec, column{title: "FIRST", width: 12, numeric: true})
	}
	spec = append(spec, column{title: "LAST", width: 12, numeric: true}, column{title: "TREND", width: trendWidth, unsorted: true}, column{title: "GROUP", width: 20, flex: true})
	return layout(p.sort.decorate(spec), w)
}

func (p *triagePage) key(msg tea.KeyMsg) tea.Cmd {
	return p.actions().run(msg)
}

// actions is what the triage page does on a key.
func (p *triagePage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.report.Groups), p.rowsHeight()); return nil }
	grouped := func() bool { return len(p.report.Groups) > 0 }
	onGroup := func(f func() tea.Cmd) func(tea.KeyMsg) tea.Cmd {
		return do(func() tea.Cmd {
			if !grouped() {
				return nil
			}
			return f()
		})
	}
	return newActions(p.c, p.conn,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: k.Open, line: 1, needs: grouped, run: onGroup(func() tea.Cmd { return push(p.groupPage(false)) })},
			{bind: k.TriageMode, line: 2, run: do(p.regroup)},
			{bind: k.Redrive, line: 3, writes: true, needs: grouped, run: onGroup(func() tea.Cmd { return push(p.groupPage(true)) })},
			{bind: k.Export, line: 4, needs: grouped, run: onGroup(func() tea.Cmd { return p.export(p.report.Groups[p.cur.sel]) })},
			{bind: k.Refresh, line: 5, run: do(p.read)},
			{bind: k.Sort, run: func(msg tea.KeyMsg) tea.Cmd {
				p.sort.digit(msg, p.columns(p.c.Width))
				p.setReport(p.report)
				return nil
			}},
		})
}

// regroup groups the dead letters the next way.
func (p *triagePage) regroup() tea.Cmd {
	p.mode = triage.Modes[(int(p.mode)+1)%len(triage.Modes)]
	p.cur = cursor{}
	if p.done || p.err != nil { // else a step is reading into the builder: its end reports
		p.setReport(p.b.Report(p.mode, triageBuckets))
	}
	if p.done {
		return p.compare()
	}
	return nil
}

// compare takes, by version and once the triage is read, the census of
// the stream and its origin (named by the dead letters or by the
// stream's name) in a Cmd, for the comparison line. A queue is not read
// again: its read is a peek.
func (p *triagePage) compare() tea.Cmd {
	r, ok := p.conn.(sources.Reader)
	if p.mode != triage.ByVersion || p.comparing || p.compared != "" || !ok || p.stream.Queue || p.err != nil {
		return nil
	}
	p.comparing = true
	ctx, page, gen, name, dec := p.ctx, p.pid, p.gen, p.stream.Name, p.c.decoder(p.conn.Name())
	return func() tea.Msg {
		rep, err := versions.Run(ctx, versions.Params{Open: r.Read, Decoder: dec, Stream: name, Options: sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}})
		return triageCompared{page: page, gen: gen, text: rep.Comparison, err: err}
	}
}

// groupPage is the message list of the selected group: the DLQ read from
// its oldest message to its end through the group's filter. With redrive,
// the redrive dialog opens once it is read.
func (p *triagePage) groupPage(redrive bool) *messagesPage {
	g := p.report.Groups[p.cur.sel]
	mp := newMessagesPage(p.c, p.conn, p.stream)
	mp.start = sources.Start{Kind: sources.StartOldest}
	if p.stream.Queue {
		mp.start = startFor(p.stream)
		mp.start.N = max(p.report.Scanned, mp.start.N)
	}
	mp.readFilter, mp.bounded, mp.redriveOnEnd = g.Filter, true, redrive
	return mp
}

// unsafeName matches what a file name should not hold.
var unsafeName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// export writes a group's dead letters to a JSONL file in the working
// directory (mqscope export's format; mqscope replay reads it).
func (p *triagePage) export(g triage.Group) tea.Cmd {
	r, ok := p.conn.(sources.Reader)
	if !ok {
		return nil
	}
	flt, err := filter.Compile(g.Filter)
	if err != nil {
		return setError(err)
	}
	name := unsafeName().ReplaceAllString(p.stream.Name+"-"+g.Key, "_") + ".jsonl"
	start := sources.Start{Kind: sources.StartOldest}
	if p.stream.Queue {
		start = sources.Start{Kind: sources.StartLastN, N: max(p.report.Scanned, 1)}
	}
	ctx, page, stream, dec := p.ctx, p.pid, p.stream.Name, p.c.decoder(p.conn.Name())
	return func() tea.Msg {
		path, err := filepath.Abs(name)
		if err != nil {
			return groupExported{page: page, err: fmt.Errorf("export: %w", err)}
		}
		n, err := exportTo(ctx, r, stream, start, flt, dec, path)
		return groupExported{page: page, path: path, n: n, err: err}
	}
}

// exportTo writes the messages of a bounded read that match flt to a
// file, keys and values decoded with dec as mqscope export writes them
// (dec nil: the bytes only).
func exportTo(ctx context.Context, r sources.Reader, stream string, start sources.Start, flt *filter.Filter, dec *schema.Decoder, path string) (int64, error) {
	sub, err := r.Read(ctx, stream, sources.ReadOptions{Start: start})
	if err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		_ = sub.Close()
		return 0, fmt.Errorf("export: %w", err)
	}
	enc := capture.NewEncoder(f) // buffered: Flush writes all of it to f
	so := filter.ScanOptions{}
	if dec != nil {
		so.Decoder = dec
	}
	msgs, rerr := sources.Drain(ctx, filter.NewScanner(sub, flt, so), 0)
	for i := range msgs {
		if err := enc.EncodeWith(ctx, dec, &msgs[i]); err != nil {
			rerr = err
			break
		}
	}
	if err := enc.Flush(); err != nil && rerr == nil {
		rerr = err
	}
	if err := f.Close(); err != nil && rerr == nil {
		rerr = err
	}
	if rerr != nil {
		return 0, fmt.Errorf("export to %s: %w", path, rerr)
	}
	return int64(len(msgs)), nil
}

func (p *triagePage) View(w, h int) string {
	s := p.c.Styles
	r := p.report
	state := "reading… " + plural(r.Scanned, "message")
	if p.done {
		state = plural(r.Scanned, "message") + " read"
	}
	if p.stream.Queue {
		state += " (peeked: they come back redelivered)"
	}
	head := s.DLQBadge.Render(fmt.Sprintf("%s dead letters", groupDigits(r.DeadLetters))) +
		s.Muted.Render(fmt.Sprintf(" in %s  ·  %d groups by %s (tab: by %s)", state, len(r.Groups), p.mode, triage.Modes[(int(p.mode)+1)%len(triage.Modes)]))
	cols := p.columns(w)
	narrow := w < 100
	out := []string{head, s.ColumnHeader.Render(row(cols, titles(cols)...))}
	if p.err != nil {
		out = append(out, s.StatusError.Render("✖ "+render.Sanitize(p.err.Error())))
	} else if len(r.Groups) == 0 && p.done && r.DeadLetterStream {
		out = append(out, s.Muted.Render("  no dead letters: "+render.Sanitize(p.stream.Name)+" holds no message"))
	} else if len(r.Groups) == 0 && p.done {
		out = append(out, s.Muted.Render("  no dead letters: no message of "+render.Sanitize(p.stream.Name)+" carries dead-letter provenance"))
	}
	now := p.c.Now().In(p.c.Location)
	from, to := p.cur.window(len(r.Groups), p.rowsHeight())
	for i := from; i < to; i++ {
		g := r.Groups[i]
		cells := []string{groupDigits(g.Count), fmt.Sprintf("%d%%", g.Count*100/max(r.DeadLetters, 1))}
		if !narrow {
			cells = append(cells, shortTime(g.First.In(p.c.Location), now))
		}
		trendWidth := cols[len(cols)-2].width
		cells = append(cells, shortTime(g.Last.In(p.c.Location), now), render.Sparkline(fold(g.Histogram, trendWidth), trendWidth), render.Sanitize(p.groupName(g)))
		line := row(cols, cells...)
		if i == p.cur.sel {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	for len(out) < h-5 {
		out = append(out, "")
	}
	if p.mode == triage.ByVersion && p.compared != "" {
		out = append(out, s.DLQBadge.Render(render.Sanitize(p.compared)))
	} else if p.mode == triage.ByVersion && p.comparing {
		out = append(out, s.Muted.Render("comparing with the origin's versions…"))
	}
	if line := r.Provenance(); line != "" {
		out = append(out, s.Muted.Render(render.Sanitize(line)))
	}
	if len(r.Groups) > 0 {
		g := r.Groups[p.cur.sel]
		out = append(out, s.Section.Render("Selected")+s.Muted.Render("  "+render.Sanitize(g.Filter)))
		if p.mode == triage.ByFailure {
			out = append(out, s.Label.Render("failure ")+render.Line(g.Reason(), w))
			out = append(out, s.Label.Render("from ")+render.Sanitize(countList(g.Origins))+s.Label.Render("   by ")+render.Sanitize(countList(g.Consumers)))
			out = append(out, s.Label.Render("e.g. ")+render.Preview([]byte(g.Example), w))
		}
	}
	return joinLines(out)
}

// groupName is what the GROUP column shows, with how many of its dead
// letters carry no provenance headers.
func (p *triagePage) groupName(g triage.Group) string {
	name := g.Key
	if p.mode == triage.ByFailure {
		c := g
		c.Class = shortClass(g.Class)
		name = c.Reason()
	}
	r := p.report // its mode may be the last one while a regroup sorts
	r.Mode = p.mode.String()
	if note := r.Note(g); note != "" {
		name += "  (" + note + ")"
	}
	return name
}

// fold sums a histogram into n buckets for a narrower sparkline.
func fold(h []int64, n int) []float64 {
	out := make([]float64, n)
	for i, v := range h {
		out[i*n/max(len(h), 1)] += float64(v)
	}
	return out
}

// shortClass drops a class name's package ("java.net.SocketTimeoutException"
// shows as SocketTimeoutException).
func shortClass(c string) string {
	for i := len(c) - 1; i > 0; i-- {
		if c[i] == '.' {
			return c[i+1:]
		}
	}
	return c
}

func countList(cs []triage.Count) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %s", c.Name, groupDigits(c.Count))
	}
	return out
}

func (p *triagePage) Crumb() string { return p.c.Styles.Crumb.Render("triage") }

func (p *triagePage) Status() string {
	st := ""
	if !p.done && p.err == nil {
		st = fmt.Sprintf("reading %s since %s", render.Sanitize(p.stream.Name), p.c.Now().Sub(p.started).Round(time.Second))
	}
	return p.c.Styles.Status.Render(st)
}

func (p *triagePage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *triagePage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops the read.
func (p *triagePage) Close() {
	p.cancel()
	p.steps.release()
}
