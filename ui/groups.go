package ui

import (
	"context"
	"fmt"
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

// groupsPage lists a connection's consumer groups with their lag.
type groupsPage struct {
	pageBase
	conn    sources.Conn
	lister  sources.GroupLister
	groups  []sources.GroupInfo
	cur     cursor
	loaded  bool
	loading bool
	err     error
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
		p.cur.clamp(len(p.groups), p.c.Height-5)
		return next
	case groupsRefreshDue:
		if !p.loading {
			return p.list()
		}
	case tea.KeyMsg:
		if p.cur.move(msg, p.c.Keys, len(p.groups), p.c.Height-5) {
			return nil
		}
		switch {
		case key.Matches(msg, p.c.Keys.Open) && len(p.groups) > 0:
			return push(newGroupPage(p.c, p.conn, p.lister, p.groups[p.cur.sel].Name))
		case key.Matches(msg, p.c.Keys.Refresh):
			return p.list()
		}
	}
	return nil
}

func (p *groupsPage) View(w, h int) string {
	s := p.c.Styles
	cols := layout([]column{{title: "GROUP", width: 20, flex: true}, {title: "STATE", width: 12}, {title: "MEMBERS", width: 7, right: true},
		{title: "LAG", width: 10, right: true}, {title: "TOPICS", width: 20, flex: true}}, w)
	head := s.Muted.Render(fmt.Sprintf("%d consumer groups on %s (read only: mqscope never joins or commits)", len(p.groups), p.conn.Name()))
	if !p.loaded {
		head = s.Muted.Render("listing consumer groups…")
	}
	out := []string{head, s.ColumnHeader.Render(row(cols, titles(cols)...))}
	from, to := p.cur.window(len(p.groups), h-2)
	for i := from; i < to; i++ {
		g := p.groups[i]
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
func (p *groupsPage) ShortHelp() []key.Binding {
	return []key.Binding{p.c.Keys.Open, p.c.Keys.Refresh, p.c.Keys.Back}
}
func (p *groupsPage) FullHelp() [][]key.Binding {
	k := p.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Open, k.Refresh}}
}
func (p *groupsPage) Close() {}

// groupPage shows one group: members and lag per partition. Opening a row
// reads the topic from the group's committed offsets.
type groupPage struct {
	pageBase
	conn    sources.Conn
	lister  sources.GroupLister
	name    string
	d       sources.GroupDetail
	cur     cursor
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
		p.d = msg.d
		p.cur.clamp(len(p.d.Offsets), p.c.Height-5)
		return next
	case groupsRefreshDue:
		if !p.loading {
			return p.describe()
		}
	case tea.KeyMsg:
		if p.cur.move(msg, p.c.Keys, len(p.d.Offsets), p.c.Height-5) {
			return nil
		}
		if key.Matches(msg, p.c.Keys.Open) && len(p.d.Offsets) > 0 {
			return p.openTopic(p.d.Offsets[p.cur.sel].Topic)
		}
	}
	return nil
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
	cols := layout([]column{{title: "TOPIC", width: 16, flex: true}, {title: "P", width: 3, right: true}, {title: "COMMITTED", width: 10, right: true},
		{title: "END", width: 10, right: true}, {title: "LAG", width: 8, right: true}, {title: "MEMBER", width: 16, flex: true}}, w)
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

func (p *groupPage) Crumb() string  { return render.Sanitize(p.name) }
func (p *groupPage) Status() string { return "" }
func (p *groupPage) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "read from the group's offsets")), p.c.Keys.Back}
}
func (p *groupPage) FullHelp() [][]key.Binding {
	k := p.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Open}}
}
func (p *groupPage) Close() {}
