package ui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// refreshEvery is how often the stream list is listed again (counts, rates).
const refreshEvery = 2 * time.Second

// streamsListed carries a listing of a connection's streams.
type streamsListed struct {
	page, req int
	streams   []sources.StreamInfo
	err       error
	at        time.Time
}

func (m streamsListed) pageID() int { return m.page }

// streamsRefreshDue is the refresh timer of a stream list.
type streamsRefreshDue struct{ page int }

func (m streamsRefreshDue) pageID() int { return m.page }

// streamsPage lists a connection's topics or queues.
type streamsPage struct {
	pageBase
	conn    sources.Conn
	streams []sources.StreamInfo
	visible []int // indices into streams after the filter
	cur     cursor
	filter  textinput.Model
	typing  bool
	req     int
	loading bool
	loaded  bool
	err     error
	rates   map[string]float64
	trend   map[string]*history // rate per listing, for the sparkline
	prev    map[string]int64
	prevAt  time.Time
}

func newStreamsPage(c *Common, id int, conn sources.Conn) *streamsPage {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "filter streams"
	ti.CharLimit = 200
	return &streamsPage{pageBase: pageBase{c: c, pid: id}, conn: conn, filter: ti, rates: map[string]float64{}, trend: map[string]*history{}}
}

func (p *streamsPage) Init() tea.Cmd { return p.list() }

// list asks the connection for its streams in a Cmd.
func (p *streamsPage) list() tea.Cmd {
	lister, ok := p.conn.(sources.Lister)
	if !ok {
		p.err = fmt.Errorf("%s cannot list its streams", p.conn.Name())
		return nil
	}
	p.req++
	p.loading = true
	page, req, now := p.pid, p.req, p.c.Now
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
	case streamsRefreshDue:
		if p.loading {
			return nil
		}
		return p.list()
	case tea.WindowSizeMsg:
		p.cur.clamp(len(p.visible), p.rowsHeight())
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *streamsPage) listed(msg streamsListed) tea.Cmd {
	if msg.req != p.req {
		return nil
	}
	p.loading = false
	next := tea.Tick(refreshEvery, func(time.Time) tea.Msg { return streamsRefreshDue{p.pid} })
	if msg.err != nil {
		p.err = msg.err
		return tea.Batch(next, setError(msg.err))
	}
	p.err = nil
	if !p.prevAt.IsZero() {
		if dt := msg.at.Sub(p.prevAt).Seconds(); dt > 0 {
			for _, s := range msg.streams {
				if before, ok := p.prev[s.Name]; ok {
					p.rates[s.Name] = float64(max(s.High-before, 0)) / dt
				}
			}
		}
	}
	for _, st := range msg.streams {
		h := p.trend[st.Name]
		if h == nil {
			h = &history{n: 24}
			p.trend[st.Name] = h
		}
		if st.RateKnown || !p.prevAt.IsZero() {
			h.add(p.streamRate(st))
		}
	}
	p.prev = make(map[string]int64, len(msg.streams))
	for _, s := range msg.streams {
		p.prev[s.Name] = s.High
	}
	p.prevAt = msg.at
	selected := p.selectedName()
	p.streams, p.loaded = msg.streams, true
	p.applyFilter(selected)
	return next
}

// applyFilter recomputes the visible rows and keeps the named stream selected.
func (p *streamsPage) applyFilter(keep string) {
	pattern := p.filter.Value()
	p.visible = p.visible[:0]
	scores := map[int]int{}
	for i, s := range p.streams {
		if sc := fuzzyScore(pattern, s.Name); sc >= 0 {
			p.visible = append(p.visible, i)
			scores[i] = sc
		}
	}
	if pattern != "" {
		sort.SliceStable(p.visible, func(a, b int) bool { return scores[p.visible[a]] > scores[p.visible[b]] })
	}
	if keep != "" {
		for i, idx := range p.visible {
			if p.streams[idx].Name == keep {
				p.cur.sel = i
			}
		}
	}
	p.cur.clamp(len(p.visible), p.rowsHeight())
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
	if p.cur.move(msg, k, len(p.visible), p.rowsHeight()) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter): // a new search, as in less and vim
		p.typing = true
		p.filter.SetValue("")
		p.applyFilter(p.selectedName())
		return p.filter.Focus()
	case key.Matches(msg, k.Refresh):
		return p.list()
	case key.Matches(msg, k.Groups):
		l, ok := p.conn.(sources.GroupLister)
		if !ok {
			return setStatus(p.conn.Name() + " has no consumer groups to show")
		}
		return push(newGroupsPage(p.c, p.conn, l))
	case key.Matches(msg, k.Open):
		if len(p.visible) == 0 {
			return nil
		}
		return push(newMessagesPage(p.c, p.conn, p.streams[p.visible[p.cur.sel]]))
	case key.Matches(msg, k.Triage):
		if len(p.visible) == 0 {
			return nil
		}
		return push(newTriagePage(p.c, p.conn, p.streams[p.visible[p.cur.sel]]))
	case key.Matches(msg, k.Versions):
		if len(p.visible) == 0 {
			return nil
		}
		return push(newVersionsPage(p.c, p.conn, p.streams[p.visible[p.cur.sel]]))
	case key.Matches(msg, k.Health):
		if len(p.visible) == 0 {
			return nil
		}
		return push(newHealthPage(p.c, p.conn, p.streams[p.visible[p.cur.sel]]))
	case msg.Type == tea.KeyEsc && p.filter.Value() != "":
		p.filter.SetValue("")
		p.applyFilter("")
	}
	return nil
}

