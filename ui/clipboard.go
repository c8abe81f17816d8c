package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
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
		return truncatedCopy(m)
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

// copyDecoded copies a message's value as the detail shows it: the
// document its schema decoded, as indented JSON (DEL, C1 and bidi
// controls escaped), or, for a value no schema decodes, the value itself
// (copyValue). A schema not fetched yet, or a value that did not decode,
// is said, nothing copied.
func copyDecoded(c *Common, dec *schema.Decoder, m *sources.Message) tea.Cmd {
	v := showPart(dec, schema.PartValue, m)
	switch {
	case !v.typed:
		return copyValue(c, m)
	case m.Truncated():
		return truncatedCopy(m)
	case !v.ready:
		return setStatus("the schema is being fetched…: nothing copied yet")
	case v.dec.JSON == nil:
		return setError(fmt.Errorf("the value did not decode (%s): y in the copy menu (c) copies its bytes", failKind(v.dec.Err)))
	}
	var pretty bytes.Buffer
	doc := v.dec.JSON
	if json.Indent(&pretty, bytes.TrimSpace(doc), "", "  ") == nil {
		doc = pretty.Bytes()
	}
	doc = jsonenc.EscapeControls(doc)
	if !safetext.Clean(string(doc)) {
		return setError(errors.New("the decoded value holds characters a terminal would act on: nothing copied (use mqscope export)"))
	}
	return copyText(c, string(doc), "decoded value as JSON")
}

// copyExportLine copies a message as the one JSON line mqscope export
// writes of it: its raw key, value and headers, and the key and value as
// their schemas decoded them (value_decoded, value_schema), from what the
// decoder holds (no I/O). Controls in it are escaped.
func copyExportLine(c *Common, dec *schema.Decoder, m *sources.Message) tea.Cmd {
	if m.Truncated() {
		return truncatedCopy(m)
	}
	var parts [2]*capture.Decoded
	if dec != nil {
		var outs [2]capture.Decoded
		var recs [2]capture.SchemaRecord
		var ids [2]int
		for i, part := range []schema.Part{schema.PartKey, schema.PartValue} {
			s := showPart(dec, part, m)
			if s.typed && !s.ready {
				return setStatus("the schema is being fetched…: nothing copied yet")
			}
			if s.typed {
				parts[i] = capture.FromSchema(&s.dec, &outs[i], &recs[i], &ids[i])
			}
		}
	}
	line := jsonenc.EscapeControls(capture.AppendRecordDecoded(nil, m, parts[0], parts[1]))
	if !safetext.Clean(string(line)) {
		return setError(errors.New("the export line holds characters a terminal would act on: nothing copied (use mqscope export)"))
	}
	return copyText(c, string(line), "message as an export line")
}
