package ui

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// statusTTL is how long a status line message stays up.
const statusTTL = 10 * time.Second

// Model is the root model: the shared context, the connections and the page
// stack.
type Model struct {
	c        *Common
	conns    []sources.Conn
	stack    []page
	nextID   int
	help     help.Model
	showHelp bool
	helpTop  int // the first row of the help shown, when it scrolls
	status   statusSet
	statusAt time.Time
	// ctx ends with the session: a connection that opens after it is closed.
	ctx    context.Context
	cancel context.CancelFunc
	// stopping holds, after a quit key pressed while a write ran, the
	// writes being stopped: each channel closes once its write settled.
	stopping []<-chan struct{}
	// quitting says a second quit key came while they settle: the
	// program ends once they have, or after quitWait.
	quitting bool
}

// writeStopper is a page that can have a write under way (a redrive): a
// quit key stops it cleanly before the program may end.
type writeStopper interface {
	// writing reports a write under way.
	writing() bool
	// stopWriting asks the write to stop (it settles in its own Cmd, its
	// outcomes journalled and audited) and returns a channel closed once
	// it has.
	stopWriting() <-chan struct{}
}

// quitWait is how long a quit pressed again while writes settle waits
// for them before the program ends.
const quitWait = 5 * time.Second

// stoppingText is the status line while writes settle, quittingText
// after a quit key pressed again.
const (
	stoppingText = "stopping the redrive… (ctrl+c again to quit now)"
	quittingText = "quitting once the redrive has settled (at most 5s)…"
)

// newModel returns the root model on connections already open: their
// streams, or the connection list (tests start here; NewConnecting opens
// the connections first).
func newModel(c *Common, conns []sources.Conn) *Model {
	m := &Model{c: c}
	m.init()
	m.stack = []page{m.firstPage(conns)}
	return m
}

// Conns are the session's connections (opened by New's caller or by the
// connecting page); the caller closes them after the program ends.
func (m *Model) Conns() []sources.Conn { return m.conns }

// init sets up the session's context and the help view.
func (m *Model) init() {
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.help = help.New()
	m.help.Styles.ShortKey = m.c.Styles.HelpKey
	m.help.Styles.ShortDesc = m.c.Styles.HelpDesc
	m.help.Styles.FullKey = m.c.Styles.HelpKey
	m.help.Styles.FullDesc = m.c.Styles.HelpDesc
	m.help.ShortSeparator = "  "
}

// firstPage is the streams of a single connection, else the connection list.
func (m *Model) firstPage(conns []sources.Conn) page {
	m.conns = conns
	if len(conns) == 1 {
		return newStreamsPage(m.c, m.newID(), conns[0])
	}
	return newConnsPage(m.c, m.newID(), conns)
}

func (m *Model) newID() int { m.nextID++; return m.nextID }

// Init starts the first page.
func (m *Model) Init() tea.Cmd { return owned(m.top().id(), m.top().Init()) }

func (m *Model) top() page { return m.stack[len(m.stack)-1] }

// Update routes messages: keys to the top page (after the global keys),
// async results to the page they name.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		return m, m.updateTop(msg)
	case tea.KeyMsg:
		// Keys typed fast (or over a slow SSH link) arrive as one message
		// with several runes: they are separate keys (a paste stays whole).
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return m, tea.Batch(cmds...)
		}
		return m, m.handleKey(msg)
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case pagePushed:
		if pid, ok := msg.p.(interface{ setID(int) }); ok {
			pid.setID(m.newID())
		}
		m.stack = append(m.stack, msg.p)
		return m, owned(msg.p.id(), msg.p.Init())
	case pagePopped:
		m.popPage()
		return m, nil
	case pageReplaced:
		for _, p := range m.stack {
			p.Close()
		}
		if pid, ok := msg.p.(interface{ setID(int) }); ok {
			pid.setID(m.newID())
		}
		m.stack = []page{msg.p}
		return m, owned(msg.p.id(), msg.p.Init())
	case quitNow:
		return m, m.quitNow()
	case traceRequested:
		return m, push(newTracePage(m.c, m.conns, msg))
	case connAdded:
		m.conns = append(m.conns, msg.conn)
		return m, nil
	case connectionsReady:
		first := m.firstPage(msg.conns)
		m.stack = []page{first}
		return m, owned(first.id(), first.Init())
	case statusSet:
		if msg.text == "" && msg.page != m.status.page {
			return m, nil // clears only its own page's status
		}
		if !msg.made.IsZero() && msg.made.Before(m.status.made) {
			return m, nil // Cmds finish in any order: the later request stands
		}
		m.status, m.statusAt = msg, m.c.Now()
		return m, nil
	case pageMsg:
		for _, p := range m.stack {
			if p.id() == msg.pageID() {
				cmd := owned(p.id(), p.Update(msg))
				m.settledCheck()
				return m, cmd
			}
		}
		return m, nil // the page is gone: a stale answer
	}
	return m, m.updateTop(msg)
}

