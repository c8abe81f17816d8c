package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/msgbuf"
	"github.com/mqscope/mqscope/ui/render"
)

// shown is a key or value as its schema shows it: what Classify said and,
// once the schema is fetched, what Cached decoded.
type shown struct {
	class schema.Class
	dec   schema.Decoded
	typed bool // it has a schema (a registry id, a local schema)
	ready bool // typed, and the schema is fetched (dec is set)
	cut   bool // a value the buffer holds only the start of: dec cannot be its document
	size  int  // the value's size on the broker
}

// decodedOK reports a document to show in place of the bytes.
func (s shown) decodedOK() bool { return s.ready && !s.cut && s.dec.Err == nil && s.dec.JSON != nil }

// hasDoc reports a document to show in place of the bytes, also one the
// decoder produced along with an error (a JSON Schema value that does not
// validate, an Avro decimal beyond its precision): then the error is
// shown with it.
func (s shown) hasDoc() bool { return s.ready && !s.cut && s.dec.JSON != nil }

// showPart classifies a key or value of m and decodes it with the schemas
// d holds, without any I/O (View calls it). A nil decoder shows bytes.
func showPart(d *schema.Decoder, part schema.Part, m *sources.Message) shown {
	if d == nil {
		return shown{}
	}
	data := m.Value
	if part == schema.PartKey {
		data = m.Key
	}
	c := d.Classify(part, m.Stream, m.Headers, m.Properties, data)
	s := shown{class: c, typed: c.Origin != schema.OriginContent, cut: part == schema.PartValue && m.Truncated(), size: m.ValueSize}
	if !s.typed {
		return s
	}
	s.dec, s.ready = d.Cached(c)
	return s
}

// warmSchemas fetches, once per schema id, the schemas the keys and values
// of msgs need, so that a View finds them with Cached. It runs in a Cmd
// (it waits for the registry, at most the decoder's timeout).
func warmSchemas(ctx context.Context, d *schema.Decoder, msgs []sources.Message) {
	if d == nil {
		return
	}
	warmClasses(ctx, d, missingSchemas(d, msgs, true))
}

// warmClasses fetches the schemas of the classes, concurrently.
func warmClasses(ctx context.Context, d *schema.Decoder, fetch []schema.Class) {
	var wg sync.WaitGroup
	for _, c := range fetch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Decode(ctx, c)
		}()
	}
	wg.Wait()
}

// missingSchemas returns one class per registry schema id of msgs that is
// not held yet or whose fetch failed long enough ago to ask again, and
// with failed, one whose fetch failed (Decode asks again once the failure
// is old enough, else answers at once). It does no I/O.
func missingSchemas(d *schema.Decoder, msgs []sources.Message, failed bool) []schema.Class {
	seen := map[int]bool{}
	var out []schema.Class
	for i := range msgs {
		m := &msgs[i]
		for _, c := range [2]schema.Class{
			d.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value),
			d.Classify(schema.PartKey, m.Stream, m.Headers, m.Properties, m.Key),
		} {
			if c.Origin != schema.OriginRegistry || seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			if dec, ok := d.Cached(c); !ok || d.Stale(c) || failed && dec.Err != nil && !schema.KindOf(dec.Err).OfValue() {
				out = append(out, c)
			}
		}
	}
	return out
}

// schemasFetched says the schemas a page waited for were fetched (or
// failed, or the wait gave up): its View now finds what there is.
type schemasFetched struct {
	page    int
	pos     string // the message a detail page asked for ("" for a list)
	classes []schema.Class
	attempt int
}

func (m schemasFetched) pageID() int { return m.page }

// fetchSchemas fetches the schemas msgs need in a Cmd.
func fetchSchemas(ctx context.Context, d *schema.Decoder, msgs []sources.Message, page int, pos string) tea.Cmd {
	return fetchClasses(ctx, d, missingSchemas(d, msgs, true), page, pos, 0)
}

// fetchClasses fetches the schemas of classes in a Cmd.
func fetchClasses(ctx context.Context, d *schema.Decoder, classes []schema.Class, page int, pos string, attempt int) tea.Cmd {
	return func() tea.Msg {
		warmClasses(ctx, d, classes)
		return schemasFetched{page: page, pos: pos, classes: classes, attempt: attempt}
	}
}

