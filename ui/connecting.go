package ui

import (
	"context"
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// Dialer opens the session's connections; the UI runs it in a Cmd so the
// first frame does not wait for the brokers.
type Dialer func(ctx context.Context) ([]sources.Conn, error)

// connected carries the result of the Dialer.
type connected struct {
	page  int
	conns []sources.Conn
	err   error
}

func (m connected) pageID() int { return m.page }

// connectingPage is the first page while the connections open.
type connectingPage struct {
	pageBase
	what  string
	dial  Dialer
	err   error
	start time.Time
}

// NewConnecting returns the root model on a page that opens the
// connections (described by what) and then shows them, or the error.
func NewConnecting(c *Common, what string, dial Dialer) *Model {
	m := &Model{c: c}
	m.init()
	m.stack = []page{&connectingPage{pageBase: pageBase{c: c, pid: m.newID()}, what: what, dial: dial, start: c.Now()}}
	return m
}

func (p *connectingPage) Init() tea.Cmd {
	dial, page := p.dial, p.pid
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		conns, err := dial(ctx)
		return connected{page: page, conns: conns, err: err}
	}
}

func (p *connectingPage) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		return p.actions().run(km)
	}
	if m, ok := msg.(connected); ok {
		if m.err != nil {
			p.err = m.err
			return setError(m.err)
		}
		return func() tea.Msg { return connectionsReady{conns: m.conns} }
	}
	return nil
}

func (p *connectingPage) View(w, h int) string {
	s := p.c.Styles
	if p.err != nil {
		return s.StatusError.Render(ansi.Wrap("✖ "+render.Sanitize(p.err.Error()), max(w, 20), " ")) + "\n\n" + s.Muted.Render("r: retry   q: quit")
	}
	return s.Muted.Render("connecting to " + p.what + "…")
}

func (p *connectingPage) Crumb() string  { return p.what }
func (p *connectingPage) Status() string { return "" }

// actions is what the connecting page does on a key: a retry once
// dialing failed.
func (p *connectingPage) actions() actionTable {
	t := newActions(p.c, nil, []action{{bind: withHelp(p.c.Keys.Refresh, "retry"), line: 1,
		needs: func() bool { return p.err != nil },
		run: do(func() tea.Cmd {
			p.err, p.start = nil, p.c.Now()
			return tea.Batch(clearStatus(), p.Init())
		})}})
	t.back = false
	return t
}

func (p *connectingPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *connectingPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }
func (p *connectingPage) Close()                    {}

// connectionsReady replaces the connecting page with the session's first page.
type connectionsReady struct{ conns []sources.Conn }

// ConnectError is the error that kept the session from connecting, if the
// program ended on it: the connecting page's, or those of every
// connection of the list when none opened.
func (m *Model) ConnectError() error {
	if len(m.stack) == 0 {
		return nil
	}
	switch p := m.stack[0].(type) {
	case *connectingPage:
		if len(m.stack) == 1 {
			return p.err
		}
	case *connsPage:
		if ready, _ := p.counts(); ready == 0 {
			return errors.Join(p.failures()...)
		}
	}
	return nil
}
