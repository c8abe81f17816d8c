package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// groupsListed carries a listing of consumer groups.
type groupsListed struct {
	page   int
	groups []sources.GroupInfo
	err    error
}

func (m groupsListed) pageID() int { return m.page }

// groupDescribed carries one group in full.
type groupDescribed struct {
	page int
	d    sources.GroupDetail
	err  error
}

func (m groupDescribed) pageID() int { return m.page }

// groupsRefreshDue is the refresh timer of the group pages.
type groupsRefreshDue struct{ page int }

func (m groupsRefreshDue) pageID() int { return m.page }

// groupsPage lists a connection's consumer groups with their lag. The
// groups mqscope made itself (a redrive's progress) are left out unless
// asked for.
type groupsPage struct {
	pageBase
	conn     sources.Conn
	lister   sources.GroupLister
	groups   []sources.GroupInfo // as listed
	shown    []sources.GroupInfo // filtered and sorted
	internal bool                // show mqscope's own groups too
	hidden   int                 // internal groups left out
	cur      cursor
	sort     tableSort
	clicks   clickTracker
	loaded   bool
	loading  bool
	err      error
}

func newGroupsPage(c *Common, conn sources.Conn, l sources.GroupLister) *groupsPage {
	return &groupsPage{pageBase: pageBase{c: c}, conn: conn, lister: l}
}

func (p *groupsPage) Init() tea.Cmd { return p.list() }

func (p *groupsPage) list() tea.Cmd {
	p.loading = true
	l, page := p.lister, p.pid
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		gs, err := l.ListGroups(ctx)
		return groupsListed{page: page, groups: gs, err: err}
	}
}

func (p *groupsPage) rowsHeight() int { return max(p.c.Height-5, 1) }

func (p *groupsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case groupsListed:
		p.loading, p.loaded = false, true
		next := tea.Tick(refreshEvery, func(time.Time) tea.Msg { return groupsRefreshDue{p.pid} })
		if msg.err != nil {
			p.err = msg.err
			return tea.Batch(next, setError(msg.err))
		}
		p.err, p.groups = nil, msg.groups
		p.reshow()
		return next
	case groupsRefreshDue:
		if !p.loading {
			return p.list()
		}
	case tea.MouseMsg:
		srt := p.sort
		t := tableMouse{cur: &p.cur, sort: &srt, clicks: &p.clicks, cols: p.columns(p.c.Width), n: len(p.shown), height: p.rowsHeight(), now: p.c.Now()}
		switch t.handle(msg) {
		case mouseSorted:
			p.sort = srt
			p.reshow()
		case mouseOpen:
			return p.open()
		}
	case tea.KeyMsg:
		return p.actions().run(msg)
	}
	return nil
}

// actions is what the consumer group list does on a key.
func (p *groupsPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.shown), p.rowsHeight()); return nil }
	return newActions(p.c, p.conn,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: k.Open, line: 1, run: do(p.open)},
			{bind: k.Sort, run: func(msg tea.KeyMsg) tea.Cmd {
				p.sort.digit(msg, p.columns(p.c.Width))
				p.reshow()
				return nil
			}},
			{bind: p.internalKey(), line: 2, run: do(func() tea.Cmd { p.internal = !p.internal; p.reshow(); return nil })},
			{bind: k.Refresh, line: 3, run: do(p.list)},
		})
}

// open shows the selected group.
func (p *groupsPage) open() tea.Cmd {
	if len(p.shown) == 0 {
		return nil
	}
	return push(newGroupPage(p.c, p.conn, p.lister, p.shown[p.cur.sel].Name))
}

// reshow filters and sorts the groups listed again, the selected group
// staying selected.
func (p *groupsPage) reshow() {
	keep := ""
	if p.cur.sel < len(p.shown) {
		keep = p.shown[p.cur.sel].Name
	}
	p.shown, p.hidden = p.shown[:0], 0
	for _, g := range p.groups {
		if !p.internal && g.Internal {
			p.hidden++
			continue
		}
		p.shown = append(p.shown, g)
	}
	sortRows(p.sort, p.shown, groupKey)
	for i, g := range p.shown {
		if g.Name == keep {
			p.cur.sel = i
		}
	}
	p.cur.clamp(len(p.shown), p.rowsHeight())
}

// groupKey is what a group sorts by in the column title.
func groupKey(g *sources.GroupInfo, title string) sortKey {
	switch title {
	case "GROUP":
		return textKey(g.Name)
	case "STATE":
		return textKey(g.State)
	case "MEMBERS":
		return numKey(g.Members)
	case "LAG":
		return numKey(g.Lag)
	case "TOPICS":
		return textKey(strings.Join(g.Topics, ", "))
	}
	return noKey
}

