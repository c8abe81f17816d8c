package ui

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/render"
)

const (
	// textShowLimit and binaryShowLimit bound how much of a value the detail
	// view renders until the user asks for all of it.
	textShowLimit   = 64 << 10
	binaryShowLimit = 8 << 10
	// stackTraceLines is how many stack trace lines are shown.
	stackTraceLines = 8
)

// detailLine is one logical line of the detail view: a prefix (a label, or
// indentation) and text that wraps under the prefix when it is too long.
type detailLine struct {
	prefix string
	indent int
	text   string
	hard   bool // wrap anywhere (stack frames), not at spaces
}

// stepper moves the message list's selection to delta rows from the
// message from (the one the detail shows) and returns the message now
// selected.
type stepper func(from sources.Message, delta int) (sources.Message, bool)

// fetcher reads one message again, whole; nil where the stream cannot be
// read at a position (a queue).
type fetcher func(ctx context.Context, m sources.Message) (sources.Message, error)

// fetchTimeout bounds fetching one value again.
const fetchTimeout = 20 * time.Second

// valueFetched carries a message read again because the buffer held only
// the start of its value.
type valueFetched struct {
	page int
	pos  string // replay.Position of the message asked for
	msg  sources.Message
	err  error
}

func (m valueFetched) pageID() int { return m.page }

// detailPage shows one message: properties, dead-letter provenance,
// headers and the value.
type detailPage struct {
	pageBase
	msg      sources.Message
	step     stepper
	fetch    fetcher
	fetching bool  // the whole value is being read again
	fetchErr error // why it could not be
	ctx      context.Context
	cancel   context.CancelFunc
	full     bool
	bytes    bool         // show the value's bytes, not its decoded document (b)
	raw      []detailLine // the content, unwrapped
	lines    []string     // the content wrapped to the width
	width    int
	unwrap   bool // lines run past the width and scroll sideways (w)
	widest   int  // the widest line, in cells
	side     hscroller
	// note is what the list keeps with the message (the decoded start of a
	// value its buffer cut, see heldNotes); held asks the list for the
	// note of its selection (nil: no list).
	note []byte
	held func() []byte
	// earlier finds where an earlier redrive copied a dead letter (nil: unknown).
	earlier func(*sources.Message) (replay.EarlierCopy, bool)
	// publish publishes a copy of the message (P; nil: the page cannot).
	publish func(sources.Message) tea.Cmd
	// listed says the page below is the list of the message's stream, whose
	// crumb names it already.
	listed bool
	// conn is the connection the message was read on (nil: unknown), for
	// the commands the copy menu writes.
	conn    sources.Conn
	copying *copyMenu // the copy menu, when open
	scroller
}

// setEarlier gives the page the list's knowledge of earlier redrives.
func (p *detailPage) setEarlier(f func(*sources.Message) (replay.EarlierCopy, bool)) {
	p.earlier = f
	p.build()
}

func newDetailPage(c *Common, m sources.Message, step stepper, fetch fetcher) *detailPage {
	p := &detailPage{pageBase: pageBase{c: c}, msg: m, step: step, fetch: fetch}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.build()
	return p
}

func (p *detailPage) Init() tea.Cmd { return tea.Batch(p.refetch(), p.fetchSchemas()) }

// decoder is the schema decoder of the message's connection (nil: none).
func (p *detailPage) decoder() *schema.Decoder { return p.c.decoder(p.msg.Conn) }

// fetchSchemas fetches, in a Cmd, the schemas of the message's key and
// value that are not held yet; nil when none is missing.
func (p *detailPage) fetchSchemas() tea.Cmd {
	d := p.decoder()
	if d == nil {
		return nil
	}
	msgs := []sources.Message{p.msg}
	if len(missingSchemas(d, msgs, false)) == 0 {
		return nil
	}
	return fetchSchemas(p.ctx, d, msgs, p.pid, replay.Position(p.msg))
}

// refetch reads the message again when the buffer holds only part of its
// value and the stream can be read at a position.
func (p *detailPage) refetch() tea.Cmd {
	if !p.msg.Truncated() || p.fetch == nil {
		return nil
	}
	p.fetching, p.fetchErr = true, nil
	p.build()
	ctx, fetch, m, page := p.ctx, p.fetch, p.msg, p.pid
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		defer cancel()
		full, err := fetch(ctx, m)
		return valueFetched{page: page, pos: replay.Position(m), msg: full, err: err}
	}
}

