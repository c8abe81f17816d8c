package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/ui/render"
)

// typedConfirm asks for a write of many messages: the count or the
// stream's name typed out; anything else, an empty answer included, is no.
type typedConfirm struct {
	input textinput.Model
	count int
	name  string
	// open says the question is asked; refused that the last answer was
	// not the count or the name.
	open, refused bool
}

// typedAnswer is what a key made of the question.
type typedAnswer int

const (
	typedAsking typedAnswer = iota // still typing
	typedYes                       // the count or the name: go
	typedNo                        // anything else, or esc: do not
)

// ask opens the question for count messages of the stream name.
func (t *typedConfirm) ask(count int, name string) tea.Cmd {
	t.input = textinput.New()
	t.input.Prompt = "type " + strconv.Itoa(count) + " or " + render.Sanitize(name) + " › "
	t.input.CharLimit = 260
	t.count, t.name, t.open, t.refused = count, name, true, false
	return t.input.Focus()
}

// update handles a key while the question is open.
func (t *typedConfirm) update(msg tea.KeyMsg) (typedAnswer, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		t.open = false
		return typedNo, nil
	case tea.KeyEnter:
		t.open = false
		a := strings.TrimSpace(t.input.Value())
		if a != "" && (a == strconv.Itoa(t.count) || a == t.name) {
			return typedYes, nil
		}
		t.refused = true
		return typedNo, nil
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	return typedAsking, cmd
}

// view is the question's line and its keys.
func (t *typedConfirm) view(s *Styles, what string) string {
	return t.input.View() + "\n\n" + s.Warn.Render("enter: "+what+" "+strconv.Itoa(t.count)+" messages") + "   esc: no"
}

// refusal says the last answer did not confirm.
func (t *typedConfirm) refusal(s *Styles) string {
	return s.StatusError.Render("✖ not confirmed: type " + strconv.Itoa(t.count) + " or " + render.Sanitize(t.name) + " to go on")
}
