package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// refreshEvery is how often the stream list is listed again (counts, rates),
// counted from the end of the last listing.
const refreshEvery = 2 * time.Second

// countBatch is about how many partitions one count of a Counter's streams
// asks for: the streams on screen first, then the rest, one batch at a time
// behind the list.
const countBatch = 5000

// countsInFlight is how many count batches are asked for at a time.
const countsInFlight = 2

// A list of bigList streams or more is listed again (its names) every
// namesEvery only, or on r; its counts are refreshed every refreshEvery
// from the names it has.
const (
	bigList    = 1000
	namesEvery = 30 * time.Second
)

// streamsListed carries a listing of a connection's streams.
type streamsListed struct {
	page, req int
	streams   []sources.StreamInfo
	err       error
	at        time.Time
}

func (m streamsListed) pageID() int { return m.page }

// streamsNamed carries the names of a Counter's streams (no counts yet).
type streamsNamed struct {
	page, req int
	streams   []sources.StreamInfo
	err       error
}

func (m streamsNamed) pageID() int { return m.page }

// streamsCounted carries the counts of a batch of a Counter's streams.
type streamsCounted struct {
	page, req int
	asked     []string // the names asked for: a stream deleted since it was listed has no count
	streams   []sources.StreamInfo
	err       error
	at        time.Time
}

func (m streamsCounted) pageID() int { return m.page }

// streamsRefreshDue is the refresh timer of a stream list.
type streamsRefreshDue struct{ page int }

func (m streamsRefreshDue) pageID() int { return m.page }

// streamRow is what the page keeps of one stream besides its info.
type streamRow struct {
	lower    string // the name in lower case, for the filter
	counted  bool   // the info's counts are known
	pass     int    // the counting pass that last asked for its counts
	rate     float64
	prevHigh int64 // High at prevAt, for the rate
	prevAt   time.Time
	trend    *history // rate per count, for the sparkline
}

// streamsPage lists a connection's topics or queues. With a Counter the
// names come first and the counts fill in behind them, in batches, the
// rows on screen first; every step is a Cmd, so keys are answered while
// counts load.
type streamsPage struct {
	pageBase
	conn    sources.Conn
	streams []sources.StreamInfo
	rows    []streamRow // parallel to streams
	index   map[string]int
	visible []int // indices into streams after the filter
	cur     cursor
	filter  textinput.Model
	typing  bool
	req     int
	loading bool
	loaded  bool
	err     error
	// matched is the filter pattern visible was computed for; stale says
	// the rows changed since.
	matched string
	stale   bool
	scored  []scoredRow // the filter's scratch
	// pass counts the counting passes; uncounted is how many rows have
	// no counts yet, scan where the pass looks for rows to count next.
	pass, uncounted, scan int
	inflight              int       // count batches asked for and not answered
	failed                bool      // a batch failed: the pass asks for no more
	total                 float64   // the streams' summed rate, for the status line
	namedAt               time.Time // when a Counter's names were last listed
	sort                  tableSort
	clicks                clickTracker
	shape                 listShape // which columns the streams fill
	// publish is the open publish confirmation (nil: none).
	publish *publishDialog
}

func newStreamsPage(c *Common, id int, conn sources.Conn) *streamsPage {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "filter streams"
	ti.CharLimit = 200
	return &streamsPage{pageBase: pageBase{c: c, pid: id}, conn: conn, filter: ti, index: map[string]int{}}
}

func (p *streamsPage) Init() tea.Cmd { return p.list() }

// list asks the connection for its streams in a Cmd: a Counter for the
// names only (the counts follow in countNext), another Lister for all.
func (p *streamsPage) list() tea.Cmd {
	lister, ok := p.conn.(sources.Lister)
	if !ok {
		p.err = fmt.Errorf("%s cannot list its streams", p.conn.Name())
		return nil
	}
	p.req++
	p.loading = true
	page, req, now := p.pid, p.req, p.c.Now
	if counter, ok := lister.(sources.Counter); ok {
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			s, err := counter.ListNames(ctx)
			return streamsNamed{page: page, req: req, streams: s, err: err}
		}
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s, err := lister.ListStreams(ctx)
		return streamsListed{page: page, req: req, streams: s, err: err, at: now()}
	}
}

