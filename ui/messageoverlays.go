package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// messageOverlays are what takes the message list's keyboard before its
// actions: the question before a costly peek, the start picker, the copy
// menu, the redrive and publish dialogs. key, overlayBox and Capturing
// take them in one order: the first one open has the keyboard and is drawn.
type messageOverlays struct {
	confirm      string // a question to answer before reading (enter: yes, esc: no)
	picker       *startPicker
	copying      *copyMenu
	publish      *publishDialog // the confirmation of a publish (P)
	redrive      *redriveDialog
	redriveOnEnd bool // open the redrive dialog once a bounded read ends
}

// closeOverlays stops what an open dialog watches (a redrive's progress).
func (o *messageOverlays) closeOverlays() {
	if o.redrive != nil {
		o.redrive.close()
	}
}

// key hands a key to what has the keyboard: an overlay, the prompt, a
// search running (esc stops it), else the page's actions.
func (p *messagesPage) key(msg tea.KeyMsg) tea.Cmd {
	if p.confirm != "" {
		switch {
		case msg.Type == tea.KeyEnter:
			p.confirm = ""
			return p.restart()
		case msg.Type == tea.KeyEsc, msg.String() == "q", msg.String() == "n":
			return pop()
		}
		return nil
	}
	if p.picker != nil {
		return p.picker.update(msg)
	}
	if p.copying != nil {
		cmd, done := p.copying.update(msg)
		if done {
			p.copying = nil
		}
		return cmd
	}
	if p.prompt != "" {
		return p.typePrompt(msg)
	}
	if p.srch != nil && msg.Type == tea.KeyEsc {
		return p.cancelSearch()
	}
	if p.publish != nil {
		cmd, closed := p.publish.update(msg)
		if closed {
			p.publish = nil
		}
		return cmd
	}
	if p.redrive != nil {
		cmd, closed := p.redrive.update(msg)
		if closed {
			ran := p.redrive.state == redriveDone
			p.redrive.close()
			p.redrive = nil
			if ran { // the DLQ changed: read it again
				return p.read()
			}
		}
		return cmd
	}
	return p.actions().run(msg)
}

// Capturing is true while the start picker, a question, the redrive
// dialog or a prompt is open, and while a search runs (esc stops it).
func (p *messagesPage) Capturing() bool {
	return p.picker != nil || p.confirm != "" || p.redrive != nil || p.publish != nil || p.prompt != "" || p.srch != nil || p.copying != nil
}

// overlayBox is the open overlay drawn in w x h ("" when none is open);
// with the prompt, the list of fields Tab asked for.
func (p *messagesPage) overlayBox(w, h int) string {
	s := p.c.Styles
	switch {
	case p.picker != nil:
		return p.picker.view()
	case p.copying != nil:
		return p.copying.view()
	case p.prompt != "" && p.tab.help > 0:
		box, _ := fieldsHelp(s, w, h, p.tab.help)
		return box
	case p.redrive != nil:
		return p.redrive.view(w, h)
	case p.publish != nil:
		return p.publish.view(w, h)
	case p.confirm != "":
		return s.Overlay.Render(s.Warn.Render("⚠ Peek changes this queue") + "\n\n" + p.confirm)
	}
	return ""
}

// openRedrive plans a redrive of the marked messages, or of every message
// read (a RabbitMQ queue: of every message it holds).
func (p *messagesPage) openRedrive() tea.Cmd {
	msgs := p.chosen()
	if len(msgs) == 0 {
		return setStatus("nothing to redrive: no message read")
	}
	whole := p.stream.Queue && len(p.marks) == 0 && p.view.flt == nil && p.readFilter == ""
	p.redrive = newRedriveDialog(p.c, p.conn, p.pid, p.stream.Name, msgs, whole)
	return p.redrive.replan()
}