// build renders the message into lines; it runs on open, on resize and on
// toggles, never in View.
func (p *detailPage) build() {
	s := p.c.Styles
	m := &p.msg
	var out []detailLine
	line := func(t string) { out = append(out, detailLine{text: t}) }
	kv := func(l, v string) {
		out = append(out, detailLine{prefix: s.Label.Render(fmt.Sprintf("%-11s", l)) + " ", indent: 12, text: v})
	}
	section := func(t string) { line(""); line(s.Section.Render(t)) }

	where := render.Sanitize(m.Stream)
	if m.Partition != sources.NoPartition {
		where += "  partition " + strconv.Itoa(int(m.Partition))
	}
	if m.IDPosition {
		kv("Stream", where+"  id "+render.Sanitize(m.Position()))
	} else {
		kv("Stream", where+"  offset "+strconv.FormatInt(m.Offset, 10))
	}
	if !m.Timestamp.IsZero() {
		kv("Time", m.Timestamp.In(p.c.Location).Format("2006-01-02 15:04:05.000 MST")+s.Muted.Render("  ("+strconv.FormatInt(m.Timestamp.UnixMilli(), 10)+")"))
	}
	if m.ID != "" {
		kv("ID", render.Sanitize(m.ID))
	}
	dec := p.decoder()
	key, value := showPart(dec, schema.PartKey, m), showPart(dec, schema.PartValue, m)
	switch {
	case key.decodedOK():
		kv("Key", render.Sanitize(string(docText(key.dec.JSON)))+s.Muted.Render("  ("+render.Sanitize(key.dec.Ref.String())+")"))
	case key.typed && !key.ready:
		kv("Key", s.Muted.Render("decoding…  ")+keyText(m.Key))
	case key.typed:
		kv("Key", keyText(m.Key)+"  "+s.Warn.Render("✖ "+render.Sanitize(oneLine(key.dec.Err))))
	case m.Key == nil: // no key (a Redis entry has none): the mark alone
		kv("Key", "∅")
	default:
		kv("Key", keyText(m.Key))
	}
	size := fmt.Sprintf("value %s  key %s  %s", render.Size(m.ValueSize), render.Size(len(m.Key)), plural(len(m.Headers), "header"))
	if m.Redelivered {
		size += "  " + s.Warn.Render("redelivered")
	}
	kv("Size", size)
	if f := m.Flaw; f != nil {
		kv("Poison", s.Warn.Render(render.Sanitize(render.Size(f.HeaderBytes)+" of headers: "+f.Reason)))
	}
	if r := m.Redriven; r != nil {
		section(render.Sanitize(r.Summary()))
		kv("Note", "not a dead letter: the dead-letter headers it kept describe the failure before it was redriven")
		if r.Before != nil {
			kv("Before", render.Sanitize(r.Before.Summary()))
		}
	}
	if d := m.DeadLetter; d != nil {
		section("Dead letter (" + render.Sanitize(d.Scheme) + ")")
		if p.earlier != nil {
			if e, ok := p.earlier(m); ok {
				kv("Redriven", s.Warn.Render(render.Sanitize(e.String())))
			}
		}
		origin := render.Sanitize(d.OriginStream)
		if d.OriginPartition != sources.NoPartition {
			origin += "  partition " + strconv.Itoa(int(d.OriginPartition))
		}
		nats := d.BySubject
		if at := d.OriginAt(); at != "" && d.OriginPosition != "" {
			origin += "  id " + at
		} else if at != "" && nats {
			origin += "  sequence " + at
		} else if at != "" {
			origin += "  offset " + at
		}
		if origin != "" {
			kv("Origin", origin)
		}
		if !d.OriginTime.IsZero() {
			kv("Orig. time", d.OriginTime.In(p.c.Location).Format("2006-01-02 15:04:05.000 MST"))
		}
		if nats && len(d.RoutingKeys) > 0 { // a JetStream message has a subject, no exchange
			kv("Subject", render.Sanitize(strings.Join(d.RoutingKeys, ", ")))
		} else if d.Exchange != "" || len(d.RoutingKeys) > 0 {
			kv("Exchange", exchangeName(d.Exchange, "(default exchange)")+"  routing keys "+render.Sanitize(strings.Join(d.RoutingKeys, ", ")))
		}
		if d.ConsumerGroup != "" {
			kv("Consumer", render.Sanitize(d.ConsumerGroup))
		}
		if d.Reason != "" {
			kv("Reason", render.Sanitize(d.Reason))
		}
		if d.ExceptionClass != "" {
			kv("Exception", s.DLQBadge.Render(render.Sanitize(d.ExceptionClass)))
		}
		if d.CauseClass != "" {
			kv("Cause", render.Sanitize(d.CauseClass))
		}
		if d.ExceptionMessage != "" {
			kv("Message", render.Sanitize(d.ExceptionMessage))
		}
		if d.Count > 0 {
			kv("Count", strconv.FormatInt(d.Count, 10))
		}
		for _, e := range d.Extra {
			kv(render.Sanitize(e.Name), render.Sanitize(e.Value))
		}
		if len(d.Deaths) > 0 && nats {
			line("")
			line(s.Label.Render("History") + s.Muted.Render(" (JetStream advisories)"))
			cols := []column{{title: "CONSUMER", width: 22}, {title: "REASON", width: 14}, {title: "DELIVERIES", width: 10, right: true},
				{title: "SUBJECT", width: 24}, {title: "TIME", width: 19}}
			line(s.ColumnHeader.Render(row(cols, titles(cols)...)))
			for _, x := range d.Deaths {
				at := ""
				if !x.Time.IsZero() {
					at = x.Time.In(p.c.Location).Format("2006-01-02 15:04:05")
				}
				line(row(cols, render.Sanitize(x.Queue), render.Sanitize(x.Reason), strconv.FormatInt(x.Count, 10),
					render.Sanitize(strings.Join(x.RoutingKeys, ",")), at))
			}
		} else if len(d.Deaths) > 0 {
			line("")
			line(s.Label.Render("History") + s.Muted.Render(" (x-death, newest first)"))
			cols := []column{{title: "QUEUE", width: 22}, {title: "REASON", width: 14}, {title: "COUNT", width: 5, right: true},
				{title: "EXCHANGE", width: 14}, {title: "ROUTING KEYS", width: 18}, {title: "TIME", width: 19}}
			line(s.ColumnHeader.Render(row(cols, titles(cols)...)))
			for _, x := range d.Deaths {
				at := ""
				if !x.Time.IsZero() {
					at = x.Time.In(p.c.Location).Format("2006-01-02 15:04:05")
				}
				line(row(cols, render.Sanitize(x.Queue), render.Sanitize(x.Reason), strconv.FormatInt(x.Count, 10),
					exchangeName(x.Exchange, "(default)"), render.Sanitize(strings.Join(x.RoutingKeys, ",")), at))
			}
		}
		if d.StackTrace != "" {
			trace := strings.Split(strings.TrimRight(d.StackTrace, "\n"), "\n")
			if len(trace) > stackTraceLines && !p.full {
				more := len(trace) - stackTraceLines
				trace = append(trace[:stackTraceLines:stackTraceLines], fmt.Sprintf("… %d more lines (f: show all)", more))
			}
			kv("Stack", render.Sanitize(trace[0]))
			for _, l := range trace[1:] {
				frame := strings.TrimLeft(l, " \t")
				indent := 12
				if frame != l { // an "at ..." frame: indented under the exception
					indent = 16
				}
				out = append(out, detailLine{prefix: strings.Repeat(" ", indent), indent: indent, text: render.Sanitize(frame), hard: true})
			}
		}
	}
	if len(m.Properties) > 0 {
		section(fmt.Sprintf("Properties (%d)", len(m.Properties)))
		w := 0
		for _, pr := range m.Properties {
			w = max(w, ansi.StringWidth(render.Sanitize(pr.Name)))
		}
		for _, pr := range m.Properties {
			name := render.Sanitize(pr.Name)
			out = append(out, detailLine{prefix: s.Label.Render(name+strings.Repeat(" ", w-ansi.StringWidth(name))) + "  ", indent: w + 2, text: render.Sanitize(pr.Value)})
		}
	}
	section(fmt.Sprintf("Headers (%d)", len(m.Headers)))
	if len(m.Headers) == 0 {
		line(s.Muted.Render("none"))
	}
	kw := 0
	for _, h := range m.Headers {
		kw = max(kw, len(h.Key))
		if !p.unwrap { // unwrapped, a long name is shown whole: it scrolls sideways
			kw = min(kw, 36)
		}
	}
	for _, h := range m.Headers {
		out = append(out, detailLine{prefix: s.Label.Render(cell(render.Sanitize(h.Key), kw, false)) + "  ", indent: kw + 2, text: headerText(s, h)})
	}
	if value.typed {
		p.schemaBlock(value, key, kv, section, line)
	}
	if value.hasDoc() && !p.bytes {
		section(fmt.Sprintf("Value (%s, %s)", formatName(value.dec.Format), render.Size(m.ValueSize)))
		if value.dec.Err != nil {
			line(s.Warn.Render("✖ " + render.Sanitize(oneLine(value.dec.Err))))
		}
		for _, l := range strings.Split(render.HighlightJSON(value.dec.JSON, s.JSON), "\n") {
			line(l)
		}
		line("")
		line(s.Muted.Render("b: the value's bytes   s: the schema"))
		p.raw = out
		p.width = 0
		p.wrap()
		return
	}
	if value.cut && value.ready && !p.bytes {
		p.cutValue(value, line, section, func(t string) { out = append(out, detailLine{text: t, hard: true}) })
		p.raw = out
		p.width = 0
		p.wrap()
		return
	}
	limit := textShowLimit
	kind := render.Classify(m.Value)
	if kind == render.KindBinary {
		limit = binaryShowLimit
	}
	if p.full {
		limit = 0
	}
	body := render.Value(m.Value, limit, s.JSON)
	title := fmt.Sprintf("Value (%s, %s)", body.Kind, render.Size(m.ValueSize))
	if value.typed {
		title = fmt.Sprintf("Value (bytes: %s, %s)", body.Kind, render.Size(m.ValueSize))
	}
	section(title)
	switch {
	case value.typed && !value.ready:
		line(s.Muted.Render("decoding… (fetching the schema)"))
	case value.hasDoc(): // decoded with an error
		line(s.Warn.Render("✖ " + render.Sanitize(oneLine(value.dec.Err))))
		line(s.Muted.Render("b: the decoded value"))
	case value.ready && value.dec.Err != nil && !value.cut:
		line(s.Warn.Render("✖ not decoded: " + render.Sanitize(oneLine(value.dec.Err))))
	case value.decodedOK():
		line(s.Muted.Render("b: the decoded value"))
	}
	for _, l := range body.Lines {
		line(l)
	}
	if body.Truncated {
		line("")
		line(s.Warn.Render(fmt.Sprintf("… showing %s of %s: press f to show all", render.Size(body.Shown), render.Size(len(m.Value)))))
	}
	if m.Truncated() {
		held := fmt.Sprintf("… the buffer holds %s of %s", render.Size(len(m.Value)), render.Size(m.ValueSize))
		switch {
		case p.fetching:
			held += ": reading the whole value again from the broker…"
		case p.fetchErr != nil:
			held += ": reading it again failed: " + render.Sanitize(p.fetchErr.Error())
		case p.fetch == nil:
			held += " (a queue cannot be read again at a position: mqscope export keeps whole values)"
		}
		line("")
		line(s.Warn.Render(held))
	}
	p.raw = out
	p.width = 0
	p.wrap()
}

