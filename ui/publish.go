package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// publishAsked asks a messages page to publish a copy of a message (its
// detail page's P).
type publishAsked struct {
	page int
	from sources.Message
}

func (m publishAsked) pageID() int { return m.page }

// publishFileWritten carries the file the message to publish to stream
// was written to for the editor.
type publishFileWritten struct {
	page   int
	stream string
	path   string
	doc    []byte
	err    error
}

func (m publishFileWritten) pageID() int { return m.page }

// publishEditorClosed says the editor exited.
type publishEditorClosed struct {
	page   int
	stream string
	path   string
	doc    []byte
	err    error
}

func (m publishEditorClosed) pageID() int { return m.page }

// publishRead carries the message to publish, read back from the file,
// and the stream it is for.
type publishRead struct {
	page   int
	stream string
	msg    sources.Message
	err    error
}

func (m publishRead) pageID() int { return m.page }

// publishDone reports what the broker did with the message.
type publishDone struct {
	page   int
	placed []sources.Placement
	err    error
}

func (m publishDone) pageID() int { return m.page }

// publishTarget is where a publish from the stream's page goes: the
// stream, or, for a tap of an exchange, the exchange with the message's
// key as its routing key.
func publishTarget(st sources.StreamInfo) sources.Target {
	if st.Tap {
		return sources.Target{Exchange: true, Stream: st.Name}
	}
	return sources.Target{Stream: st.Name}
}

// keysOf is what a publish to st calls the message's key.
func keysOf(st sources.StreamInfo) publishKeys {
	switch {
	case publishTarget(st).Exchange:
		return routingKeyField
	case st.RoutedByName:
		return noKeyField
	}
	return keyField
}

// targetText names a publish's target for people: an exchange's routing
// key comes with each message, so none is named with it.
func targetText(t sources.Target) string {
	if t.Exchange && t.Stream != "" && t.RoutingKey == "" {
		return "exchange " + t.Stream
	}
	return t.String()
}

// startPublish writes the message to publish (a copy of from, or a new
// one when from is nil) to a file and opens the editor on it.
func (p *messagesPage) startPublish(from *sources.Message) tea.Cmd {
	return beginPublish(p.conn, p.stream, p.pid, from)
}

// beginPublish is the first stage of a publish to st from page: the
// message to publish (a copy of from, or a new one when from is nil)
// written to a file for the editor.
func beginPublish(conn sources.Conn, st sources.StreamInfo, page int, from *sources.Message) tea.Cmd {
	if _, ok := conn.(sources.Publisher); !ok {
		return setError(fmt.Errorf("connection %s cannot publish", conn.Name()))
	}
	if from != nil && from.Truncated() {
		return setError(fmt.Errorf("the buffer holds only the start of this value (%d of %d bytes): nothing to copy whole", len(from.Value), from.ValueSize))
	}
	m := sources.Message{Partition: sources.NoPartition, Value: []byte("{}")} // no key: the document says null
	if from != nil {
		m = *from
		m.Properties = nil
	}
	tp, withProps := conn.(sources.PublishTemplater)
	if withProps {
		m = tp.PublishTemplate(st.Name, from)
	}
	keys := keysOf(st)
	if keys == noKeyField {
		m.Key = nil // not sent: the stream's name routes it
	}
	doc := publishDocument(m, targetText(publishTarget(st)), withProps, keys)
	return func() tea.Msg {
		path, err := editor.TempFile(doc)
		return publishFileWritten{page: page, stream: st.Name, path: path, doc: doc, err: err}
	}
}

// publishStep handles the stages of a publish: the editor, the message
// read back (which opens the confirmation), the broker's answer.
func (p *messagesPage) publishStep(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case publishAsked:
		return p.startPublish(&msg.from)
	case publishRead:
		if msg.err != nil {
			return setError(msg.err)
		}
		p.openOverlay(publishOverlay{newPublishDialog(p.c, p.conn, p.pid, p.stream, msg.msg)})
		return nil
	case publishDone:
		d := p.publishing()
		if d == nil {
			return nil
		}
		p.closeOverlays()
		return d.done(msg)
	}
	return editPublish(msg)
}