// Capturing is true while the filter is typed into.
func (p *streamsPage) Capturing() bool { return p.typing }

func (p *streamsPage) columns(w int) []column {
	trend, badge := 12, 18
	if w < 100 { // 80 columns: keep room for the names
		trend, badge = 6, 14
	}
	return layout([]column{
		{title: "STREAM", width: 16, flex: true},
		{title: "TYPE", width: 8},
		{title: "PARTS", width: 5, right: true},
		{title: "MESSAGES", width: 9, right: true},
		{title: "RATE", width: 7, right: true},
		{title: "TREND", width: trend},
		{title: "", width: badge},
	}, w)
}

// streamRate is the broker's own rate when it gives one, else the rate
// measured between two listings.
func (p *streamsPage) streamRate(st sources.StreamInfo) float64 {
	if st.RateKnown {
		return st.Rate
	}
	return p.rates[st.Name]
}

func (p *streamsPage) sparkOf(name string, width int) string {
	if h := p.trend[name]; h != nil {
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
		out = append(out, s.Muted.Render(fmt.Sprintf("%d streams on %s (%s %s)", len(p.streams), p.conn.Name(), p.conn.Kind(), p.conn.Address())))
	}
	cols := p.columns(w)
	out = append(out, s.ColumnHeader.Render(row(cols, titles(cols)...)))
	if p.loaded && len(p.visible) == 0 {
		out = append(out, s.Muted.Render("  no stream matches"))
	}
	from, to := p.cur.window(len(p.visible), h-2)
	for i := from; i < to; i++ {
		st := p.streams[p.visible[i]]
		badge := ""
		if st.DeadLetter {
			badge = "DLQ"
			if st.DeadLetterFor != "" {
				badge += " → " + st.DeadLetterFor
			}
		}
		parts, count := "—", "—"
		if len(st.Partitions) > 0 {
			parts = strconv.Itoa(len(st.Partitions))
		}
		if st.Messages >= 0 {
			count = groupDigits(st.Messages)
		}
		cells := []string{render.Sanitize(st.Name), render.Sanitize(st.Kind), parts, count, rate(p.streamRate(st)), p.sparkOf(st.Name, cols[5].width), render.Sanitize(badge)}
		if i == p.cur.sel {
			out = append(out, s.Selected.Render(row(cols, cells...)))
			continue
		}
		line := row(cols[:6], cells[:6]...)
		if badge != "" {
			line += " " + s.DLQBadge.Render(cell(cells[6], cols[6].width, false))
		}
		out = append(out, line)
	}
	return joinLines(out)
}

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
	var total float64
	for _, st := range p.streams {
		if st.Kind != "exchange" { // an exchange's rate is already counted by its queues
			total += p.streamRate(st)
		}
	}
	return p.c.Styles.Status.Render(fmt.Sprintf("%s  %d streams  %s in", p.conn.Address(), len(p.streams), rate(total)))
}

func (p *streamsPage) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Open, k.Filter, k.Groups, k.Triage, k.Health, k.Refresh}
}

func (p *streamsPage) FullHelp() [][]key.Binding {
	k := p.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Open, k.Filter, k.Groups, k.Triage, k.Versions, k.Health, k.Refresh}}
}

func (p *streamsPage) Close() {}