// cutValue shows a value with a schema the buffer holds only the start of:
// its decoded start when the list decoded it while it was whole, the whole
// value being read again (where the stream can be read at a position),
// or that the decoded preview is not held; never the start's failure to
// decode, which says nothing of the value.
func (p *detailPage) cutValue(value shown, line, section, hard func(string)) {
	s := p.c.Styles
	m := &p.msg
	format := formatName(value.dec.Format)
	if format == "" {
		format = "bytes"
	}
	section(fmt.Sprintf("Value (%s, %s)", format, render.Size(m.ValueSize)))
	held := fmt.Sprintf("the buffer holds %s of %s", render.Size(len(m.Value)), render.Size(m.ValueSize))
	switch {
	case p.fetching:
		held += ": reading the whole value again from the broker to decode it…"
	case p.fetchErr != nil:
		held += ": reading it again failed: " + render.Sanitize(p.fetchErr.Error())
	case p.fetch == nil:
		held += " (a queue cannot be read again at a position: mqscope export keeps whole values)"
	}
	preview, failed := readNote(p.note)
	switch {
	case preview != nil:
		for _, l := range strings.Split(string(preview), "\n") {
			hard(render.Sanitize(l)) // a document's long line wraps anywhere, not at its hyphens
		}
		line("")
		line(s.Warn.Render(fmt.Sprintf("… the first %s of the decoded value, decoded when it was read; %s", render.Size(len(preview)), held)))
	case failed != "":
		line(s.Warn.Render("✖ not decoded: " + render.Sanitize(failed)))
		line(s.Muted.Render(held))
	default:
		line(s.Warn.Render(fmt.Sprintf("decoded preview not held (%s): %s", render.Size(m.ValueSize), held)))
	}
	line("")
	line(s.Muted.Render("b: the bytes held"))
}