// updateTop hands a message to the top page.
func (m *Model) updateTop(msg tea.Msg) tea.Cmd { return owned(m.top().id(), m.top().Update(msg)) }

// owned marks the status lines a page's Cmd sets as that page's: the
// status line shows them only while the page is on top, and they go with
// it.
func owned(page int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case statusSet:
			if msg.page == 0 {
				msg.page = page
			}
			return msg
		case tea.BatchMsg:
			for i := range msg {
				msg[i] = owned(page, msg[i])
			}
			return msg
		default:
			return msg
		}
	}
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if m.showHelp {
		if key.Matches(msg, k.Quit) && msg.String() == "ctrl+c" {
			return m.quit()
		}
		switch {
		case key.Matches(msg, k.Down):
			m.scrollHelp(1)
		case key.Matches(msg, k.PageDown):
			m.scrollHelp(m.c.Height / 2)
		case key.Matches(msg, k.Up):
			m.scrollHelp(-1)
		case key.Matches(msg, k.PageUp):
			m.scrollHelp(-m.c.Height / 2)
		default: // any other key closes it
			m.showHelp = false
		}
		return nil
	}
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if key.Matches(msg, k.Quit) && m.topWriting() { // q while the top page writes: stop it first
		return m.quit()
	}
	if m.top().Capturing() {
		return m.updateTop(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpTop = true, 0
		return nil
	case key.Matches(msg, k.Back) && len(m.stack) > 1:
		m.popPage()
		return nil
	}
	return m.updateTop(msg)
}

// mouse hands a mouse event to the top page with Y counted from the
// body's first line (below the header); with the help open the wheel
// scrolls it.
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if m.showHelp {
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			m.scrollHelp(-wheelRows)
		case tea.MouseButtonWheelDown:
			m.scrollHelp(wheelRows)
		}
		return nil
	}
	msg.Y-- // the header's line: -1 in the page
	return m.updateTop(msg)
}

func (m *Model) popPage() {
	if len(m.stack) <= 1 {
		return
	}
	m.top().Close()
	if m.status.page == m.top().id() {
		m.status = statusSet{} // its page is gone
	}
	m.stack = m.stack[:len(m.stack)-1]
}

// writes are the pages with a write under way.
func (m *Model) writes() []writeStopper {
	var out []writeStopper
	for _, p := range m.stack {
		if w, ok := p.(writeStopper); ok && w.writing() {
			out = append(out, w)
		}
	}
	return out
}

// topWriting reports a write under way on the top page.
func (m *Model) topWriting() bool {
	w, ok := m.top().(writeStopper)
	return ok && w.writing()
}

// settledCheck ends the stopping state once every write stopped has
// settled (its summary is on its page): the next quit key quits.
func (m *Model) settledCheck() {
	if len(m.stopping) == 0 || len(m.writes()) > 0 {
		return
	}
	m.stopping, m.quitting = nil, false
	m.status, m.statusAt = statusSet{text: "redrive stopped: q or ctrl+c again quits"}, m.c.Now()
}

