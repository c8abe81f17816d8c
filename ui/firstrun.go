package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// firstRunPage greets a user with no connection and no config: it offers
// the demo and shows how to add a connection.
type firstRunPage struct {
	pageBase
	configPath string
	demo       Dialer
}

// NewFirstRun returns the root model on the first-run page; d starts the
// demo through demo (its connections are then the session's).
func NewFirstRun(c *Common, configPath string, demo Dialer) *Model {
	m := &Model{c: c}
	m.init()
	m.stack = []page{&firstRunPage{pageBase: pageBase{c: c, pid: m.newID()}, configPath: configPath, demo: demo}}
	return m
}

func (p *firstRunPage) Init() tea.Cmd { return nil }

func (p *firstRunPage) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		return p.actions().run(km)
	}
	return nil
}

func (p *firstRunPage) View(w, h int) string {
	s := p.c.Styles
	lines := []string{
		"",
		s.Title.Render("Welcome to mqscope"),
		"",
		"No connection yet. " + s.Warn.Render("Press d") + " to start the demo: an embedded Kafka with a live",
		"order flow, failures and dead letters to browse, triage, trace and redrive.",
		"",
		s.Section.Render("To add a connection"),
		"",
		"  mqscope config init        writes a commented example to",
		"                             " + p.configPath,
		"  mqscope -c NAME            opens one of its connections",
		"  mqscope --kafka host:9092  or connect without a config",
		"  mqscope --rabbitmq amqp://user@host:5672/vhost",
		"  mqscope --nats nats://host:4222",
		"  mqscope --redis redis://host:6379",
		"",
		s.Muted.Render("Configured connections are read-only unless they say read_only: false."),
	}
	return strings.Join(lines, "\n")
}

func (p *firstRunPage) Crumb() string  { return "welcome" }
func (p *firstRunPage) Status() string { return "" }

// actions is what the welcome page does on a key: d (or enter) starts the demo.
func (p *firstRunPage) actions() actionTable {
	t := newActions(p.c, nil, []action{{
		bind: key.NewBinding(key.WithKeys("d", "enter"), key.WithHelp("d", "start the demo")), line: 1,
		needs: func() bool { return p.demo != nil },
		run: do(func() tea.Cmd {
			next := &connectingPage{pageBase: pageBase{c: p.c}, what: "the demo (an embedded Kafka)", dial: p.demo, start: p.c.Now()}
			return func() tea.Msg { return pageReplaced{next} }
		}),
	}})
	t.back = false
	return t
}

func (p *firstRunPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *firstRunPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

func (p *firstRunPage) Close() {}
