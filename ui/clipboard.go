package ui

import (
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// clipboardLimit is the largest text sent with OSC 52; terminals drop
// larger sequences.
const clipboardLimit = 1 << 20

// copyText writes text to the terminal's clipboard with OSC 52 (works over
// SSH and in tmux) in a Cmd and reports it in the status line. OSC 52
// carries the text in base64, so nothing in it reaches the terminal as a
// sequence; text itself must be safe to paste (safetext.Clean).
func copyText(c *Common, text, what string) tea.Cmd {
	w := c.Clipboard
	return func() tea.Msg {
		if w == nil {
			return statusSet{text: "no terminal to copy to", err: true}
		}
		if len(text) > clipboardLimit {
			return statusSet{text: fmt.Sprintf("%s is %s: too large for the clipboard (limit %s); use mqscope export", what, render.Size(len(text)), render.Size(clipboardLimit)), err: true}
		}
		if _, err := osc52.New(text).WriteTo(w); err != nil {
			return statusSet{text: "copy: " + err.Error(), err: true}
		}
		return statusSet{text: fmt.Sprintf("copied %s (%s)", what, render.Size(len(text)))}
	}
}

// copyValue copies a message's value: as text when it is UTF-8 a terminal
// shows as it is, base64 when it is not UTF-8 or holds control characters
// (pasted into a shell, an ESC or a bidi override would act there).
func copyValue(c *Common, m *sources.Message) tea.Cmd {
	if m.Truncated() {
		return setError(fmt.Errorf("value truncated in the buffer (%s of %s): use mqscope export", render.Size(len(m.Value)), render.Size(m.ValueSize)))
	}
	if !utf8.Valid(m.Value) {
		return copyText(c, base64.StdEncoding.EncodeToString(m.Value), "value as base64")
	}
	if !safetext.Clean(string(m.Value)) {
		return copyText(c, base64.StdEncoding.EncodeToString(m.Value), "value as base64 (it holds control characters)")
	}
	return copyText(c, string(m.Value), "value")
}

// copyMessage copies the whole message as one JSON capture line (controls
// escaped as \uXXXX, names and values that are not UTF-8 in base64).
func copyMessage(c *Common, m *sources.Message) tea.Cmd {
	return copyText(c, string(capture.AppendRecord(nil, m)), "message as JSON")
}