func (p *groupsPage) columns(w int) []column {
	return layout(p.sort.decorate([]column{{title: "GROUP", width: 20, flex: true}, {title: "STATE", width: 12}, {title: "MEMBERS", width: 7, right: true, numeric: true},
		{title: "LAG", width: 10, right: true, numeric: true}, {title: "TOPICS", width: 20, flex: true}}), w)
}

func (p *groupsPage) View(w, h int) string {
	s := p.c.Styles
	cols := p.columns(w)
	line := fmt.Sprintf("%d consumer groups on %s (read only: mqscope never joins or commits)", len(p.shown), p.conn.Name())
	if p.hidden > 0 {
		line += fmt.Sprintf("  %d internal hidden", p.hidden)
	}
	head := s.Muted.Render(line)
	if !p.loaded {
		head = s.Muted.Render("listing consumer groups…")
	}
	out := []string{head, s.ColumnHeader.Render(row(cols, titles(cols)...))}
	from, to := p.cur.window(len(p.shown), h-2)
	for i := from; i < to; i++ {
		g := p.shown[i]
		line := row(cols, render.Sanitize(g.Name), render.Sanitize(g.State), strconv.Itoa(g.Members), groupDigits(g.Lag), render.Sanitize(strings.Join(g.Topics, ", ")))
		if i == p.cur.sel {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	return joinLines(out)
}

func (p *groupsPage) Crumb() string  { return "consumer groups" }
func (p *groupsPage) Status() string { return "" }

// internalKey is the toggle of mqscope's own groups, saying how many are
// hidden.
func (p *groupsPage) internalKey() key.Binding {
	b := p.c.Keys.Internal
	switch {
	case p.internal:
		b.SetHelp(b.Help().Key, "hide internal")
	case p.hidden > 0:
		b.SetHelp(b.Help().Key, fmt.Sprintf("%d internal hidden", p.hidden))
	}
	return b
}

func (p *groupsPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *groupsPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }
func (p *groupsPage) Close()                    {}

// groupPage shows one group: members and lag per partition. Opening a row
// reads the topic from the group's committed offsets.
type groupPage struct {
	pageBase
	conn    sources.Conn
	lister  sources.GroupLister
	name    string
	d       sources.GroupDetail // its offsets sorted
	cur     cursor
	sort    tableSort
	clicks  clickTracker
	loaded  bool
	loading bool
}

func newGroupPage(c *Common, conn sources.Conn, l sources.GroupLister, name string) *groupPage {
	return &groupPage{pageBase: pageBase{c: c}, conn: conn, lister: l, name: name}
}

func (p *groupPage) Init() tea.Cmd { return p.describe() }

func (p *groupPage) describe() tea.Cmd {
	p.loading = true
	l, page, name := p.lister, p.pid, p.name
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		d, err := l.DescribeGroup(ctx, name)
		return groupDescribed{page: page, d: d, err: err}
	}
}

func (p *groupPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case groupDescribed:
		p.loading, p.loaded = false, true
		next := tea.Tick(refreshEvery, func(time.Time) tea.Msg { return groupsRefreshDue{p.pid} })
		if msg.err != nil {
			return tea.Batch(next, setError(msg.err))
		}
		keep := p.selected()
		p.d = msg.d
		p.resort(keep)
		return next
	case groupsRefreshDue:
		if !p.loading {
			return p.describe()
		}
	case tea.MouseMsg:
		srt := p.sort
		t := tableMouse{cur: &p.cur, sort: &srt, clicks: &p.clicks, cols: p.columns(p.c.Width), n: len(p.d.Offsets), height: p.rowsHeight(), now: p.c.Now()}
		switch t.handle(msg) {
		case mouseSorted:
			keep := p.selected()
			p.sort = srt
			p.resort(keep)
		case mouseOpen:
			return p.openTopic(p.d.Offsets[p.cur.sel].Topic)
		}
	case tea.KeyMsg:
		return p.actions().run(msg)
	}
	return nil
}

// actions is what one group's page does on a key.
func (p *groupPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.d.Offsets), p.rowsHeight()); return nil }
	return newActions(p.c, p.conn,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: withHelp(k.Open, "read from the group's offsets"), line: 1, run: do(func() tea.Cmd {
				if len(p.d.Offsets) == 0 {
					return nil
				}
				return p.openTopic(p.d.Offsets[p.cur.sel].Topic)
			})},
			{bind: k.Sort, run: func(msg tea.KeyMsg) tea.Cmd {
				keep := p.selected()
				p.sort.digit(msg, p.columns(p.c.Width))
				p.resort(keep)
				return nil
			}},
		})
}