func (p *streamsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case streamsListed:
		return p.listed(msg)
	case streamsNamed:
		return p.named(msg)
	case streamsCounted:
		return p.counted(msg)
	case streamsRefreshDue:
		if p.loading {
			return nil
		}
		if _, ok := p.conn.(sources.Counter); ok && len(p.streams) >= bigList && p.c.Now().Sub(p.namedAt) < namesEvery {
			return p.startPass() // counts only, from the names listed
		}
		return p.list()
	case tea.WindowSizeMsg:
		p.cur.clamp(len(p.visible), p.rowsHeight())
	case tea.KeyMsg:
		return p.key(msg)
	case tea.MouseMsg:
		return p.mouse(msg)
	case publishRead:
		if msg.err != nil {
			return setError(msg.err)
		}
		st, ok := p.streamNamed(msg.stream)
		if !ok {
			return setError(fmt.Errorf("%s is no longer listed: nothing published", render.Sanitize(msg.stream)))
		}
		p.publish = newPublishDialog(p.c, p.conn, p.pid, st, msg.msg)
	case publishDone:
		if d := p.publish; d != nil {
			p.publish = nil
			return d.done(msg)
		}
	case publishFileWritten, publishEditorClosed:
		return editPublish(msg)
	}
	return nil
}

// streamNamed is the listed stream named name.
func (p *streamsPage) streamNamed(name string) (sources.StreamInfo, bool) {
	if i, ok := p.index[name]; ok && i < len(p.streams) {
		return p.streams[i], true
	}
	return sources.StreamInfo{}, false
}

// startPublish opens the editor on a new message for the selected stream.
func (p *streamsPage) startPublish() tea.Cmd {
	if len(p.visible) == 0 {
		return nil
	}
	return beginPublish(p.conn, p.streams[p.visible[p.cur.sel]], p.pid, nil)
}

// mouse scrolls, selects, opens (a double click) and sorts (a click on
// a title).
func (p *streamsPage) mouse(msg tea.MouseMsg) tea.Cmd {
	if p.Capturing() {
		return nil
	}
	cols := p.columns(p.c.Width)
	srt := p.sort
	t := tableMouse{cur: &p.cur, sort: &srt, clicks: &p.clicks, cols: cols, n: len(p.visible), height: p.rowsHeight(), now: p.c.Now()}
	switch t.handle(msg) {
	case mouseSorted:
		p.sortBy(func(s *tableSort) bool { *s = srt; return true })
	case mouseOpen:
		return p.open()
	}
	return nil
}

// open lists the selected stream's messages.
func (p *streamsPage) open() tea.Cmd {
	if len(p.visible) == 0 {
		return nil
	}
	return push(newMessagesPage(p.c, p.conn, p.streams[p.visible[p.cur.sel]]))
}

// refreshLater ends a listing: the next one is due in refreshEvery.
func (p *streamsPage) refreshLater() tea.Cmd {
	p.loading = false
	page := p.pid
	return tea.Tick(refreshEvery, func(time.Time) tea.Msg { return streamsRefreshDue{page} })
}

// listed takes a whole listing (names and counts at once).
func (p *streamsPage) listed(msg streamsListed) tea.Cmd {
	if msg.req != p.req {
		return nil
	}
	next := p.refreshLater()
	if msg.err != nil {
		p.err = msg.err
		return tea.Batch(next, setError(msg.err))
	}
	p.err = nil
	p.setStreams(msg.streams)
	p.pass++
	p.applyCounts(msg.streams, msg.at)
	return next
}

// named takes a Counter's names and starts counting them.
func (p *streamsPage) named(msg streamsNamed) tea.Cmd {
	if msg.req != p.req {
		return nil
	}
	if msg.err != nil {
		p.err = msg.err
		return tea.Batch(p.refreshLater(), setError(msg.err))
	}
	p.err = nil
	p.setStreams(msg.streams)
	p.namedAt = p.c.Now()
	return p.startPass()
}

