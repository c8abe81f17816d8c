package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// connsPage lists the session's connections.
type connsPage struct {
	pageBase
	conns []sources.Conn
	cur   cursor
}

func newConnsPage(c *Common, id int, conns []sources.Conn) *connsPage {
	return &connsPage{pageBase: pageBase{c: c, pid: id}, conns: conns}
}

func (p *connsPage) Init() tea.Cmd { return nil }

func (p *connsPage) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if p.cur.move(km, p.c.Keys, len(p.conns), p.c.Height-5) {
		return nil
	}
	if key.Matches(km, p.c.Keys.Open) && len(p.conns) > 0 {
		return push(newStreamsPage(p.c, 0, p.conns[p.cur.sel]))
	}
	return nil
}

func (p *connsPage) View(w, h int) string {
	s := p.c.Styles
	cols := layout([]column{{title: "CONNECTION", width: 20}, {title: "KIND", width: 10}, {title: "ADDRESS", width: 20, flex: true}}, w)
	out := []string{s.Muted.Render(fmt.Sprintf("%d connections", len(p.conns))), s.ColumnHeader.Render(row(cols, titles(cols)...))}
	from, to := p.cur.window(len(p.conns), h-2)
	for i := from; i < to; i++ {
		c := p.conns[i]
		line := row(cols, render.Sanitize(c.Name()), c.Kind(), render.Sanitize(c.Address()))
		if col := p.c.ConnColors[c.Name()]; col != "" && i != p.cur.sel {
			line = lipgloss.NewStyle().Foreground(lipgloss.Color(colorCode(col))).Render(line)
		}
		if i == p.cur.sel {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	return joinLines(out)
}

func (p *connsPage) Crumb() string            { return "connections" }
func (p *connsPage) Status() string           { return "" }
func (p *connsPage) ShortHelp() []key.Binding { return []key.Binding{p.c.Keys.Open} }
func (p *connsPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.c.Keys.Up, p.c.Keys.Down, p.c.Keys.Open}}
}
func (p *connsPage) Close() {}
