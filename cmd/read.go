package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/render"
)

// readFlags are the flags tail and export share.
type readFlags struct {
	filter     string
	compiled   *filter.Filter
	from       string
	end        string
	oldTo      string // --to, the end's old name on the reading commands
	partitions string
	limit      int64
	maxScan    int64
	retry      time.Duration
	format     string
	template   string
	tmpl       *template.Template
	follow     bool
	inFlight   string
	stderr     io.Writer // where retries are told (nil: not told)
	// decode decodes keys and values with the connection's schemas
	// (--decode, on by default); decoders are the schema decoders of the
	// readers openRead returned, in their order (nil: none).
	decode   bool
	decoders []*schema.Decoder
	// fromPosition and endPosition are --from and --until when they are
	// positions in a stream's own syntax (an entry id), read by
	// positioned once the stream is found ("": none).
	fromPosition, endPosition string
}

// register adds the reading flags to a command: --from, --until (the end),
// --partition, --limit, --filter, --format...
func (f *readFlags) register(c *cobra.Command, from, format string) {
	c.Flags().StringVar(&f.end, "until", "", "end: stop each partition after offset:N (or offset:P=N,...) or time:RFC3339 / time:-5m")
	c.Flags().StringVar(&f.from, "from", from, "start: oldest, newest, last:N (per partition), offset:N, offset:P=N,..., time:RFC3339, time:-15m")
	c.Flags().StringVar(&f.partitions, "partition", "", "only these partitions (comma-separated)")
	c.Flags().Int64Var(&f.limit, "limit", 0, "stop after this many messages (0: no limit)")
	c.Flags().DurationVar(&f.retry, "retry", 30*time.Second, "when the broker fails, keep retrying this long before exiting with an error")
	c.Flags().Int64Var(&f.maxScan, "max-scan", 0, "with --filter: stop after reading this many messages, matched or not (0: no limit)")
	c.Flags().StringVar(&f.filter, "filter", "", `keep only messages matching this expression, e.g. 'json.status == "FAILED" && headers["tenant"] == "acme"' (value == nil: a tombstone, key == nil: no key, headers["x"] == nil: no header x; json is the decoded value where a schema decoded it, schema.id, .subject, .version, .format and .error name the schema; a field the message has not is nil: schema.error == nil where it decoded, schema.id == nil where it is not framed)`)
	c.Flags().StringVar(&f.format, "format", format, "output: jsonl (byte-exact, base64 where not UTF-8), kcat (kcat -J's JSON, with key_b64/payload_b64/headers_b64 for bytes that are not UTF-8), raw (the value and a newline), text (one readable line), or template (--template)")
	c.Flags().StringVar(&f.template, "template", "", "Go template per message for --format template, e.g. '{{.Offset}} {{.Key}} {{index .Headers \"tenant\"}}'")
	c.Flags().BoolVar(&f.decode, "decode", true, "decode Avro, Protobuf and JSON Schema keys and values with the connection's schemas (--schema-registry, the config's schema_registry and schemas); --decode=false for raw speed")
	c.Flags().StringVar(&f.inFlight, "in-flight", "16MiB", "how far the read may run ahead of what it writes, in bytes of messages held (keys, values, headers and about 350 B a message)")
}

// keepOldTo keeps --to, the end's old name, as a hidden alias of --until on
// a command where --to names no target, so scripts keep their meaning.
func (f *readFlags) keepOldTo(c *cobra.Command) {
	c.Flags().StringVar(&f.oldTo, "to", "", "the old name of --until")
	_ = c.Flags().MarkHidden("to")
}