func (p *groupPage) rowsHeight() int { return max(p.c.Height-5, 1) }

// offsetID names a row: its topic and partition.
type offsetID struct {
	topic     string
	partition int32
}

// selected is the selected row's name (zero: none).
func (p *groupPage) selected() offsetID {
	if p.cur.sel >= len(p.d.Offsets) {
		return offsetID{partition: -1}
	}
	o := p.d.Offsets[p.cur.sel]
	return offsetID{o.Topic, o.Partition}
}

// resort sorts the offsets (stably: rows alike keep the broker's order)
// and keeps the row keep selected.
func (p *groupPage) resort(keep offsetID) {
	p.d.Offsets = slices.Clone(p.d.Offsets) // the answer is the page's own from here on
	sortRows(p.sort, p.d.Offsets, offsetKey)
	for i, o := range p.d.Offsets {
		if (offsetID{o.Topic, o.Partition}) == keep {
			p.cur.sel = i
		}
	}
	p.cur.clamp(len(p.d.Offsets), p.rowsHeight())
}

// offsetKey is what a group's partition sorts by in the column title.
func offsetKey(o *sources.GroupOffset, title string) sortKey {
	switch title {
	case "TOPIC":
		return textKey(o.Topic)
	case "P":
		return numKey(o.Partition)
	case "COMMITTED", "LAG":
		if o.Committed < 0 {
			return noKey
		}
		if title == "LAG" {
			return numKey(o.Lag)
		}
		return numKey(o.Committed)
	case "END":
		return numKey(o.High)
	case "MEMBER":
		return textKey(o.Member)
	}
	return noKey
}

func (p *groupPage) columns(w int) []column {
	return layout(p.sort.decorate([]column{{title: "TOPIC", width: 16, flex: true}, {title: "P", width: 3, right: true, numeric: true},
		{title: "COMMITTED", width: 10, right: true, numeric: true}, {title: "END", width: 10, right: true, numeric: true},
		{title: "LAG", width: 8, right: true, numeric: true}, {title: "MEMBER", width: 16, flex: true}}), w)
}

// openTopic reads a topic from the group's committed offsets: what the
// group has still to consume.
func (p *groupPage) openTopic(topic string) tea.Cmd {
	offsets := map[int32]int64{}
	var parts []sources.PartitionInfo
	for _, o := range p.d.Offsets {
		if o.Topic == topic && o.Committed >= 0 {
			offsets[o.Partition] = o.Committed
			parts = append(parts, sources.PartitionInfo{ID: o.Partition, High: o.High})
		}
	}
	if len(offsets) == 0 {
		return setStatus("the group has committed nothing on " + topic)
	}
	mp := newMessagesPage(p.c, p.conn, sources.StreamInfo{Name: topic, Kind: "topic", Partitions: parts, Reading: sources.Reading{HasPositions: true, Live: true}})
	mp.start = sources.Start{Kind: sources.StartOffset, Offsets: offsets, Offset: -1}
	return push(mp)
}

func (p *groupPage) View(w, h int) string {
	s := p.c.Styles
	cols := p.columns(w)
	head := s.Muted.Render("describing " + render.Sanitize(p.name) + "…")
	if p.loaded {
		head = fmt.Sprintf("%s  %s  %s  lag %s", s.HeaderConn.Render(render.Sanitize(p.name)), render.Sanitize(p.d.State), plural(p.d.Members, "member"), groupDigits(p.d.Lag))
	}
	out := []string{head, s.ColumnHeader.Render(row(cols, titles(cols)...))}
	from, to := p.cur.window(len(p.d.Offsets), h-2)
	for i := from; i < to; i++ {
		o := p.d.Offsets[i]
		committed, lag := groupDigits(o.Committed), groupDigits(o.Lag)
		if o.Committed < 0 {
			committed, lag = "—", "—"
		}
		line := row(cols, render.Sanitize(o.Topic), strconv.Itoa(int(o.Partition)), committed, groupDigits(o.High), lag, render.Sanitize(o.Member))
		if i == p.cur.sel {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	return joinLines(out)
}

func (p *groupPage) Crumb() string             { return render.Sanitize(p.name) }
func (p *groupPage) Status() string            { return "" }
func (p *groupPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *groupPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }
func (p *groupPage) Close()                    {}
