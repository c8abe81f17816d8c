package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// ConnSpec is a connection the TUI opens on its own: what names it on
// the list, and how to open it (run in a Cmd, again on a retry).
type ConnSpec struct {
	// Name, Kind and Address are shown until it opens (and when it fails).
	Name, Kind, Address string
	// Dial opens it; it runs in a Cmd, again on each retry.
	Dial func(ctx context.Context) (sources.Conn, error)
}

// dialTimeout bounds one connection's opening in the TUI.
const dialTimeout = 15 * time.Second

// connState is where one connection of the list is.
type connState int

const (
	connConnecting connState = iota
	connFailed
	connReady
)

// connEntry is one connection of the list.
type connEntry struct {
	spec  ConnSpec
	state connState
	conn  sources.Conn
	err   error
	gen   int // the attempt; an answer for an earlier one is dropped
}

func (e *connEntry) name() string {
	if e.conn != nil {
		return e.conn.Name()
	}
	return e.spec.Name
}

// connOpened is one connection's dial result.
type connOpened struct {
	page, index, gen int
	conn             sources.Conn
	err              error
}

func (m connOpened) pageID() int { return m.page }

// connsPage lists the session's connections, each with its own state:
// opening, failed (with its reason, retried with r) or ready.
type connsPage struct {
	pageBase
	entries []connEntry
	cur     cursor
	ctx     context.Context // the session's: a dial that ends after it closes its connection
	single  bool            // one connection: once open, its streams replace the list
}

func newConnsPage(c *Common, id int, conns []sources.Conn) *connsPage {
	p := &connsPage{pageBase: pageBase{c: c, pid: id}, ctx: context.Background()}
	for _, conn := range conns {
		p.entries = append(p.entries, connEntry{state: connReady, conn: conn})
	}
	return p
}

// NewConnections returns the root model on the list of the connections
// specs name, each opening on its own: one that fails shows its error by
// name and can be retried while the others are used. With a single
// connection its streams replace the list once it is open.
func NewConnections(c *Common, specs []ConnSpec) *Model {
	m := &Model{c: c}
	m.init()
	p := &connsPage{pageBase: pageBase{c: c, pid: m.newID()}, ctx: m.ctx, single: len(specs) == 1}
	for _, s := range specs {
		p.entries = append(p.entries, connEntry{spec: s})
	}
	m.stack = []page{p}
	return m
}

func (p *connsPage) Init() tea.Cmd {
	var cmds []tea.Cmd
	for i := range p.entries {
		if p.entries[i].state == connConnecting {
			cmds = append(cmds, p.dial(i))
		}
	}
	return tea.Batch(cmds...)
}

// dial opens entry i in a Cmd.
func (p *connsPage) dial(i int) tea.Cmd {
	e := &p.entries[i]
	e.state, e.err, e.conn = connConnecting, nil, nil
	e.gen++
	spec, page, gen, ctx := e.spec, p.pid, e.gen, p.ctx
	return func() tea.Msg {
		dctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		conn, err := spec.Dial(dctx)
		if err == nil && ctx.Err() != nil { // the session ended meanwhile
			_ = conn.Close()
			return nil
		}
		if err != nil && errors.Is(dctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("did not open within %s: %w", dialTimeout, err)
		}
		return connOpened{page: page, index: i, gen: gen, conn: conn, err: err}
	}
}

func (p *connsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case connOpened:
		return p.opened(msg)
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *connsPage) opened(msg connOpened) tea.Cmd {
	if msg.index >= len(p.entries) || p.entries[msg.index].gen != msg.gen {
		if msg.conn != nil {
			c := msg.conn
			return func() tea.Msg { _ = c.Close(); return nil }
		}
		return nil
	}
	e := &p.entries[msg.index]
	if msg.err != nil {
		e.state, e.err = connFailed, msg.err
		return setError(fmt.Errorf("connection %s did not open: %s", e.name(), msg.err.Error()))
	}
	e.state, e.conn = connReady, msg.conn
	added := func() tea.Msg { return connAdded{conn: msg.conn} }
	if p.single {
		return tea.Batch(added, replace(newStreamsPage(p.c, 0, msg.conn)))
	}
	return added
}