// options turns the flags into read options.
func (f *readFlags) options(now time.Time) (sources.ReadOptions, error) {
	f.fromPosition, f.endPosition = "", ""
	st, err := sources.ParseStart(f.from, now)
	if err != nil && positionLike().MatchString(f.from) {
		f.fromPosition, err = f.from, nil // read once the stream is found (positioned)
	}
	if err != nil {
		return sources.ReadOptions{}, fmt.Errorf("--from: %w", err)
	}
	opts := sources.ReadOptions{Start: st, Follow: f.follow}
	if f.end == "" {
		f.end = f.oldTo
	}
	if f.end != "" {
		if opts.End, err = sources.ParseEnd(f.end, now); err != nil && positionLike().MatchString(f.end) {
			f.endPosition, err = f.end, nil
		}
		if err != nil {
			return opts, fmt.Errorf("--until: %w", err)
		}
	}
	if f.partitions != "" {
		for _, s := range strings.Split(f.partitions, ",") {
			p, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
			if err != nil || p < 0 {
				return opts, fmt.Errorf("--partition %q: want partition numbers such as 0,2", f.partitions)
			}
			opts.Partitions = append(opts.Partitions, int32(p))
		}
	}
	if f.inFlight != "" {
		n, err := config.ParseSize(f.inFlight)
		if err != nil || n <= 0 {
			return opts, fmt.Errorf("--in-flight %q: want a size such as 16MiB", f.inFlight)
		}
		opts.InFlight = n
	}
	if f.limit < 0 {
		return opts, fmt.Errorf("--limit %d: want 0 or more", f.limit)
	}
	if f.maxScan < 0 {
		return opts, fmt.Errorf("--max-scan %d: want 0 or more", f.maxScan)
	}
	if f.maxScan > 0 && f.filter == "" {
		return opts, errors.New("--max-scan bounds a --filter: give one")
	}
	if f.filter != "" {
		if f.compiled, err = filter.Compile(f.filter); err != nil {
			return opts, fmt.Errorf("--filter: %w", err)
		}
	}
	switch f.format {
	case "jsonl", "text", "kcat", "raw":
		if f.template != "" {
			return opts, errors.New("--template goes with --format template")
		}
	case "template":
		if f.template == "" {
			return opts, errors.New("--format template needs --template '{{.Key}} {{.Value}}'")
		}
		t, err := template.New("message").Parse(f.template)
		if err != nil {
			return opts, fmt.Errorf("--template: %w", err)
		}
		f.tmpl = t
	default:
		return opts, fmt.Errorf("--format %q: want jsonl, kcat, raw, text or template", f.format)
	}
	return opts, nil
}

// messageWriter writes messages in one output format.
type messageWriter interface {
	// write writes m; d is its key and value as schemas decoded them (nil
	// when the read has no schemas).
	write(m *sources.Message, d *decodedMsg) error
	flush() error
	// decodes says what the format shows of schemas: nothing, the schema
	// ids of the framing (no I/O), or the decoded key and value.
	decodes() decodeNeed
}

// decodeNeed is what a writer needs of the schemas.
type decodeNeed uint8

const (
	needNothing decodeNeed = iota
	needClass              // the framing's schema ids (kcat)
	needDecoded            // the decoded key and value
)

// decodedMsg is a message's key and value classified, and decoded when
// the writer shows them.
type decodedMsg struct {
	keyClass, valueClass schema.Class
	key, value           *schema.Decoded // nil: not decoded
	keyD, valueD         schema.Decoded
	// keyBuf and valueBuf are reused for the documents a schema decodes.
	keyBuf, valueBuf []byte
}

// decodeMessage classifies m's key and value with dec and decodes them
// when need says so (fetching schemas from the registry, cached).
func decodeMessage(ctx context.Context, dec *schema.Decoder, m *sources.Message, need decodeNeed, into *decodedMsg) *decodedMsg {
	if dec == nil || need == needNothing {
		return nil
	}
	// Each field is set in place: a decodedMsg is large, and one is
	// filled per message.
	into.keyClass = dec.Classify(schema.PartKey, m.Stream, m.Headers, m.Properties, m.Key)
	into.valueClass = dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	into.key, into.value = nil, nil
	if need == needDecoded {
		decodeClass(ctx, dec, &into.keyClass, &into.keyBuf, &into.keyD)
		decodeClass(ctx, dec, &into.valueClass, &into.valueBuf, &into.valueD)
		into.key, into.value = &into.keyD, &into.valueD
	}
	return into
}

