package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// messageOverlay is what takes the message list's keyboard before its
// actions and is drawn over its rows: the question before a costly peek,
// the start picker, the copy menu, the publish and redrive dialogs. The
// page holds at most one (messageOverlays.slot), so two are never open at
// once; its Update and View ask the open one first.
type messageOverlay interface {
	// overlayKey handles a key; closed says the overlay is done.
	overlayKey(p *messagesPage, msg tea.KeyMsg) (cmd tea.Cmd, closed bool)
	// overlayView is the overlay drawn in at most w x h.
	overlayView(w, h int) string
	// overlayHelp is the key line while it is open (nil: the page's).
	overlayHelp(k *KeyMap) []key.Binding
	// overlayClose stops what it watches (a redrive's progress).
	overlayClose()
}

// messageOverlays is the message list's one overlay slot.
type messageOverlays struct {
	slot         messageOverlay // nil: none open
	redriveOnEnd bool           // open the redrive dialog once a bounded read ends
}

// openOverlay puts o in the slot, closing the one open before.
func (o *messageOverlays) openOverlay(n messageOverlay) {
	o.closeOverlays()
	o.slot = n
}

// closeOverlays closes the open overlay (and stops what it watches).
func (o *messageOverlays) closeOverlays() {
	if o.slot != nil {
		o.slot.overlayClose()
		o.slot = nil
	}
}

// picking is the open start picker (nil: none).
func (o *messageOverlays) picking() *startPicker {
	if v, ok := o.slot.(pickerOverlay); ok {
		return v.startPicker
	}
	return nil
}

// copyingMenu is the open copy menu (nil: none).
func (o *messageOverlays) copyingMenu() *copyMenu {
	if v, ok := o.slot.(copyOverlay); ok {
		return v.copyMenu
	}
	return nil
}

// publishing is the open publish dialog (nil: none).
func (o *messageOverlays) publishing() *publishDialog {
	if v, ok := o.slot.(publishOverlay); ok {
		return v.publishDialog
	}
	return nil
}

// redriving is the open redrive dialog (nil: none).
func (o *messageOverlays) redriving() *redriveDialog {
	if v, ok := o.slot.(redriveOverlay); ok {
		return v.redriveDialog
	}
	return nil
}

// asking is the open peek question ("" when none).
func (o *messageOverlays) asking() string {
	if v, ok := o.slot.(peekQuestion); ok {
		return v.text
	}
	return ""
}

// peekQuestion asks before a peek that changes the queue (enter: yes,
// esc: no).
type peekQuestion struct{ text string }

func (q peekQuestion) overlayKey(p *messagesPage, msg tea.KeyMsg) (tea.Cmd, bool) {
	switch {
	case msg.Type == tea.KeyEnter:
		p.slot = nil
		return p.restart(), true
	case msg.Type == tea.KeyEsc, msg.String() == "q", msg.String() == "n":
		return pop(), false // the page goes, the question with it
	}
	return nil, false
}

func (q peekQuestion) overlayView(int, int) string {
	return "" // drawn by the page, which knows its styles
}

func (q peekQuestion) overlayHelp(*KeyMap) []key.Binding { return nil }
func (q peekQuestion) overlayClose()                     {}

// pickerOverlay is the start picker in the slot; it closes on the
// startChosen or startCancelled it sends.
type pickerOverlay struct{ *startPicker }

func (o pickerOverlay) overlayKey(_ *messagesPage, msg tea.KeyMsg) (tea.Cmd, bool) {
	return o.update(msg), false
}
func (o pickerOverlay) overlayView(int, int) string { return o.view() }
func (o pickerOverlay) overlayHelp(k *KeyMap) []key.Binding {
	return []key.Binding{k.Confirm, k.Back}
}
func (o pickerOverlay) overlayClose() {}

// copyOverlay is the copy menu in the slot.
type copyOverlay struct{ *copyMenu }

func (o copyOverlay) overlayKey(_ *messagesPage, msg tea.KeyMsg) (tea.Cmd, bool) {
	return o.update(msg)
}
func (o copyOverlay) overlayView(int, int) string       { return o.view() }
func (o copyOverlay) overlayHelp(*KeyMap) []key.Binding { return o.keys() }
func (o copyOverlay) overlayClose()                     {}

// publishOverlay is the publish confirmation in the slot.
type publishOverlay struct{ *publishDialog }

func (o publishOverlay) overlayKey(_ *messagesPage, msg tea.KeyMsg) (tea.Cmd, bool) {
	return o.update(msg)
}
func (o publishOverlay) overlayView(w, h int) string       { return o.view(w, h) }
func (o publishOverlay) overlayHelp(*KeyMap) []key.Binding { return nil }
func (o publishOverlay) overlayClose()                     {}

// redriveOverlay is the redrive dialog in the slot; once a redrive ran,
// closing it reads the dead letters again.
type redriveOverlay struct{ *redriveDialog }

func (o redriveOverlay) overlayKey(p *messagesPage, msg tea.KeyMsg) (tea.Cmd, bool) {
	cmd, closed := o.update(msg)
	if closed && o.state == redriveDone { // the DLQ changed: read it again
		o.close()
		p.slot = nil
		return p.read(), true
	}
	return cmd, closed
}
func (o redriveOverlay) overlayView(w, h int) string       { return o.view(w, h) }
func (o redriveOverlay) overlayHelp(*KeyMap) []key.Binding { return nil }
func (o redriveOverlay) overlayClose()                     { o.close() }

// key hands a key to what has the keyboard: the open overlay, the prompt,
// a search running (esc stops it), else the page's actions.
func (p *messagesPage) key(msg tea.KeyMsg) tea.Cmd {
	if o := p.slot; o != nil {
		cmd, closed := o.overlayKey(p, msg)
		if closed && p.slot == o {
			p.closeOverlays()
		}
		return cmd
	}
	if p.prompt != "" {
		return p.typePrompt(msg)
	}
	if p.srch != nil && msg.Type == tea.KeyEsc {
		return p.cancelSearch()
	}
	return p.actions().run(msg)
}

// Capturing is true while an overlay or a prompt is open, and while a
// search runs (esc stops it).
func (p *messagesPage) Capturing() bool {
	return p.slot != nil || p.prompt != "" || p.srch != nil
}

// overlayBox is the open overlay drawn in w x h ("" when none is open);
// with the prompt, the list of fields Tab asked for.
func (p *messagesPage) overlayBox(w, h int) string {
	s := p.c.Styles
	if q := p.asking(); q != "" {
		return s.Overlay.Render(s.Warn.Render("⚠ Peek changes this queue") + "\n\n" + q)
	}
	if p.slot != nil {
		return p.slot.overlayView(w, h)
	}
	if p.prompt != "" && p.tab.help > 0 {
		box, _ := fieldsHelp(s, w, h, p.tab.help)
		return box
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
	d := newRedriveDialog(p.c, p.conn, p.pid, p.stream.Name, msgs, whole)
	p.openOverlay(redriveOverlay{d})
	return d.replan()
}
