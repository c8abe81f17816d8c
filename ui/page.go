package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// page is one screen of the stack. Pages are pointers updated in place; the
// root routes key presses to the top page and async results to the page
// whose id they carry, wherever it is in the stack.
type page interface {
	// id identifies the page for async results.
	id() int
	// Init starts the page's first I/O.
	Init() tea.Cmd
	// Update handles a message addressed to this page.
	Update(msg tea.Msg) tea.Cmd
	// View renders the page body in width x height.
	View(width, height int) string
	// Crumb is the page's part of the breadcrumb.
	Crumb() string
	// Status is the page's part of the status line.
	Status() string
	// actions is what the page does on a key: Update dispatches keys
	// through it, and the help lists what it offers (ui/actions.go).
	actions() actionTable
	// ShortHelp is the key line at the bottom; FullHelp the help overlay:
	// the actions' (an open dialog or prompt lists its own keys).
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing reports a text input has the keyboard: global keys go to
	// the page as text.
	Capturing() bool
	// Close stops the page's I/O.
	Close()
}

// pageMsg is an async result addressed to one page.
type pageMsg interface {
	pageID() int
}

// pagePushed asks the root to open a page on top of the stack.
type pagePushed struct{ p page }

// pageReplaced asks the root to close every page and start on p.
type pageReplaced struct{ p page }

// pagePopped asks the root to close the top page.
type pagePopped struct{}

// statusSet puts a line in the status bar, or, with no text, clears the
// line its page set.
type statusSet struct {
	page int // the page it belongs to (the root sets it: see owned); 0: the session's, shown on any page
	text string
	err  bool
	made time.Time // when Update asked for it; a line asked for earlier never covers a later one (zero: always shown)
}

func push(p page) tea.Cmd { return func() tea.Msg { return pagePushed{p} } }

func replace(p page) tea.Cmd { return func() tea.Msg { return pageReplaced{p} } }

func pop() tea.Cmd { return func() tea.Msg { return pagePopped{} } }

func setStatus(text string) tea.Cmd {
	made := time.Now()
	return func() tea.Msg { return statusSet{text: text, made: made} }
}

// clearStatus takes down the status line the page set (its operation ended).
func clearStatus() tea.Cmd { return func() tea.Msg { return statusSet{} } }

func setError(err error) tea.Cmd {
	made := time.Now()
	return func() tea.Msg { return statusSet{text: err.Error(), err: true, made: made} }
}

// pageBase holds what every page has: its id and the shared context.
type pageBase struct {
	c   *Common
	pid int
}

func (b *pageBase) id() int         { return b.pid }
func (b *pageBase) setID(id int)    { b.pid = id }
func (b *pageBase) Capturing() bool { return false }