// editPublish handles the editor's stages of a publish, on any page: the
// editor opened on the file, the message read back from it.
func editPublish(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case publishFileWritten:
		if msg.err != nil {
			return setError(msg.err)
		}
		return tea.ExecProcess(editor.Command(msg.path), func(err error) tea.Msg {
			return publishEditorClosed{page: msg.page, stream: msg.stream, path: msg.path, doc: msg.doc, err: err}
		})
	case publishEditorClosed:
		return func() tea.Msg {
			doc, _, err := editor.ReadBack(msg.path, msg.doc)
			switch {
			case msg.err != nil:
				return publishRead{page: msg.page, stream: msg.stream, err: fmt.Errorf("the editor failed (set $EDITOR): %w", msg.err)}
			case err != nil:
				return publishRead{page: msg.page, stream: msg.stream, err: err}
			}
			m, err := parsePublishDocument(doc)
			return publishRead{page: msg.page, stream: msg.stream, msg: m, err: err}
		}
	}
	return nil
}

// publishDialog shows what is about to be published and asks.
type publishDialog struct {
	c       *Common
	conn    sources.Conn
	page    int
	stream  sources.StreamInfo
	target  sources.Target
	msg     sources.Message
	sending bool
}

func newPublishDialog(c *Common, conn sources.Conn, page int, st sources.StreamInfo, m sources.Message) *publishDialog {
	return &publishDialog{c: c, conn: conn, page: page, stream: st, target: publishTarget(st), msg: m}
}

// update handles a key: y or enter publishes; esc, n or q closes; every
// other key does nothing (no is the default). It returns whether the
// dialog is closed.
func (d *publishDialog) update(msg tea.KeyMsg) (tea.Cmd, bool) {
	if d.sending {
		return nil, false
	}
	switch {
	case msg.Type == tea.KeyEsc || msg.String() == "n" || msg.String() == "q":
		return setStatus("nothing published"), true
	case msg.String() == "y" || msg.Type == tea.KeyEnter:
		if refused := d.c.readOnlyKey(d.conn); refused != nil {
			return refused, true
		}
		d.sending = true
		return d.send(), false
	}
	return nil, false
}

// send publishes the message and writes its audit line, in a Cmd.
func (d *publishDialog) send() tea.Cmd {
	pub := d.conn.(sources.Publisher) // startPublish checked it
	req := sources.PublishRequest{Target: d.target, Partition: sources.NoPartition, Messages: []sources.Message{d.msg}}
	page, dir, conn := d.page, d.c.StateDir, d.conn.Name()
	log := d.c.logger()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		placed, err := pub.Publish(ctx, req)
		log.Info("published", "connection", conn, "target", req.Target.String(), "placed", len(placed), "err", err)
		if aerr := auditPublish(dir, conn, req, placed); aerr != nil && err == nil {
			err = fmt.Errorf("published, but the audit log: %w", aerr)
		}
		return publishDone{page: page, placed: placed, err: err}
	}
}

// auditPublish writes a publish's audit lines (none without a state
// directory).
func auditPublish(dir, conn string, req sources.PublishRequest, placed []sources.Placement) error {
	if dir == "" || len(placed) == 0 {
		return nil
	}
	a, err := replay.OpenAudit(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		return err
	}
	defer a.Close()
	now := time.Now()
	for i, pl := range placed {
		result := "published: " + pl.String()
		switch {
		case pl.NotDelivered != nil:
			result = pl.String()
		case pl.Unroutable:
			result = "unroutable: returned by the broker"
		}
		if err := a.Write(replay.AuditRecord{Time: now, Action: "publish", Connection: conn, Source: "tui", Position: fmt.Sprint(i + 1),
			Target: req.Target.String(), MessageID: pl.ID, Result: result}); err != nil {
			return err
		}
	}
	return nil
}

// done is the status line the broker's answer makes.
func (d *publishDialog) done(msg publishDone) tea.Cmd {
	switch {
	case msg.err != nil:
		return setError(fmt.Errorf("publish to %s: %w", d.target, msg.err))
	case len(msg.placed) == 0:
		return setError(fmt.Errorf("publish to %s: the broker said nothing", d.target))
	case msg.placed[0].Unroutable:
		return setError(fmt.Errorf("not published: %s", msg.placed[0]))
	}
	return setStatus("published: " + render.Sanitize(msg.placed[0].String()))
}