// startPass starts counting every stream again, countsInFlight batches at
// a time.
func (p *streamsPage) startPass() tea.Cmd {
	p.pass, p.scan, p.inflight, p.failed, p.loading = p.pass+1, 0, 0, false, true
	var cmds []tea.Cmd
	for range countsInFlight {
		cmd := p.countNext()
		if cmd == nil {
			break
		}
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// counted takes the counts of one batch and asks for the next.
func (p *streamsPage) counted(msg streamsCounted) tea.Cmd {
	if msg.req != p.req {
		return nil
	}
	p.inflight--
	if msg.err != nil {
		p.err, p.failed = msg.err, true // no more batches this pass
		return tea.Batch(p.countNext(), setError(msg.err))
	}
	p.applyCounts(msg.streams, msg.at)
	if len(msg.streams) < len(msg.asked) {
		p.gone(msg.asked)
	}
	return p.countNext()
}

// gone marks the streams asked for that are still uncounted as counted
// without counts: they were deleted since the listing, which the next one
// shows.
func (p *streamsPage) gone(asked []string) {
	for _, name := range asked {
		if i, ok := p.index[name]; ok && !p.rows[i].counted {
			p.rows[i].counted = true
			p.uncounted--
		}
	}
}

// countNext asks, in a Cmd, for the counts of the next batch of streams
// this pass has not asked for: those on screen first, then the others in
// list order. When none is left and no batch is out, the pass ends.
func (p *streamsPage) countNext() tea.Cmd {
	counter, ok := p.conn.(sources.Counter)
	if !ok {
		return p.refreshLater()
	}
	if p.failed {
		return p.passDone()
	}
	var names []string
	parts := 0
	take := func(i int) bool {
		if r := &p.rows[i]; r.pass != p.pass {
			r.pass = p.pass
			names = append(names, p.streams[i].Name)
			parts += max(len(p.streams[i].Partitions), 1)
		}
		return parts < countBatch
	}
	from, to := p.cur.window(len(p.visible), p.rowsHeight())
	for _, i := range p.visible[from:to] {
		if !take(i) {
			break
		}
	}
	for ; p.scan < len(p.rows) && parts < countBatch; p.scan++ {
		take(p.scan)
	}
	if len(names) == 0 {
		return p.passDone()
	}
	p.inflight++
	page, req, now := p.pid, p.req, p.c.Now
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s, err := counter.CountStreams(ctx, names)
		return streamsCounted{page: page, req: req, asked: names, streams: s, err: err, at: now()}
	}
}

// passDone ends the pass once no batch is out.
func (p *streamsPage) passDone() tea.Cmd {
	if p.inflight > 0 || !p.loading {
		return nil
	}
	return p.refreshLater()
}

// setStreams takes a new list of streams (sorted as the connection lists
// them). A stream listed before keeps its counts, rate and trend until it
// is counted again; the selected stream stays selected.
func (p *streamsPage) setStreams(list []sources.StreamInfo) {
	selected := p.selectedName()
	same := len(list) == len(p.streams)
	for i := 0; same && i < len(list); i++ {
		same = list[i].Name == p.streams[i].Name
	}
	rows, index := p.rows, p.index
	if !same { // topics came or went: rows follow their names
		rows, index = make([]streamRow, len(list)), make(map[string]int, len(list))
		for i := range list {
			if old, ok := p.index[list[i].Name]; ok && old < len(p.rows) {
				rows[i] = p.rows[old]
			} else {
				rows[i] = streamRow{lower: strings.ToLower(list[i].Name), counted: list[i].Messages >= 0, trend: &history{n: 24}}
			}
			index[list[i].Name] = i
		}
	}
	p.uncounted = 0
	for i := range list {
		st := &list[i]
		if rows[i].counted && st.Messages < 0 { // keep the counts until the stream is counted again
			was := p.streams[p.index[st.Name]]
			st.Messages, st.High = was.Messages, was.High
			if len(was.Partitions) == len(st.Partitions) {
				st.Partitions = was.Partitions
			}
		}
		if !rows[i].counted {
			p.uncounted++
		}
	}
	p.streams, p.rows, p.index, p.loaded = list, rows, index, true
	p.shape = shapeOf(list)
	if !same {
		p.stale = true // filter every row again
	}
	p.applyFilter(selected)
	p.sumRates()
}

// applyCounts takes the counts of some streams, measured at at: the rate
// of each is its High's growth since its last count.
func (p *streamsPage) applyCounts(list []sources.StreamInfo, at time.Time) {
	for _, st := range list {
		i, ok := p.index[st.Name]
		if !ok {
			continue
		}
		r := &p.rows[i]
		if st.RateKnown {
			r.rate = st.Rate
		} else if !r.prevAt.IsZero() {
			if dt := at.Sub(r.prevAt).Seconds(); dt > 0 {
				r.rate = float64(max(st.High-r.prevHigh, 0)) / dt
			}
		}
		if st.RateKnown || !r.prevAt.IsZero() {
			r.trend.add(r.rate)
		}
		r.prevHigh, r.prevAt = st.High, at
		if !r.counted {
			r.counted = true
			p.uncounted--
		}
		info := &p.streams[i] // a count carries no dead-letter flags: keep the listing's
		info.Partitions, info.Messages, info.High, info.Rate, info.RateKnown = st.Partitions, st.Messages, st.High, st.Rate, st.RateKnown
	}
	p.sumRates()
	if p.sort.by != "" && len(list) > 0 { // new counts, a new order
		p.resort(p.selectedName())
	}
}

// sumRates adds up the streams' rates for the status line.
func (p *streamsPage) sumRates() {
	p.total = 0
	for i, st := range p.streams {
		if !st.Tap { // a tap's rate is already counted by its queues
			p.total += p.rows[i].rate
		}
	}
}

// applyFilter recomputes the visible rows and keeps the named stream
// selected. A pattern that extends the last one looks only at the rows
// the last one matched.
func (p *streamsPage) applyFilter(keep string) {
	pattern := p.filter.Value()
	if pattern == "" {
		p.visible = p.visible[:0]
		for i := range p.streams {
			p.visible = append(p.visible, i)
		}
	} else {
		all := p.stale || p.matched == "" || !strings.HasPrefix(pattern, p.matched)
		p.scored = fuzzyRows(pattern, p.rows, p.streams, p.visible, all, p.scored[:0])
		p.visible = p.visible[:0]
		for _, r := range p.scored {
			p.visible = append(p.visible, r.index)
		}
	}
	p.matched, p.stale = pattern, false
	p.resort(keep)
}

// resort orders the visible rows by the sort (stably: rows alike keep the
// listing's or the filter's order) and keeps the named stream selected.
func (p *streamsPage) resort(keep string) {
	if p.filter.Value() == "" { // from the listing's order: ties keep it
		p.visible = p.visible[:0]
		for i := range p.streams {
			p.visible = append(p.visible, i)
		}
	}
	sortRows(p.sort, p.visible, func(i *int, title string) sortKey { return p.sortKey(*i, title) })
	if keep != "" {
		for i, idx := range p.visible {
			if p.streams[idx].Name == keep {
				p.cur.sel = i
			}
		}
	}
	p.cur.clamp(len(p.visible), p.rowsHeight())
}

// sortBy changes the sort with change (a digit, a click on a title),
// the selected stream staying selected.
func (p *streamsPage) sortBy(change func(*tableSort) bool) {
	keep := p.selectedName()
	if change(&p.sort) {
		p.stale = true
		p.applyFilter(keep) // from the listing's (or the filter's) order: ties keep it
	}
}

// notice is what the connection says it cannot do, if anything.
func (p *streamsPage) notice() string {
	if n, ok := p.conn.(sources.Noticer); ok {
		return n.Notice()
	}
	return ""
}

// selectedName is the name of the selected stream ("" when none).
func (p *streamsPage) selectedName() string {
	if !p.loaded || len(p.visible) == 0 {
		return ""
	}
	return p.streams[p.visible[p.cur.sel]].Name
}

func (p *streamsPage) rowsHeight() int { return max(p.c.Height-3-2, 1) }

func (p *streamsPage) key(msg tea.KeyMsg) tea.Cmd {
	k := p.c.Keys
	if p.publish != nil {
		cmd, closed := p.publish.update(msg)
		if closed {
			p.publish = nil
		}
		return cmd
	}
	if p.typing {
		switch msg.Type {
		case tea.KeyEnter:
			p.typing = false
			p.filter.Blur()
			return nil
		case tea.KeyEsc:
			p.typing = false
			p.filter.Blur()
			p.filter.SetValue("")
			p.applyFilter("")
			return nil
		case tea.KeyUp, tea.KeyDown:
			p.cur.move(msg, k, len(p.visible), p.rowsHeight())
			return nil
		}
		var cmd tea.Cmd
		p.filter, cmd = p.filter.Update(msg)
		p.cur.sel = 0
		p.applyFilter("")
		return cmd
	}
	return p.actions().run(msg)
}

// actions is what the stream list does on a key.
func (p *streamsPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.visible), p.rowsHeight()); return nil }
	selected := func(open func(sources.StreamInfo) page) func(tea.KeyMsg) tea.Cmd {
		return do(func() tea.Cmd {
			if len(p.visible) == 0 {
				return nil
			}
			return push(open(p.streams[p.visible[p.cur.sel]]))
		})
	}
	_, hasGroups := p.conn.(sources.GroupLister)
	_, publishes := p.conn.(sources.Publisher)
	t := newActions(p.c, p.conn,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: k.Open, line: 1, run: do(p.open)},
			{bind: k.Filter, line: 2, run: do(func() tea.Cmd { // a new search, as in less and vim
				p.typing = true
				p.filter.SetValue("")
				p.applyFilter(p.selectedName())
				return p.filter.Focus()
			})},
			{bind: k.Sort, run: func(msg tea.KeyMsg) tea.Cmd {
				cols := p.columns(p.c.Width)
				p.sortBy(func(s *tableSort) bool { return s.digit(msg, cols) })
				return nil
			}},
			{bind: k.Groups, line: 3, needs: func() bool { return hasGroups }, run: do(func() tea.Cmd {
				return push(newGroupsPage(p.c, p.conn, p.conn.(sources.GroupLister)))
			})},
			{bind: k.Triage, line: 4, run: selected(func(st sources.StreamInfo) page { return newTriagePage(p.c, p.conn, st) })},
			{bind: k.Versions, needs: func() bool { return p.c.carriesSchemas(p.conn) }, run: selected(func(st sources.StreamInfo) page {
				return newVersionsPage(p.c, p.conn, st, sources.Start{Kind: sources.StartOldest}, nil)
			})},
			{bind: k.Health, line: 5, run: selected(func(st sources.StreamInfo) page { return newHealthPage(p.c, p.conn, st) })},
			{bind: k.Refresh, line: 6, run: do(p.list)},
			{bind: k.Publish, writes: true, needs: func() bool { return publishes && len(p.visible) > 0 }, run: do(p.startPublish)},
			{bind: key.NewBinding(key.WithKeys("esc")), unlisted: true, needs: func() bool { return p.filter.Value() != "" }, run: do(func() tea.Cmd {
				p.filter.SetValue("")
				p.applyFilter("")
				return nil
			})},
		})
	t.back = false // the session may start here: the key line keeps to the list's own keys
	return t
}

