package ui

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// copyChoice is one line of the copy menu: the key that picks it and what
// it copies.
type copyChoice struct{ key, desc string }

// copyMenu asks what of a message to copy; h opens a picker of its
// headers, enter there copies the header's value.
type copyMenu struct {
	c       *Common
	msg     sources.Message
	conn    sources.Conn // where the message was read (nil: unknown): the commands name it
	headers bool         // the header picker is open
	cur     cursor
}

func newCopyMenu(c *Common, m sources.Message, conn sources.Conn) *copyMenu {
	return &copyMenu{c: c, msg: m, conn: conn}
}

// choices are the menu's lines; kcat only where kcat reaches.
func (cm *copyMenu) choices() []copyChoice {
	out := []copyChoice{{"v", "value"}, {"m", "message as JSON"}, {"k", "key"}, {"h", "header…"}, {"p", "position"}, {"c", "mqscope produce command"}}
	if connFlags(cm.conn).KcatBrokers != "" {
		out = append(out, copyChoice{"K", "kcat -P command"})
	}
	return out
}

// update handles a key; it reports whether the menu is done.
func (cm *copyMenu) update(msg tea.KeyMsg) (tea.Cmd, bool) {
	if msg.Type == tea.KeyEsc || msg.String() == "q" {
		if cm.headers {
			cm.headers = false
			return nil, false
		}
		return nil, true
	}
	if cm.headers {
		n := len(cm.msg.Headers)
		if cm.cur.move(msg, cm.c.Keys, n, copyMenuRows) {
			return nil, false
		}
		if msg.Type == tea.KeyEnter && n > 0 {
			h := cm.msg.Headers[cm.cur.sel]
			return copyBytes(cm.c, h.Value, "header "+render.Field(h.Key, 40)), true
		}
		return nil, false
	}
	m := &cm.msg
	switch msg.String() {
	case "v":
		return copyValue(cm.c, m), true
	case "m":
		return copyMessage(cm.c, m), true
	case "k":
		if m.Key == nil {
			return setStatus("the message has no key"), true
		}
		return copyBytes(cm.c, m.Key, "key"), true
	case "h":
		if len(m.Headers) == 0 {
			return setStatus("the message has no headers"), true
		}
		cm.headers, cm.cur = true, cursor{}
		return nil, false
	case "p":
		return copyText(cm.c, positionText(m), "position"), true
	case "c":
		if m.Truncated() {
			return truncatedCopy(m), true
		}
		what := "mqscope produce command"
		if connFlags(cm.conn).Credentials {
			what += " (credentials left out: give them in the environment or the config)"
		}
		return copyCommand(cm.c, what, func() (string, error) { return produceCommand(cm.conn, m) }), true
	case "K":
		brokers := connFlags(cm.conn).KcatBrokers
		if brokers == "" {
			return nil, false
		}
		if m.Truncated() {
			return truncatedCopy(m), true
		}
		return copyCommand(cm.c, "kcat command", func() (string, error) { return kcatCommand(brokers, m) }), true
	}
	return nil, false
}

// copyBytes copies a key or a header value: as text when it pastes
// safely, base64 when not.
func copyBytes(c *Common, b []byte, what string) tea.Cmd {
	text, encoded := clipBytes(b)
	if encoded {
		what += " as base64"
	}
	return copyText(c, text, what)
}

// copyCommand copies a command line, or says why there is none.
func copyCommand(c *Common, what string, build func() (string, error)) tea.Cmd {
	text, err := build()
	if err != nil {
		return setError(fmt.Errorf("copy %s: %w", what, err))
	}
	return copyText(c, text, what)
}

// truncatedCopy refuses a command for a value the buffer holds only the
// start of: it would publish the start only.
func truncatedCopy(m *sources.Message) tea.Cmd {
	return setError(fmt.Errorf("value truncated in the buffer (%s of %s): use mqscope export", render.Size(len(m.Value)), render.Size(m.ValueSize)))
}

// view is the menu's box.
func (cm *copyMenu) view() string {
	s := cm.c.Styles
	var b strings.Builder
	if cm.headers {
		b.WriteString(s.Title.Render("Copy which header?") + "\n\n")
		kw := 0
		for _, h := range cm.msg.Headers {
			kw = max(kw, len(render.Field(h.Key, 30)))
		}
		from, to := cm.cur.window(len(cm.msg.Headers), copyMenuRows)
		for i := from; i < to; i++ {
			h := cm.msg.Headers[i]
			line := cell(render.Field(h.Key, 30), min(kw, 30), false) + "  " + headerPreview(h.Value, 30)
			if i == cm.cur.sel {
				line = s.Selected.Render(line)
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n" + s.Muted.Render("enter: copy its value   esc: back"))
		return s.Overlay.Render(b.String())
	}
	b.WriteString(s.Title.Render("Copy what?") + "\n\n")
	for _, ch := range cm.choices() {
		b.WriteString(s.HelpKey.Render(ch.key) + "  " + s.HelpDesc.Render(ch.desc) + "\n")
	}
	if connFlags(cm.conn).Credentials {
		b.WriteString("\n" + s.Muted.Render("the commands leave the credentials out:\ngive them in the environment or the config"))
	}
	b.WriteString("\n" + s.Muted.Render("esc: cancel"))
	return s.Overlay.Render(b.String())
}

// headerPreview is a header value on one line of the picker, no raw
// control byte in it: text as it is; valid UTF-8 with control characters
// labelled so, the controls as their pictures; bytes that are not UTF-8
// as "binary" in hex. A cut preview ends with "…".
func headerPreview(v []byte, width int) string {
	switch {
	case v == nil:
		return "∅ null"
	case len(v) == 0:
		return "(empty)"
	case !utf8.Valid(v):
		return hexPreview(v, width)
	case pasteSafe(v) && !bytes.ContainsAny(v, "\t\n\r"):
		return render.Field(string(v), width)
	}
	return "⟨text, controls⟩ " + render.Field(string(v), width)
}

// hexPreview is "⟨bin SIZE⟩" and the first bytes in hex that fit width,
// then "…" when some are left out.
func hexPreview(v []byte, width int) string {
	prefix := "⟨bin " + render.Size(len(v)) + "⟩"
	room := (width - utf8.RuneCountInString(prefix)) / 3
	cut := len(v) > room
	if cut {
		room = max((width-utf8.RuneCountInString(prefix)-2)/3, 1)
	}
	var b strings.Builder
	b.WriteString(prefix)
	for _, c := range v[:min(len(v), room)] {
		fmt.Fprintf(&b, " %02x", c)
	}
	if cut {
		b.WriteString(" …")
	}
	return b.String()
}

// copyMenuRows is how many headers the picker shows at a time.
const copyMenuRows = 12

// keys are the menu's own keys for the key line.
func (cm *copyMenu) keys() []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	if cm.headers {
		return []key.Binding{b("enter", "copy the value"), b("esc", "back")}
	}
	return []key.Binding{b("v/m/k/h/p/c", "copy"), b("esc", "cancel")}
}