// schemaBlock adds what the value was decoded with: format, subject,
// version (and the latest), id, the message type, the key's schema.
func (p *detailPage) schemaBlock(value, key shown, kv func(l, v string), section, line func(string)) {
	s := p.c.Styles
	section("Schema")
	if !value.ready {
		wait := registryWait(p.decoder(), []int{value.class.ID})
		if wait == "" {
			wait = fmt.Sprintf("decoding… (fetching schema id %d)", value.class.ID)
		}
		kv("Schema", s.Muted.Render(wait))
		return
	}
	ref := value.dec.Ref
	if value.dec.Err != nil && value.dec.JSON == nil && ref.Format == "" {
		kv("Schema", s.Warn.Render("✖ "+render.Sanitize(oneLine(value.dec.Err))))
		if ref.Origin == schema.OriginRegistry {
			kv("ID", strconv.Itoa(ref.ID))
		}
		return
	}
	kv("Format", formatName(ref.Format))
	if ref.Subject != "" {
		kv("Subject", render.Sanitize(ref.Subject))
	}
	if len(ref.Subjects) > 0 {
		kv("Subjects", render.Sanitize(fmt.Sprintf("id %d is under %d subjects: %s", ref.ID, len(ref.Subjects), schema.SubjectList(ref.Subjects))))
	}
	if ref.Version > 0 {
		v := "v" + strconv.Itoa(ref.Version)
		if ref.Deleted {
			v += " (deleted)"
		}
		switch {
		case ref.LatestErr != nil:
			v += "  " + s.Warn.Render("latest version unknown: its lookup failed")
		case ref.Latest > ref.Version:
			v += "  " + s.Warn.Render("latest is v"+strconv.Itoa(ref.Latest))
		case ref.Latest == ref.Version:
			v += s.Muted.Render("  (the latest)")
		}
		kv("Version", v)
	}
	if ref.Origin == schema.OriginRegistry {
		kv("ID", strconv.Itoa(ref.ID))
	}
	if ref.Local != "" {
		kv("Local", render.Sanitize(ref.Local))
	}
	if note := ref.FramingNote(); note != "" {
		kv("Framing", s.Warn.Render(render.Sanitize(note)))
	}
	if ref.Message != "" {
		msg := render.Sanitize(ref.Message)
		if len(ref.Indexes) > 0 {
			msg += s.Muted.Render(fmt.Sprintf("  (message index %v)", ref.Indexes))
		}
		kv("Message", msg)
	}
	if key.decodedOK() {
		kv("Key schema", render.Sanitize(key.dec.Ref.String()))
	}
}

