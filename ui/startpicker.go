package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// startChosen is sent when the user picked a new start position, and
// perhaps where to stop ("… until time:…" or "… until offset:…").
type startChosen struct {
	start sources.Start
	end   *sources.Start
}

// startOption is one row of the start picker.
type startOption struct {
	label, prefix, placeholder, hint string
}

// queueStartOptions are the starts a queue has: it is read (peeked) from its head.
var queueStartOptions = []startOption{
	{label: "Peek the first N", prefix: "last:", placeholder: "100", hint: "held, then given back (redelivered)"},
	{label: "Peek up to 5000", prefix: "oldest", hint: "the longer the hold, the longer consumers wait"},
}

var startOptions = []startOption{
	{label: "Oldest", prefix: "oldest", hint: "everything the broker still holds"},
	{label: "Newest", prefix: "newest", hint: "only messages written from now on"},
	{label: "Last N per partition", prefix: "last:", placeholder: "500", hint: "the last N of each partition, then live"},
	{label: "Offset", prefix: "offset:", placeholder: "1200  or  0=15,2=40", hint: "one offset for all partitions, or partition=offset,…"},
	{label: "Timestamp", prefix: "time:", placeholder: "2026-11-29T08:00:00Z  or  -15m", hint: "RFC3339, YYYY-MM-DD HH:MM:SS (local), or ago"},
}

// startPicker is the overlay that chooses where a message list reads from.
type startPicker struct {
	c       *Common
	options []startOption
	sel     int
	editing bool
	input   textinput.Model
	err     string
	queue   bool // the stream is a queue: its reads have no span
	// reading is how the stream reads: its position syntax is what an
	// offset start is typed in.
	reading sources.Reading
}

// newStartPicker picks a start position of a stream that reads as
// reading says; a queue's are its own.
func newStartPicker(c *Common, current sources.Start, reading sources.Reading) *startPicker {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.CharLimit = 100
	sp := &startPicker{c: c, input: ti, options: startOptions, queue: reading.Queue, reading: reading}
	if ps := reading.Positions; ps != nil { // positions named in the stream's own syntax
		sp.options = append([]startOption(nil), startOptions...)
		sp.options[3] = startOption{label: "Position (" + ps.Name() + ")", prefix: "id:", placeholder: ps.Example(), hint: "from this " + ps.Name() + " on"}
	}
	if reading.Queue {
		sp.options = queueStartOptions
		if current.Kind == sources.StartOldest {
			sp.sel = 1
		}
		return sp
	}
	switch current.Kind {
	case sources.StartNewest:
		sp.sel = 1
	case sources.StartLastN:
		sp.sel = 2
	case sources.StartOffset:
		sp.sel = 3
	case sources.StartTime:
		sp.sel = 4
	}
	return sp
}

func (sp *startPicker) update(msg tea.KeyMsg) tea.Cmd {
	opt := sp.options[sp.sel]
	if sp.editing {
		switch msg.Type {
		case tea.KeyEsc:
			sp.editing, sp.err = false, ""
			sp.input.Blur()
			return nil
		case tea.KeyEnter:
			return sp.choose(opt.prefix + strings.TrimSpace(sp.input.Value()))
		}
		var cmd tea.Cmd
		sp.input, cmd = sp.input.Update(msg)
		return cmd
	}
	switch {
	case msg.Type == tea.KeyEsc || msg.String() == "q":
		return func() tea.Msg { return startCancelled{} }
	case msg.Type == tea.KeyUp || msg.String() == "k":
		sp.sel = (sp.sel + len(sp.options) - 1) % len(sp.options)
	case msg.Type == tea.KeyDown || msg.String() == "j":
		sp.sel = (sp.sel + 1) % len(sp.options)
	case msg.Type == tea.KeyEnter:
		if opt.placeholder == "" {
			return sp.choose(opt.prefix)
		}
		sp.editing, sp.err = true, ""
		sp.input.SetValue("")
		sp.input.Placeholder = opt.placeholder
		return sp.input.Focus()
	}
	return nil
}

// choose parses the spec and either reports the new start or shows why not.
// A spec may end with " until END" (an offset or a time): the read stops
// there instead of following.
func (sp *startPicker) choose(spec string) tea.Cmd {
	from, until, bounded := strings.Cut(spec, " until ")
	st, err := sp.reading.ParseStart(strings.TrimSpace(from), sp.c.Now())
	if err != nil {
		sp.err = err.Error()
		return nil
	}
	var end *sources.Start
	if bounded {
		if end, err = sp.reading.ParseEnd(strings.TrimSpace(until), sp.c.Now()); err != nil {
			sp.err = "until: " + err.Error()
			return nil
		}
	}
	return func() tea.Msg { return startChosen{start: st, end: end} }
}

// startCancelled closes the picker without change.
type startCancelled struct{}

func (sp *startPicker) view() string {
	s := sp.c.Styles
	lines := []string{s.Title.Render("Start reading from"), ""}
	for i, o := range sp.options {
		marker := "  "
		label := o.label
		if i == sp.sel {
			marker = "› "
			label = s.Badge.Render(label)
		}
		lines = append(lines, marker+label+s.Muted.Render("  "+o.hint))
		if i == sp.sel && sp.editing {
			lines = append(lines, "    "+sp.input.View())
		}
	}
	if sp.err != "" {
		lines = append(lines, "", s.StatusError.Render(render.Sanitize(sp.err)))
	}
	if sp.editing && !sp.queue {
		lines = append(lines, "", s.Muted.Render("end it with “ until time:… ” or “ until offset:… ” to stop there"))
	}
	lines = append(lines, "", s.Muted.Render("enter: choose  esc: cancel"))
	return s.Overlay.Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}

// overlay draws box centred over the body (the body is replaced where the
// box stands, line by line).
func overlay(body, box string, w, h int) string {
	bodyLines := strings.Split(fit(body, w, h), "\n")
	boxLines := strings.Split(box, "\n")
	bw := lipgloss.Width(box)
	top := max((h-len(boxLines))/2, 0)
	left := max((w-bw)/2, 0)
	for i, bl := range boxLines {
		if top+i >= len(bodyLines) {
			break
		}
		bodyLines[top+i] = strings.Repeat(" ", left) + bl
	}
	return strings.Join(bodyLines, "\n")
}
