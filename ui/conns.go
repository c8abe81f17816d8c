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
	clicks  clickTracker
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
	case tea.MouseMsg:
		height := max(p.c.Height-5-len(p.detail(p.c.Width)), 1) // the rows View shows
		t := tableMouse{cur: &p.cur, clicks: &p.clicks, cols: p.columns(p.c.Width), n: len(p.entries), height: height, now: p.c.Now()}
		if t.handle(msg) == mouseOpen {
			return p.open()
		}
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
		return setError(p.failedStatus())
	}
	e.state, e.conn = connReady, msg.conn
	added := func() tea.Msg { return connAdded{conn: msg.conn} }
	if p.single {
		return tea.Batch(added, replace(newStreamsPage(p.c, 0, msg.conn)))
	}
	return added
}

func (p *connsPage) key(km tea.KeyMsg) tea.Cmd { return p.actions().run(km) }

// actions is what the connection list does on a key. Retry is offered
// while a connection has failed, and retries the selected one if it did.
func (p *connsPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.entries), p.c.Height-5); return nil }
	_, failed := p.counts()
	t := newActions(p.c, nil,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: k.Open, line: 1, run: do(p.open)},
			{bind: p.retryKey(), line: 2, needs: func() bool { return failed > 0 }, run: do(p.retry)},
		})
	t.back = false // the first page: esc has nothing to go back to
	return t
}

// retry dials the selected connection again when it failed.
func (p *connsPage) retry() tea.Cmd {
	if p.cur.sel >= len(p.entries) || p.entries[p.cur.sel].state != connFailed {
		return nil
	}
	return p.dial(p.cur.sel)
}

// open lists the selected connection's streams, once it is open.
func (p *connsPage) open() tea.Cmd {
	if p.cur.sel >= len(p.entries) {
		return nil
	}
	e := &p.entries[p.cur.sel]
	switch e.state {
	case connReady:
		return push(newStreamsPage(p.c, 0, e.conn))
	case connConnecting:
		return setStatus("connection " + e.name() + " is still opening")
	case connFailed:
		return setError(fmt.Errorf("connection %s did not open: %s (r: retry)", e.name(), e.reason()))
	}
	return nil
}

func (p *connsPage) View(w, h int) string {
	s := p.c.Styles
	cols := p.columns(w)
	out := []string{s.Muted.Render(p.summary()), s.ColumnHeader.Render(row(cols, titles(cols)...))}
	detail := p.detail(w)
	from, to := p.cur.window(len(p.entries), h-2-len(detail))
	for i := from; i < to; i++ {
		e := &p.entries[i]
		kind, addr := e.kindAddress()
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

// columns fit the list in w cells: each column as wide as what it shows
// (CONNECTION up to 20, ADDRESS up to 30), STATE the rest; when a failure's
// reason needs more room, ADDRESS gives it first (down to 15), then
// CONNECTION (down to 10).
func (p *connsPage) columns(w int) []column {
	nameW, kindW, addrW, stateW := len("CONNECTION"), len("KIND"), len("ADDRESS"), len("STATE")
	for i := range p.entries {
		e := &p.entries[i]
		kind, addr := e.kindAddress()
		nameW = max(nameW, ansi.StringWidth(render.Sanitize(e.name())))
		kindW = max(kindW, ansi.StringWidth(kind))
		addrW = max(addrW, ansi.StringWidth(render.Sanitize(addr)))
		stateW = max(stateW, ansi.StringWidth(render.Sanitize(e.stateText())))
	}
	nameW, kindW, addrW = min(nameW, 20), min(kindW, 10), min(addrW, 30)
	room := func() int { return w - nameW - kindW - addrW - 3 }
	if short := stateW - room(); short > 0 {
		addrW -= min(short, max(addrW-15, 0))
	}
	if short := min(stateW, 30) - room(); short > 0 {
		nameW -= min(short, max(nameW-10, 0))
	}
	return []column{{title: "CONNECTION", width: nameW}, {title: "KIND", width: kindW}, {title: "ADDRESS", width: addrW}, {title: "STATE", width: max(room(), 10)}}
}

// kindAddress is what the KIND and ADDRESS columns show.
func (e *connEntry) kindAddress() (kind, addr string) {
	if e.conn != nil {
		return e.conn.Kind(), e.conn.Address()
	}
	return e.spec.Kind, e.spec.Address
}

// detail is the selected connection's error in full, wrapped under the
// list.
func (p *connsPage) detail(w int) []string {
	if p.cur.sel >= len(p.entries) || p.entries[p.cur.sel].state != connFailed {
		return nil
	}
	e := &p.entries[p.cur.sel]
	text := ansi.Wrap(render.Sanitize("✖ connection "+e.name()+": "+e.reason()), max(w, 20), " ")
	out := []string{""}
	for _, l := range strings.Split(text, "\n") {
		out = append(out, p.c.Styles.StatusError.Render(l))
	}
	return append(out, p.c.Styles.Muted.Render("r: retry"))
}

// reason is why the connection did not open, without the connection's
// name its error may start with (the row and the detail name it).
func (e *connEntry) reason() string {
	text := e.err.Error()
	for _, prefix := range []string{"connection " + e.name() + ": ", e.name() + ": "} {
		text = strings.TrimPrefix(text, prefix)
	}
	return text
}

// shortReason is the reason without what the row shows beside it: the
// "connect to kafka ADDRESS: " or "rabbitmq HOST: " its error starts with.
func (e *connEntry) shortReason() string {
	text := e.reason()
	kind, _ := e.kindAddress()
	for _, lead := range []string{"connect to " + kind + " ", kind + " "} {
		rest, ok := strings.CutPrefix(text, lead)
		if !ok {
			continue
		}
		if where, after, ok := strings.Cut(rest, ": "); ok && where != "" && !strings.ContainsAny(where, " \t\n") && after != "" {
			return after
		}
	}
	return text
}

// named is the connection's error, naming it once.
func (e *connEntry) named() error {
	if strings.HasPrefix(e.err.Error(), "connection "+e.name()+": ") {
		return e.err
	}
	return fmt.Errorf("connection %s: %w", e.name(), e.err)
}

// failedStatus is the status line after a failure: the one that failed
// with its reason, or every one that did not open by name, in list order.
func (p *connsPage) failedStatus() error {
	var names []string
	var last *connEntry
	for i := range p.entries {
		if e := &p.entries[i]; e.state == connFailed {
			names, last = append(names, e.name()), e
		}
	}
	if len(names) == 1 {
		return fmt.Errorf("connection %s did not open: %s", last.name(), last.shortReason())
	}
	return fmt.Errorf("%d connections did not open: %s (the list shows why)", len(names), strings.Join(names, ", "))
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
		return "✖ " + strings.Join(strings.Fields(e.shortReason()), " ")
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
			out = append(out, e.named())
		}
	}
	return out
}

func (p *connsPage) Crumb() string  { return "connections" }
func (p *connsPage) Status() string { return "" }

func (p *connsPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *connsPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// retryKey is the refresh key, shown as what it does here.
func (p *connsPage) retryKey() key.Binding {
	r := p.c.Keys.Refresh
	return key.NewBinding(key.WithKeys(r.Keys()...), key.WithHelp(r.Help().Key, "retry a failed connection"))
}

func (p *connsPage) Close() {}

// connAdded tells the root a connection opened (trace and the end of the
// session use every open connection).
type connAdded struct{ conn sources.Conn }