// maxSchemaAttempts bounds how often a page asks again for a schema whose
// fetch is still running when its wait gave up (a fetch ends within four
// registry timeouts, so a few are enough).
const maxSchemaAttempts = 8

// registryWait says what a list waits for: "waiting for the schema
// registry (HOST) for schema id 7…" ("" when it waits for nothing).
func registryWait(d *schema.Decoder, ids []int) string {
	if d == nil || d.Registry() == nil || len(ids) == 0 {
		return ""
	}
	sort.Ints(ids)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = strconv.Itoa(id)
	}
	what := "schema id " + names[0]
	if len(ids) > 1 {
		what = "schema ids " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("waiting for the schema registry (%s) for %s…", render.Sanitize(d.Registry().Host()), what)
}

// versionCell is the VER column: the schema version of a value ("v3"),
// its id when the registry did not name a version, "…" while it is
// fetched; a value that did not decode is "v3 ✖" when its schema's
// version is known (the value does not fit it), "✖" when it is not.
func versionCell(v shown) string {
	switch {
	case !v.typed:
		return ""
	case !v.ready:
		return "…"
	}
	failed := v.dec.Err != nil && (!v.cut || v.dec.Ref.Version == 0) // a cut value's bytes are not all here: its version is all there is to show
	switch {
	case v.cut && v.dec.Ref.Version > 0:
		return "v" + strconv.Itoa(v.dec.Ref.Version)
	case v.dec.Ref.Version > 0 && failed:
		return "v" + strconv.Itoa(v.dec.Ref.Version) + " ✖"
	case failed:
		return "✖"
	case v.dec.Ref.Version > 0:
		return "v" + strconv.Itoa(v.dec.Ref.Version)
	case v.dec.Ref.Origin == schema.OriginRegistry:
		return "#" + strconv.Itoa(v.dec.Ref.ID)
	}
	return string(v.dec.Format)
}

// decodedPreview is a list cell for a key or value with a schema: the
// decoded document's preview (a string without its quotes), "decoding…"
// while the schema is fetched, or why it could not be decoded and the
// bytes' preview.
func decodedPreview(v shown, raw []byte, width int) string {
	switch {
	case !v.ready:
		return "decoding…"
	case v.decodedOK():
		return render.Preview(docText(v.dec.JSON), width)
	case v.hasDoc():
		why := "✖ " + failKind(v.dec.Err) + ": "
		return why + render.Preview(docText(v.dec.JSON), max(width-len([]rune(why)), 8))
	}
	if v.cut { // never the start's failure: the value is not all here
		return "decoded preview not held (" + render.Size(v.size) + ")"
	}
	why := "✖ " + failKind(v.dec.Err) + ": "
	return why + render.Preview(raw, max(width-len([]rune(why)), 8))
}

// previewLimit is how much of a decoded document a note keeps for a value
// the buffer cuts: more than a row shows.
const previewLimit = 4 << 10

// noteFailed starts a note that holds why a cut value did not decode
// (JSON never starts with it).
const noteFailed = 0

// heldNotes are the notes a delivery's messages are kept with: for each
// value the buffer will cut (msgbuf.LargeValue), its decoded start, or why
// it did not decode, made now while the whole value is here (nil: none).
// It decodes with what the decoder holds (no I/O) and runs in the
// delivery's Cmd.
func heldNotes(d *schema.Decoder, msgs []sources.Message) [][]byte {
	if d == nil {
		return nil
	}
	var notes [][]byte
	for i := range msgs {
		m := &msgs[i]
		if len(m.Value) <= msgbuf.LargeValue {
			continue
		}
		c := d.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
		if c.Origin == schema.OriginContent {
			continue
		}
		dec, ok := d.Cached(c)
		if !ok {
			continue // the schema is not here yet: the list says the preview is not held
		}
		var note []byte
		switch {
		case dec.JSON != nil:
			js := docText(dec.JSON)
			n := min(len(js), previewLimit)
			for n < len(js) && n > 0 && !utf8.RuneStart(js[n]) {
				n--
			}
			note = bytes.Clone(js[:n])
		case dec.Err != nil:
			note = append([]byte{noteFailed}, failKind(dec.Err)+": "+oneLine(dec.Err)...)
		default:
			continue
		}
		if notes == nil {
			notes = make([][]byte, len(msgs))
		}
		notes[i] = note
	}
	return notes
}