// quit ends the program; with writes under way it stops them first: the
// first press cancels them (they settle in their own Cmds, and the
// program goes on to show their summaries), a press again while they
// settle quits once they have, or after quitWait.
func (m *Model) quit() tea.Cmd {
	if ws := m.writes(); len(ws) > 0 {
		if len(m.stopping) == 0 {
			for _, w := range ws {
				if ch := w.stopWriting(); ch != nil {
					m.stopping = append(m.stopping, ch)
				}
			}
			return nil
		}
		if m.quitting {
			return nil
		}
		m.quitting = true
		waits := m.stopping
		return func() tea.Msg {
			deadline := time.After(quitWait)
			for _, ch := range waits {
				select {
				case <-ch:
				case <-deadline:
					return quitNow{}
				}
			}
			return quitNow{}
		}
	}
	return m.quitNow()
}

// quitNow is the message that ends the program after writes settled.
type quitNow struct{}

// quitNow closes the pages and ends the program.
func (m *Model) quitNow() tea.Cmd {
	m.Stop()
	for _, p := range m.stack {
		p.Close()
	}
	return tea.Quit
}

// Stop ends the session's pending work: a connection still opening is
// closed when it opens. The program's caller calls it once the program
// has ended (quitting does too).
func (m *Model) Stop() { m.cancel() }

// View draws the header, the top page (or the help overlay), the status line
// and the key line.
func (m *Model) View() string {
	w, h := m.c.Width, m.c.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	s := m.c.Styles
	var crumbs []string
	for _, p := range m.stack {
		crumbs = append(crumbs, p.Crumb())
	}
	header := s.Header.Render("mqscope") + s.CrumbSep.Render(" ▸ ") +
		strings.Join(crumbs, s.CrumbSep.Render(" ▸ "))
	bodyH := max(h-3, 1)
	var body string
	if m.showHelp {
		body = m.helpView(w, bodyH)
	} else {
		body = m.top().View(w, bodyH)
	}
	body = fit(body, w, bodyH)
	status := m.statusView(w)
	// Every field from a message is sanitised where it is drawn; Frame is
	// the net under them: what was missed can colour text, never drive the
	// terminal.
	return safetext.Frame(strings.Join([]string{
		ansi.Truncate(header, w, "…"),
		body,
		status,
		m.keyLine(w),
	}, "\n"))
}

// keyLine is the top page's keys and the global ones in w cells: the
// page's last keys give way first, so ? help and q quit always show
// (unless the page has the keyboard: a prompt's ? and q are text).
func (m *Model) keyLine(w int) string {
	keys, global := m.top().ShortHelp(), []key.Binding{m.c.Keys.Help, m.c.Keys.Quit}
	if m.top().Capturing() { // the page has the keyboard: ? and q are its own (text, or its dialog's keys)
		global = nil
	}
	for n := len(keys); n > 0; n-- {
		if line := m.help.ShortHelpView(append(keys[:n:n], global...)); ansi.StringWidth(line) <= w {
			return line
		}
	}
	return ansi.Truncate(m.help.ShortHelpView(global), w, "…")
}

func (m *Model) statusView(w int) string {
	s := m.c.Styles
	left := oneRow(m.top().Status())
	var right string
	if len(m.stopping) > 0 { // what a quit key does now stays up while the writes settle
		text := stoppingText
		if m.quitting {
			text = quittingText
		}
		return ansi.Truncate(left+"  "+s.Warn.Render(text), w, "…")
	}
	if m.status.text != "" && (m.status.page == 0 || m.status.page == m.top().id()) && m.c.Now().Sub(m.statusAt) < statusTTL {
		text := render.Sanitize(oneRow(m.status.text)) // errors quote names from the broker
		if m.status.err {
			right = s.StatusError.Render("✖ " + text)
		} else {
			right = s.StatusInfo.Render(text)
		}
	}
	if right == "" {
		return ansi.Truncate(left, w, "…")
	}
	lw := ansi.StringWidth(left)
	room := w - lw - 2
	if room < 20 { // an error wins over the page's own status
		return ansi.Truncate(right, w, "…")
	}
	return left + "  " + ansi.Truncate(right, room, "…")
}

// oneRow puts a status text on one row: line breaks become spaces.
func oneRow(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// fit pads or cuts s to exactly h lines of at most w cells.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