// formatName is how a format is named on screen.
func formatName(f schema.Format) string {
	switch f {
	case schema.FormatAvro:
		return "Avro"
	case schema.FormatProtobuf:
		return "Protobuf"
	case schema.FormatJSONSchema:
		return "JSON Schema"
	case schema.FormatJSON:
		return "JSON"
	}
	return string(f)
}

// oneLine is the first line of an error ("" for nil).
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	l, _, _ := strings.Cut(err.Error(), "\n")
	return l
}

// wrap fits the content to the terminal width.
func (p *detailPage) wrap() {
	w := max(p.c.Width, 20)
	if w == p.width {
		return
	}
	p.width = w
	p.lines = p.lines[:0]
	defer p.measure()
	for _, l := range p.raw {
		if p.unwrap || l.indent+ansi.StringWidth(l.text) <= w {
			p.lines = append(p.lines, l.prefix+l.text)
			continue
		}
		room := max(w-l.indent, 10)
		wrapped := ansi.Wrap(l.text, room, "")
		if l.hard {
			wrapped = ansi.Hardwrap(l.text, room, true)
		}
		for i, part := range strings.Split(wrapped, "\n") {
			if i == 0 {
				p.lines = append(p.lines, l.prefix+part)
			} else {
				p.lines = append(p.lines, strings.Repeat(" ", l.indent)+part)
			}
		}
	}
	p.scrollBy(0)
}

// measure notes the widest line and keeps the sideways offset within it.
func (p *detailPage) measure() {
	p.widest = 0
	for _, l := range p.lines {
		p.widest = max(p.widest, ansi.StringWidth(l))
	}
	p.side.hscroll(0, p.widest, p.width)
}