// placementPreview says where the message will go, before it is written.
func (d *publishDialog) placementPreview() string {
	switch {
	case d.target.Exchange:
		return "routing key " + render.Sanitize(string(d.msg.Key))
	case len(d.stream.Partitions) > 0:
		if kp, ok := d.conn.(sources.KeyPartitioner); ok {
			if n, ok := kp.PartitionFor(d.msg.Key, len(d.stream.Partitions)); ok {
				return fmt.Sprintf("partition %d (by key)", n)
			}
			return fmt.Sprintf("a partition of %d (no key: at random)", len(d.stream.Partitions))
		}
	}
	return ""
}

// size is the bytes the message carries: value, key and headers.
func (d *publishDialog) size() int {
	n := len(d.msg.Value) + len(d.msg.Key)
	for _, h := range d.msg.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// view draws the confirmation in at most width x height.
func (d *publishDialog) view(width, height int) string {
	s := d.c.Styles
	var b strings.Builder
	b.WriteString(s.Title.Render("Publish to "+render.Sanitize(targetText(d.target))) + "\n\n")
	row := func(label, v string) {
		fmt.Fprintf(&b, "%s %s\n", s.Label.Render(fmt.Sprintf("%-11s", label)), v)
	}
	row("connection", render.Sanitize(d.conn.Name()))
	if where := d.placementPreview(); where != "" {
		row("placed", where)
	}
	switch keysOf(d.stream) {
	case noKeyField:
		row("routing key", render.Sanitize(d.stream.Name)+s.Muted.Render(" (the queue's name)"))
	case keyField:
		row("key", shownBytes(d.msg.Key, 60))
	} // an exchange's: placed says it
	for i, h := range d.msg.Headers {
		if i == 6 {
			row("", fmt.Sprintf("… %d more headers", len(d.msg.Headers)-6))
			break
		}
		row(firstLabel(i, "headers"), ansi.Truncate(render.Sanitize(h.Key)+": "+headerText(s, h), 70, "…"))
	}
	for i, p := range d.msg.Properties {
		if i == 6 {
			row("", fmt.Sprintf("… %d more properties", len(d.msg.Properties)-6))
			break
		}
		v := ansi.Truncate(render.Sanitize(p.Value), 50, "…")
		if p.Value == "" {
			v = s.Muted.Render("(empty)")
			if d.target.Exchange || d.stream.RoutedByName { // AMQP sends no empty property
				v = s.Muted.Render("(empty: not sent)")
			}
		}
		row(firstLabel(i, "properties"), render.Sanitize(p.Name)+": "+v)
	}
	row("value", shownBytes(d.msg.Value, 60))
	row("size", sources.SizeText(d.size()))
	keys := s.Warn.Render("y/enter: publish") + "   esc: cancel"
	if d.sending {
		keys = s.Muted.Render("publishing, waiting for the broker…")
	}
	boxW := min(width-4, 90)
	wrap := lipgloss.NewStyle().Width(max(boxW-2, 1))
	body := wrap.Render(strings.TrimRight(b.String(), "\n"))
	lines := strings.Split(body, "\n")
	if room := height - 5; len(lines) > room && room > 0 {
		lines = append(lines[:room-1], s.Muted.Render("…"))
	}
	return s.Overlay.Width(boxW).Render(strings.Join(lines, "\n") + "\n\n" + wrap.Render(keys))
}

// shownBytes is a key or value for the confirmation as the detail shows
// it (control characters as pictures, binary as hex), cut to width cells.
func shownBytes(b []byte, width int) string {
	if len(b) > 4*width { // what fits, and whole runes: more is not drawn
		cut := 4 * width
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		b = b[:cut]
	}
	return ansi.Truncate(keyText(b), width, "…")
}

// firstLabel labels the first row of a list (i 0), not the rest.
func firstLabel(i int, label string) string {
	if i == 0 {
		return label
	}
	return ""
}

// publishFromDetail is the detail page's P: back to the list, which opens
// the editor on a copy of the message.
func (p *messagesPage) publishFromDetail(m sources.Message) tea.Cmd {
	if refused := p.c.readOnlyKey(p.conn); refused != nil {
		return refused // said on the detail page, which stays
	}
	page := p.pid
	return tea.Sequence(pop(), func() tea.Msg { return publishAsked{page: page, from: m} })
}