// decodeClass decodes into *out what a schema decodes; a key or value
// whose format its bytes told (JSON, text, binary) is left as it is: the
// line has it. A schema's document goes into *buf's storage (kept for the
// next one): it is valid until the next message is decoded.
func decodeClass(ctx context.Context, dec *schema.Decoder, c *schema.Class, buf *[]byte, out *schema.Decoded) {
	if c.Origin == schema.OriginContent {
		*out = schema.Decoded{Format: c.Format, Ref: schema.Ref{Origin: c.Origin, Format: c.Format}}
		return
	}
	if *buf == nil {
		*buf = make([]byte, 0, 1024)
	}
	dec.DecodeAppendTo(ctx, c, *buf, out)
	if out.Compact && cap(out.JSON) > cap(*buf) { // grown: keep the larger storage
		*buf = out.JSON[:0]
	}
}

// rawOnTerminal is said on stderr when raw bytes would go to a terminal.
const rawOnTerminal = "stdout is a terminal: control characters shown as pictures; redirect to a file for raw bytes"

// newWriter returns the writer of the format. Raw and template output is
// byte for byte only into a file or a pipe: on a terminal it is sanitised
// (safetext.Text), and stderr says so.
func newWriter(f *readFlags, w, stderr io.Writer) messageWriter {
	terminal := (f.format == "raw" || f.format == "template") && isTerminal(w)
	if terminal && stderr != nil {
		fmt.Fprintln(stderr, "mqscope: "+rawOnTerminal)
	}
	switch f.format {
	case "text":
		return &textWriter{w: w}
	case "kcat":
		return &kcatWriter{w: bufio.NewWriterSize(w, 256<<10)}
	case "raw":
		return &rawWriter{w: bufio.NewWriterSize(w, 256<<10), terminal: terminal}
	case "template":
		return &templateWriter{w: bufio.NewWriterSize(w, 64<<10), t: f.tmpl, src: f.template, terminal: terminal}
	}
	return &jsonlWriter{enc: capture.NewEncoder(w)}
}

// kcatWriter writes kcat -J's JSON: topic, partition, offset, tstype, ts,
// broker, headers as a flat [k, v, ...] list, key and payload (null when null).
// kcat's JSON cannot carry bytes that are not UTF-8: where a key, payload
// or header is not, the line adds key_b64, payload_b64 or headers_b64 (a
// list as long as headers, null where an entry is UTF-8) with its bytes,
// which a replay reads in its place.
type kcatWriter struct {
	w   *bufio.Writer
	buf []byte
}

type kcatLine struct {
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	TSType    string    `json:"tstype"`
	TS        int64     `json:"ts"`
	Broker    int       `json:"broker"`
	Headers   []*string `json:"headers,omitempty"`
	Key       *string   `json:"key"`
	Payload   *string   `json:"payload"`
	// KeyB64, PayloadB64 and HeadersB64 are the bytes of a key, payload or
	// header that is not UTF-8, which the strings cannot carry.
	KeyB64     *string   `json:"key_b64,omitempty"`
	PayloadB64 *string   `json:"payload_b64,omitempty"`
	HeadersB64 []*string `json:"headers_b64,omitempty"`
	// Lost is the capture format's "lost": nothing of the message is
	// left but the notice of its death, and why (a replay refuses the
	// line); kcat has no such field.
	Lost *string `json:"lost,omitempty"`
	// KeySchemaID and ValueSchemaID are the framing's schema ids, as kcat
	// -s names them (nil where not framed; id 0 as any other).
	KeySchemaID   *int `json:"key_schema_id,omitempty"`
	ValueSchemaID *int `json:"value_schema_id,omitempty"`
}