// Capturing is true while the filter is typed into or the publish
// confirmation is open.
func (p *streamsPage) Capturing() bool { return p.typing || p.publish != nil }

func (p *streamsPage) sparkOf(i, width int) string {
	if h := p.rows[i].trend; h != nil {
		return render.Sparkline(h.values, width)
	}
	return ""
}

func (p *streamsPage) View(w, h int) string {
	s := p.c.Styles
	var out []string
	switch {
	case p.typing || p.filter.Value() != "":
		out = append(out, p.filter.View())
	case p.err != nil && !p.loaded:
		out = append(out, s.StatusError.Render("✖ "+render.Sanitize(p.err.Error())))
	case !p.loaded:
		out = append(out, s.Muted.Render("listing streams of "+p.conn.Name()+"…"))
	case p.notice() != "":
		out = append(out, s.Warn.Render("⚠ "+p.notice()))
	default:
		out = append(out, s.Muted.Render(fmt.Sprintf("%s on %s (%s %s)", plural(len(p.streams), "stream"), p.conn.Name(), p.conn.Kind(), p.conn.Address())))
	}
	cols := p.columns(w)
	out = append(out, s.ColumnHeader.Render(row(cols, titles(cols)...)))
	if p.loaded && len(p.visible) == 0 {
		out = append(out, s.Muted.Render("  no stream matches"))
	}
	var info []string
	if h >= 10 { // a short screen keeps its lines for the list
		info = p.selectedInfo(w)
	}
	rows := h - 2 - len(info)
	from, to := p.cur.window(len(p.visible), rows)
	last := len(cols) - 1 // the badge
	for i := from; i < to; i++ {
		at := p.visible[i]
		cells := p.cells(at, cols)
		if i == p.cur.sel {
			out = append(out, s.Selected.Render(row(cols, cells...)))
			continue
		}
		line := row(cols[:last], cells[:last]...)
		if cells[last] != "" {
			line += " " + s.DLQBadge.Render(cell(cells[last], cols[last].width, false))
		}
		out = append(out, line)
	}
	if len(info) > 0 {
		for len(out) < h-len(info) {
			out = append(out, "")
		}
		for _, l := range info {
			out = append(out, s.Muted.Render(l))
		}
	}
	if p.publish != nil {
		return overlay(joinLines(out), p.publish.view(w, h), w, h)
	}
	return joinLines(out)
}