// setUnwrap wraps the lines to the width, or lets them run past it to
// scroll sideways.
func (p *detailPage) setUnwrap(on bool) {
	p.unwrap = on
	if !on {
		p.side = hscroller{}
	}
	p.build()
}

func keyText(k []byte) string {
	switch {
	case k == nil:
		return "∅ null"
	case len(k) == 0:
		return "(empty)"
	case render.IsText(k):
		return render.Sanitize(string(k))
	}
	return "⟨hex⟩ " + hex.EncodeToString(k)
}

func headerText(s *Styles, h sources.Header) string {
	text, decoded, binary := dlq.FormatHeader(h.Key, h.Value)
	switch {
	case binary:
		return s.Muted.Render("⟨hex⟩ ") + hex.EncodeToString(h.Value)
	case decoded:
		return render.Sanitize(text) + s.Muted.Render(fmt.Sprintf("  (decoded from %d-byte big-endian)", len(h.Value)))
	case h.Value == nil:
		return s.Muted.Render("∅ null")
	}
	return render.Sanitize(text)
}

func (p *detailPage) bodyHeight() int { return max(p.c.Height-3, 1) }

func (p *detailPage) scrollBy(delta int) { p.scroll(delta, len(p.lines), p.bodyHeight()) }

func (p *detailPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case schemasFetched:
		if msg.pos == replay.Position(p.msg) {
			p.build()
		}
	case valueFetched:
		if msg.pos != replay.Position(p.msg) {
			return nil // the user moved on
		}
		p.fetching = false
		if msg.err != nil {
			p.fetchErr = msg.err
		} else {
			p.msg = msg.msg
		}
		p.build()
	case tea.WindowSizeMsg:
		p.wrap()
		p.scrollBy(0)
	case tea.MouseMsg:
		p.wheel(msg, len(p.lines), p.bodyHeight())
	case tea.KeyMsg:
		if p.copying != nil {
			cmd, done := p.copying.update(msg)
			if done {
				p.copying = nil
			}
			return cmd
		}
		return p.actions().run(msg)
	}
	return nil
}

// Capturing is true while the copy menu is open (its esc closes it).
func (p *detailPage) Capturing() bool { return p.copying != nil }

func (p *detailPage) View(w, h int) string {
	if p.copying != nil {
		return overlay(p.body(h), p.copying.view(), w, h)
	}
	return p.body(h)
}

// body is the page's lines on screen.
func (p *detailPage) body(h int) string {
	end := min(p.top+h, len(p.lines))
	if p.side.left == 0 {
		return joinLines(p.lines[p.top:end])
	}
	shown := make([]string, 0, end-p.top)
	for _, l := range p.lines[p.top:end] {
		shown = append(shown, p.side.shift(l))
	}
	return joinLines(shown)
}

// Crumb is the message's position (p1@0, or @97 where the stream has no
// partitions), after its stream's name unless the list below names it.
func (p *detailPage) Crumb() string {
	at := "@" + render.Sanitize(p.msg.Position())
	if p.msg.Partition != sources.NoPartition {
		at = "p" + strconv.Itoa(int(p.msg.Partition)) + at
	}
	if p.listed {
		return at
	}
	return p.c.Styles.Crumb.Render(render.Sanitize(p.msg.Stream)) + " " + at
}

func (p *detailPage) Status() string {
	pct := 100
	if n := len(p.lines) - p.bodyHeight(); n > 0 {
		pct = p.top * 100 / n
	}
	st := fmt.Sprintf("line %d/%d  %d%%", p.top+1, len(p.lines), pct)
	if !p.msg.Timestamp.IsZero() { // a RabbitMQ message without a timestamp property has no time
		st += "  " + p.msg.Timestamp.In(p.c.Location).Format(time.DateTime)
	}
	if p.unwrap {
		st += "  unwrapped " + p.side.marker()
	}
	return p.c.Styles.Status.Render(strings.TrimRight(st, " "))
}

func (p *detailPage) ShortHelp() []key.Binding {
	if p.copying != nil {
		return p.copying.keys()
	}
	return p.actions().keyLine()
}

func (p *detailPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops a fetch in flight.
func (p *detailPage) Close() { p.cancel() }

// exchangeName shows a RabbitMQ exchange's name; the default exchange,
// whose name is empty, as def.
func exchangeName(name, def string) string {
	if name == "" {
		return def
	}
	return render.Sanitize(name)
}