// readNote tells a note's decoded start from why the value did not decode.
func readNote(note []byte) (preview []byte, failed string) {
	if len(note) > 0 && note[0] == noteFailed {
		return nil, string(note[1:])
	}
	return note, ""
}

// docText is a decoded document as text: a JSON string without its
// quotes, anything else as it is.
func docText(js []byte) []byte {
	var str string
	if len(js) > 0 && js[0] == '"' && json.Unmarshal(js, &str) == nil {
		return []byte(str)
	}
	return js
}

// failKind names why a key or value was not decoded, in a few words.
func failKind(err error) string {
	if k := schema.KindOf(err); k != 0 {
		return k.String()
	}
	return "not decoded"
}

// schemaPage shows the text of a schema, fetched in a Cmd.
type schemaPage struct {
	pageBase
	dec   *schema.Decoder
	ref   schema.Ref
	lines []string
	err   error
	ctx   context.Context
	stop  context.CancelFunc
	scroller
}

func newSchemaPage(c *Common, d *schema.Decoder, ref schema.Ref) *schemaPage {
	p := &schemaPage{pageBase: pageBase{c: c}, dec: d, ref: ref}
	p.ctx, p.stop = context.WithCancel(context.Background())
	return p
}

// schemaText carries a schema's text and the texts it references.
type schemaText struct {
	page int
	text string
	refs []schema.Named
	err  error
}

func (m schemaText) pageID() int { return m.page }

func (p *schemaPage) Init() tea.Cmd {
	ctx, d, ref, page := p.ctx, p.dec, p.ref, p.pid
	return func() tea.Msg {
		if ref.Origin == schema.OriginLocal {
			b, err := os.ReadFile(ref.Local)
			return schemaText{page: page, text: string(b), err: err}
		}
		if d == nil || d.Registry() == nil {
			return schemaText{page: page, err: fmt.Errorf("no schema registry")}
		}
		text, refs, err := d.Registry().Text(ctx, ref.ID)
		return schemaText{page: page, text: text, refs: refs, err: err}
	}
}

// textLines renders a schema's text: JSON (Avro, JSON Schema) highlighted,
// anything else (a .proto) line by line.
func (p *schemaPage) textLines(text string) []string {
	if json.Valid([]byte(text)) {
		return strings.Split(render.HighlightJSON([]byte(text), p.c.Styles.JSON), "\n")
	}
	out := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	for i, l := range out {
		out[i] = render.Sanitize(l)
	}
	return out
}

func (p *schemaPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case schemaText:
		s := p.c.Styles
		p.err = msg.err
		if msg.err != nil {
			return nil
		}
		p.lines = append([]string{s.Section.Render(render.Sanitize(p.ref.String())), ""}, p.textLines(msg.text)...)
		for _, r := range msg.refs {
			p.lines = append(p.lines, "", s.Section.Render("references "+render.Sanitize(r.Name)), "")
			p.lines = append(p.lines, p.textLines(r.Text)...)
		}
	case tea.KeyMsg:
		return p.actions().run(msg)
	case tea.MouseMsg:
		p.wheel(msg, len(p.lines), p.bodyHeight())
	}
	return nil
}

func (p *schemaPage) bodyHeight() int { return max(p.c.Height-3, 1) }

func (p *schemaPage) View(w, h int) string {
	s := p.c.Styles
	switch {
	case p.err != nil:
		return s.StatusError.Render("✖ " + render.Sanitize(p.err.Error()))
	case p.lines == nil:
		return s.Muted.Render("  fetching the schema…")
	}
	end := min(p.top+h, len(p.lines))
	return joinLines(p.lines[min(p.top, end):end])
}

func (p *schemaPage) Crumb() string {
	if p.ref.Origin == schema.OriginRegistry {
		return "schema " + strconv.Itoa(p.ref.ID)
	}
	return "schema"
}

func (p *schemaPage) Status() string {
	return p.c.Styles.Status.Render(fmt.Sprintf("line %d/%d", p.top+1, len(p.lines)))
}

// actions is what the schema page does on a key: it scrolls.
func (p *schemaPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.move(msg, k, len(p.lines), p.bodyHeight()); return nil }
	scroll := moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k))
	scroll[0].line, scroll[1].line = 1, 2
	return newActions(p.c, nil, append(scroll, spacePages(move)))
}

func (p *schemaPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *schemaPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops a fetch in flight.
func (p *schemaPage) Close() { p.stop() }