// b64IfNotUTF8 is the base64 of b when b is not UTF-8 (nil when it is).
func b64IfNotUTF8(b []byte) *string {
	if utf8.Valid(b) {
		return nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s
}

func strOrNil(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

func (k *kcatWriter) decodes() decodeNeed { return needClass }

func (k *kcatWriter) write(m *sources.Message, d *decodedMsg) error {
	ts := m.Timestamp.UnixMilli()
	if m.Timestamp.IsZero() {
		ts = -1 // kcat's "no timestamp"
	}
	l := kcatLine{Topic: m.Stream, Partition: m.Partition, Offset: m.Offset, TSType: "create", TS: ts, Broker: -1,
		Key: strOrNil(m.Key), Payload: strOrNil(m.Value), KeyB64: b64IfNotUTF8(m.Key), PayloadB64: b64IfNotUTF8(m.Value)}
	if m.Flaw != nil && m.Flaw.Lost {
		why := capture.LostReason(m)
		l.Lost = &why
	}
	if d != nil {
		if d.keyClass.Framed() { // the framing's id, whichever schema decoded it
			l.KeySchemaID = &d.keyClass.ID
		}
		if d.valueClass.Framed() {
			l.ValueSchemaID = &d.valueClass.ID
		}
	}
	for _, h := range m.Headers {
		key := h.Key
		l.Headers = append(l.Headers, &key, strOrNil(h.Value))
		if kb, vb := b64IfNotUTF8([]byte(h.Key)), b64IfNotUTF8(h.Value); kb != nil || vb != nil {
			if l.HeadersB64 == nil {
				l.HeadersB64 = make([]*string, len(l.Headers)-2, len(m.Headers)*2)
			}
			l.HeadersB64 = append(l.HeadersB64, kb, vb)
		} else if l.HeadersB64 != nil {
			l.HeadersB64 = append(l.HeadersB64, nil, nil)
		}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	k.w.Write(jsonenc.EscapeControls(b))
	return k.w.WriteByte('\n')
}

func (k *kcatWriter) flush() error { return k.w.Flush() }

// rawWriter writes each value as it is, followed by a newline; on a
// terminal, sanitised.
type rawWriter struct {
	w        *bufio.Writer
	terminal bool
}

func (r *rawWriter) decodes() decodeNeed { return needNothing }

func (r *rawWriter) write(m *sources.Message, _ *decodedMsg) error {
	if r.terminal {
		r.w.WriteString(safetext.Text(string(m.Value)))
	} else {
		r.w.Write(m.Value)
	}
	return r.w.WriteByte('\n')
}

func (r *rawWriter) flush() error { return r.w.Flush() }

// templateView is what a --template sees of a message.
type templateView struct {
	Stream     string
	Partition  int32
	Offset     int64
	Timestamp  time.Time
	ID         string
	Key, Value string
	Headers    map[string]string
	DeadLetter *sources.DeadLetter
	// KeyDecoded and ValueDecoded are the key and value as schemas
	// decoded them (JSON; "" where no schema decoded them).
	KeyDecoded, ValueDecoded string
}

// templateWriter writes each message through the --template; on a
// terminal, what the template wrote is sanitised.
type templateWriter struct {
	w        *bufio.Writer
	t        *template.Template
	src      string
	terminal bool
	buf      bytes.Buffer
}

func (tw *templateWriter) decodes() decodeNeed {
	if strings.Contains(tw.src, "Decoded") {
		return needDecoded
	}
	return needNothing
}

func (tw *templateWriter) write(m *sources.Message, d *decodedMsg) error {
	v := templateView{Stream: m.Stream, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp, ID: m.ID,
		Key: string(m.Key), Value: string(m.Value), Headers: map[string]string{}, DeadLetter: m.DeadLetter}
	if d != nil {
		if capture.SchemaDecoded(d.key) {
			v.KeyDecoded = string(d.key.JSON)
		}
		if capture.SchemaDecoded(d.value) {
			v.ValueDecoded = string(d.value.JSON)
		}
	}
	for _, h := range m.Headers {
		v.Headers[h.Key] = string(h.Value)
	}
	if !tw.terminal {
		if err := tw.t.Execute(tw.w, v); err != nil {
			return fmt.Errorf("--template: %w", err)
		}
		return tw.w.WriteByte('\n')
	}
	tw.buf.Reset()
	if err := tw.t.Execute(&tw.buf, v); err != nil {
		return fmt.Errorf("--template: %w", err)
	}
	tw.w.WriteString(safetext.Text(tw.buf.String()))
	return tw.w.WriteByte('\n')
}

func (tw *templateWriter) flush() error { return tw.w.Flush() }

type jsonlWriter struct {
	enc *capture.Encoder
}

func (j *jsonlWriter) decodes() decodeNeed { return needDecoded }

func (j *jsonlWriter) write(m *sources.Message, d *decodedMsg) error {
	if d == nil {
		return j.enc.Encode(m)
	}
	return j.enc.EncodeSchemas(m, d.key, d.value)
}

func (j *jsonlWriter) flush() error { return j.enc.Flush() }

// appendKey appends a key as the text line shows it: a key of one line
// of text that holds runes a terminal must not get as they are (a bidi
// override in a JetStream subject, an escape) with those escaped
// (safetext: ⟨U+202E⟩), cut at 80 runes; any other, previewed.
func appendKey(b, key []byte) []byte {
	const width = 80
	s := string(key)
	if !utf8.ValidString(s) || safetext.Clean(s) || strings.ContainsAny(s, "\t\n\r") {
		return append(b, render.Preview(key, width)...)
	}
	if utf8.RuneCountInString(s) > width {
		runes := []rune(s)
		s = string(runes[:width-1]) + "…"
	}
	return safetext.Append(b, s)
}

// textWriter prints one readable line per message, flushed as it goes
// (tail); what comes from the message is sanitised (safetext).
type textWriter struct {
	w   io.Writer
	buf []byte
}

func (t *textWriter) decodes() decodeNeed { return needDecoded }

func (t *textWriter) write(m *sources.Message, d *decodedMsg) error {
	b := t.buf[:0]
	if m.Timestamp.IsZero() {
		b = append(b, "-                       "...) // no time: as wide as one
	} else {
		b = m.Timestamp.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	}
	b = append(b, ' ')
	b = safetext.Append(b, m.Stream)
	if m.Partition != sources.NoPartition {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(m.Partition), 10)
		b = append(b, ']')
	}
	b = append(b, '@')
	if m.IDPosition {
		b = safetext.Append(b, m.Position())
	} else {
		b = strconv.AppendInt(b, m.Offset, 10)
	}
	b = append(b, " key="...)
	if d != nil && capture.SchemaDecoded(d.key) && d.key.Err == nil && d.key.JSON != nil {
		var s string
		if json.Unmarshal(d.key.JSON, &s) == nil { // a string key: its text
			b = append(b, render.Preview([]byte(s), 80)...)
		} else {
			b = append(b, render.Preview(d.key.JSON, 80)...)
		}
	} else if m.Key == nil {
		b = append(b, "∅"...) // no key (a Redis entry has none): the mark alone
	} else {
		b = appendKey(b, m.Key)
	}
	b = append(b, ' ')
	if v := d.decodedValue(); v != nil {
		b = append(b, '[')
		b = append(b, schemaTag(v.Ref)...)
		b = append(b, "] "...)
		switch {
		case v.JSON != nil && v.Err != nil: // decoded, but it does not validate or fit: the error, then the document
			b = append(b, "✖ "...)
			b = safetext.Append(b, v.Err.Error())
			b = append(b, "  "...)
			b = append(b, render.Preview(shownDocument(m, v), 2000)...)
		case v.JSON != nil:
			b = append(b, render.Preview(shownDocument(m, v), 2000)...)
		default:
			b = append(b, render.Preview(m.Value, 2000)...)
			b = append(b, "  ✖ "...)
			b = safetext.Append(b, v.Err.Error())
		}
	} else {
		b = append(b, render.Preview(m.Value, 2000)...)
	}
	if d := m.DeadLetter; d != nil {
		b = append(b, "  ✖ from "...)
		b = safetext.Append(b, d.OriginStream)
		if d.OriginPartition != sources.NoPartition {
			b = fmt.Appendf(b, "[%d]", d.OriginPartition)
		}
		if at := d.OriginAt(); at != "" {
			b = append(b, '@')
			b = safetext.Append(b, at)
		}
		b = append(b, ": "...)
		b = safetext.Append(b, d.Summary())
	}
	b = append(b, '\n')
	t.buf = b
	_, err := t.w.Write(b)
	return err
}

func (t *textWriter) flush() error { return nil }

// shownDocument is what a line shows of a value a schema decoded: the
// document, or for a JSON Schema value, whose bytes are the document,
// the JSON as the message holds it (its spacing and order), with
// U+FFFD for bytes that are not UTF-8.
func shownDocument(m *sources.Message, v *schema.Decoded) []byte {
	if v.Format != schema.FormatJSONSchema {
		return v.JSON
	}
	body := m.Value
	if v.Ref.Origin == schema.OriginRegistry || v.Ref.Unresolved != 0 {
		_, rest, err := schema.ParseHeader(m.Value)
		if err != nil {
			return v.JSON
		}
		body = rest
	}
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	return body
}

// failed reports a key or value whose decoding failed.
func (d *decodedMsg) failed() bool {
	return d != nil && (d.key != nil && d.key.Err != nil || d.value != nil && d.value.Err != nil)
}

// decodedValue is the value as a schema decoded it (or failed to), nil
// when no schema did.
func (d *decodedMsg) decodedValue() *schema.Decoded {
	if d == nil || !capture.SchemaDecoded(d.value) {
		return nil
	}
	return d.value
}

// schemaTag names a schema in a few words: "avro payments-value v3",
// "protobuf id 202", "avro order.avsc".
func schemaTag(r schema.Ref) string {
	s := string(r.Format)
	if s == "" || r.Format == schema.FormatBinary {
		s = "schema"
	}
	switch {
	case r.Subject != "":
		s += " " + r.Subject + " v" + strconv.Itoa(r.Version)
	case r.Origin == schema.OriginRegistry:
		s += " id " + strconv.Itoa(r.ID)
	case r.Local != "":
		s += " " + filepath.Base(r.Local)
	}
	if note := r.FramingNote(); note != "" {
		s += " (" + note + ")"
	}
	return safetext.String(s)
}

// copied is what copyStream did.
type copied struct {
	written, scanned int64
	budgetReached    bool
	// interrupted says a bounded read was cancelled (Ctrl-C) before its
	// end: what was written is not the whole stream.
	interrupted bool
	// undecoded counts the keys and values written undecoded because
	// the registry failed.
	undecoded registryFailures
	// skipped counts the messages the read said it passed over
	// (sources.SkipNotice), first the first such notice.
	skipped int
	first   string
}

// copyStream reads one stream into w until the end (bounded), the limit, the
// scan budget, an error, or ctx is cancelled (Ctrl-C ends a follow cleanly;
// a bounded read it ends is interrupted, and the message whose decode it
// cut short is not written). A bounded read that could not deliver all it
// was asked for returns its *sources.IncompleteError at its end, all it
// could deliver written.
// A filter runs next to the read (filter.Scanner): what does not match is
// dropped before it is formatted.
func copyStream(ctx context.Context, readers []sources.Reader, stream string, opts sources.ReadOptions, f *readFlags, w messageWriter, flushEach bool) (res copied, _ error) {
	opts, err := f.positioned(ctx, readers, stream, opts)
	if err != nil {
		return res, err
	}
	sub, at, err := openAt(ctx, readers, stream, opts)
	if err != nil {
		return res, err
	}
	var dec *schema.Decoder
	if at < len(f.decoders) {
		dec = f.decoders[at]
	}
	var scan *filter.Scanner
	if f.compiled != nil {
		so := filter.ScanOptions{Budget: f.maxScan} // a message the filter cannot evaluate is no match, counted
		if dec != nil {
			so.Decoder = dec
		}
		scan = filter.NewScanner(sub, f.compiled, so)
		sub = scan
	}
	need := w.decodes()
	var dm decodedMsg
	defer sub.Close()
	defer func() {
		if scan != nil {
			res.scanned = scan.Scanned()
			if line := filter.Unevaluated(scan.Failed(), scan.Err()); line != "" && f.stderr != nil {
				fmt.Fprintf(f.stderr, "mqscope: filter on %s (taken as no match): %s\n", safetext.String(stream), safetext.String(line))
			}
		}
	}()
	var failingSince time.Time // the first error of a run of errors, while no message comes
	var told registryFailures
	defer func() { res.undecoded = told }()
	for f.limit == 0 || res.written < f.limit {
		batch, err := sub.Next(ctx, 1000)
		if len(batch) > 0 {
			failingSince = time.Time{}
		}
		for i := range batch {
			if f.limit > 0 && res.written >= f.limit {
				break
			}
			d := decodeMessage(ctx, dec, &batch[i], need, &dm)
			if d.failed() && ctx.Err() != nil { // a decode cut short (a registry that does not answer) is not written as a failure
				res.interrupted = !opts.Follow
				return res, w.flush()
			}
			told.tell(f.stderr, d)
			if werr := w.write(&batch[i], d); werr != nil {
				return res, fmt.Errorf("write: %w", werr)
			}
			res.written++
		}
		if flushEach && len(batch) > 0 {
			if ferr := w.flush(); ferr != nil {
				return res, fmt.Errorf("write: %w", ferr)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, filter.ErrScanBudget):
			res.budgetReached = true
			return res, w.flush()
		case errors.Is(err, sources.ErrEndOfStream):
			return res, w.flush()
		case errors.As(err, new(*sources.IncompleteError)):
			// what could be read was written: the command says what was not
			if ferr := w.flush(); ferr != nil {
				return res, fmt.Errorf("write: %w", ferr)
			}
			return res, err
		case errors.Is(err, sources.ErrNotice):
			if sk, ok := errors.AsType[sources.SkipNotice](err); ok {
				if res.skipped == 0 {
					res.first = oneLine(sk.Error())
				}
				res.skipped += sk.SkippedMessages()
			}
			if f.stderr != nil {
				fmt.Fprintf(f.stderr, "mqscope: %s\n", safetext.String(oneLine(err.Error())))
			}
		case errors.Is(err, context.Canceled):
			res.interrupted = !opts.Follow && ctx.Err() != nil
			return res, w.flush()
		case retryable(err) && (failingSince.IsZero() || time.Since(failingSince) < f.retry):
			if failingSince.IsZero() {
				failingSince = time.Now()
				if f.stderr != nil {
					fmt.Fprintf(f.stderr, "mqscope: %s: retrying for up to %s\n", oneLine(err.Error()), f.retry)
				}
			}
		default:
			_ = w.flush()
			if !failingSince.IsZero() {
				return res, fmt.Errorf("gave up after retrying for %s: %w", time.Since(failingSince).Round(time.Second), err)
			}
			return res, err
		}
	}
	return res, w.flush()
}

// retryable is an error a read may recover from (a broker away), not one
// it cannot (an unknown stream, a filter that fails, a closed read).
func retryable(err error) bool {
	return !errors.Is(err, sources.ErrUnknownStream) && !errors.Is(err, filter.ErrScanBudget) && !errors.Is(err, filter.ErrMatch) &&
		!errors.Is(err, context.DeadlineExceeded)
}

// report tells stderr what a filtered read scanned, and when it stopped at
// its budget.
func (c copied) report(e *env, stream string) {
	if c.budgetReached {
		fmt.Fprintf(e.stderr, "stopped at the scan budget: scanned %d messages of %s, matched %d (--max-scan)\n", c.scanned, safetext.String(stream), c.written)
	}
}

// openOn opens the stream on the first connection that has it.
func openOn(ctx context.Context, readers []sources.Reader, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	sub, _, err := openAt(ctx, readers, stream, opts)
	return sub, err
}

// openAt is openOn that also says which reader has the stream.
func openAt(ctx context.Context, readers []sources.Reader, stream string, opts sources.ReadOptions) (sources.Subscription, int, error) {
	var unknown error
	for i, r := range readers {
		sub, err := r.Read(ctx, stream, opts)
		if err == nil {
			return sub, i, nil
		}
		if !errors.Is(err, sources.ErrUnknownStream) {
			return nil, -1, err
		}
		if unknown == nil {
			unknown = err
		}
	}
	return nil, -1, unknown
}

// openRead parses the read flags and connects: the common start of tail
// and export.
func (e *env) openRead(ctx context.Context, f *readFlags) (sources.ReadOptions, []sources.Reader, func(), error) {
	if f.oldTo != "" {
		fmt.Fprintln(e.stderr, "--to is now --until")
	}
	opts, err := f.options(time.Now())
	if err != nil {
		return opts, nil, nil, err
	}
	conns, err := e.connect(ctx)
	if err != nil {
		return opts, nil, nil, err
	}
	var readers []sources.Reader
	f.decoders = nil
	for _, c := range conns {
		r, ok := c.(sources.Reader)
		if !ok {
			continue
		}
		readers = append(readers, r)
		var dec *schema.Decoder
		if f.decode {
			if dec, err = e.decoder(c); err != nil {
				closeAll(conns)
				return opts, nil, nil, fmt.Errorf("%w (--decode=false reads without schemas)", err)
			}
		}
		f.decoders = append(f.decoders, dec)
	}
	return opts, readers, func() { closeAll(conns) }, nil
}

// firstLine is the first line of a text (an expr error goes on with the
// expression and a caret).
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