// selectedInfo is the selected stream's further facts (sources.StreamInfo
// Info: a Redis stream's first and last entry and groups, a NATS stream's
// consumers, a queue's arguments) wrapped to width w on at most
// infoLines lines, the last cut with "…"; nil when it has none.
func (p *streamsPage) selectedInfo(w int) []string {
	if p.cur.sel < 0 || p.cur.sel >= len(p.visible) || w < 20 {
		return nil
	}
	st := p.streams[p.visible[p.cur.sel]]
	if len(st.Info) == 0 {
		return nil
	}
	parts := make([]string, len(st.Info))
	for i, f := range st.Info {
		parts[i] = f.Name + ": " + f.Value
	}
	text := render.Line(st.Name+" · "+strings.Join(parts, " · "), w*infoLines)
	var out []string
	for text != "" && len(out) < infoLines {
		line := ansi.Truncate(text, w, "")
		out = append(out, line)
		text = text[len(line):]
	}
	return out
}

// infoLines is how many lines the selected stream's facts may take.
const infoLines = 3

func (p *streamsPage) Crumb() string { return connCrumb(p.c, p.conn) }

// connCrumb names a connection in the header: in its colour (a production
// cluster in red), with its kind, and "read-only" when it refuses writes.
func connCrumb(c *Common, conn sources.Conn) string {
	name := c.Styles.HeaderConn.Render(conn.Name())
	if col := c.ConnColors[conn.Name()]; col != "" {
		name = lipgloss.NewStyle().Bold(true).Background(lipgloss.Color(colorCode(col))).Foreground(lipgloss.Color("#ffffff")).Render(" " + conn.Name() + " ")
	}
	out := name + c.Styles.Muted.Render(" ("+conn.Kind()+")")
	if c.writeRefused(conn) != nil {
		out += c.Styles.Muted.Render(" read-only")
	}
	return out
}

// colorCode turns a colour name of the config into a terminal colour.
func colorCode(name string) string {
	switch name {
	case "red":
		return "#d70000"
	case "yellow":
		return "#af8700"
	case "green":
		return "#00875f"
	case "blue":
		return "#005fd7"
	case "magenta":
		return "#8700af"
	case "cyan":
		return "#008787"
	case "orange":
		return "#d75f00"
	case "gray":
		return "#616a6b"
	case "white":
		return "#7f8c8d"
	}
	return name // #rrggbb
}

func (p *streamsPage) Status() string {
	if !p.loaded {
		return ""
	}
	line := fmt.Sprintf("%s  %s  %s in", p.conn.Address(), plural(len(p.streams), "stream"), rate(p.total))
	if p.uncounted > 0 {
		line += fmt.Sprintf("  counting %s of %s", groupDigits(int64(len(p.streams)-p.uncounted)), groupDigits(int64(len(p.streams))))
	}
	return p.c.Styles.Status.Render(line)
}

func (p *streamsPage) ShortHelp() []key.Binding {
	if p.typing {
		return promptKeys(false)
	}
	return p.actions().keyLine()
}

func (p *streamsPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

func (p *streamsPage) Close() {}