func (p *connsPage) key(km tea.KeyMsg) tea.Cmd {
	if p.cur.move(km, p.c.Keys, len(p.entries), p.c.Height-5) || len(p.entries) == 0 {
		return nil
	}
	e := &p.entries[p.cur.sel]
	switch {
	case key.Matches(km, p.c.Keys.Refresh) && e.state == connFailed:
		return p.dial(p.cur.sel)
	case key.Matches(km, p.c.Keys.Open):
		switch e.state {
		case connReady:
			return push(newStreamsPage(p.c, 0, e.conn))
		case connConnecting:
			return setStatus("connection " + e.name() + " is still opening")
		case connFailed:
			return setError(fmt.Errorf("connection %s did not open: %s (r: retry)", e.name(), e.err.Error()))
		}
	}
	return nil
}

func (p *connsPage) View(w, h int) string {
	s := p.c.Styles
	cols := layout([]column{{title: "CONNECTION", width: 20}, {title: "KIND", width: 10}, {title: "ADDRESS", width: 30}, {title: "STATE", width: 20, flex: true}}, w)
	out := []string{s.Muted.Render(p.summary()), s.ColumnHeader.Render(row(cols, titles(cols)...))}
	detail := p.detail(w)
	from, to := p.cur.window(len(p.entries), h-2-len(detail))
	for i := from; i < to; i++ {
		e := &p.entries[i]
		kind, addr := e.spec.Kind, e.spec.Address
		if e.conn != nil {
			kind, addr = e.conn.Kind(), e.conn.Address()
		}
		line := row(cols, render.Sanitize(e.name()), kind, render.Sanitize(addr), render.Sanitize(e.stateText()))
		switch {
		case i == p.cur.sel:
			line = s.Selected.Render(line)
		case e.state == connFailed:
			line = s.StatusError.Render(line)
		case p.c.ConnColors[e.name()] != "":
			line = lipgloss.NewStyle().Foreground(lipgloss.Color(colorCode(p.c.ConnColors[e.name()]))).Render(line)
		}
		out = append(out, line)
	}
	return joinLines(append(out, detail...))
}

// detail is the selected connection's error in full, under the list.
func (p *connsPage) detail(w int) []string {
	if p.cur.sel >= len(p.entries) || p.entries[p.cur.sel].state != connFailed {
		return nil
	}
	e := &p.entries[p.cur.sel]
	text := ansi.Wrap("✖ connection "+e.name()+": "+e.err.Error(), max(w, 20), " ")
	return []string{"", p.c.Styles.StatusError.Render(text), p.c.Styles.Muted.Render("r: retry")}
}

// summary counts the connections by state.
func (p *connsPage) summary() string {
	ready, failed := p.counts()
	out := fmt.Sprintf("%d connections", len(p.entries))
	if ready == len(p.entries) {
		return out
	}
	out += fmt.Sprintf(": %d ready", ready)
	if failed > 0 {
		out += fmt.Sprintf(", %d failed", failed)
	}
	if opening := len(p.entries) - ready - failed; opening > 0 {
		out += fmt.Sprintf(", %d opening", opening)
	}
	return out
}

// stateText is the STATE column: a failure with its reason on one line.
func (e *connEntry) stateText() string {
	switch e.state {
	case connConnecting:
		return "connecting…"
	case connFailed:
		return "✖ " + strings.Join(strings.Fields(e.err.Error()), " ")
	}
	return "ready"
}

func (p *connsPage) counts() (ready, failed int) {
	for i := range p.entries {
		switch p.entries[i].state {
		case connReady:
			ready++
		case connFailed:
			failed++
		}
	}
	return ready, failed
}

// failures are the errors of the connections that did not open, each
// naming its connection.
func (p *connsPage) failures() []error {
	var out []error
	for i := range p.entries {
		if e := &p.entries[i]; e.state == connFailed {
			out = append(out, fmt.Errorf("connection %s: %w", e.name(), e.err))
		}
	}
	return out
}

func (p *connsPage) Crumb() string  { return "connections" }
func (p *connsPage) Status() string { return "" }

func (p *connsPage) ShortHelp() []key.Binding {
	if _, failed := p.counts(); failed > 0 {
		return []key.Binding{p.c.Keys.Open, p.retryKey()}
	}
	return []key.Binding{p.c.Keys.Open}
}

func (p *connsPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.c.Keys.Up, p.c.Keys.Down, p.c.Keys.Open, p.retryKey()}}
}

// retryKey is the refresh key, shown as what it does here.
func (p *connsPage) retryKey() key.Binding {
	r := p.c.Keys.Refresh
	return key.NewBinding(key.WithKeys(r.Keys()...), key.WithHelp(r.Help().Key, "retry a failed connection"))
}

func (p *connsPage) Close() {}

// connAdded tells the root a connection opened (trace and the end of the
// session use every open connection).
type connAdded struct{ conn sources.Conn }
