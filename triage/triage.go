// Package triage groups the dead letters of a DLQ so a person sees in a
// minute what failed: by failure fingerprint (exception class and message
// with what differs between messages masked), by origin stream, by the
// consumer group that failed them or by the schema version of their value, each with counts, first and last seen
// and a time histogram.
package triage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

// Mode is what dead letters are grouped by.
type Mode int

const (
	// ByFailure groups by failure fingerprint.
	ByFailure Mode = iota
	// ByOrigin groups by the stream the message came from.
	ByOrigin
	// ByConsumer groups by the consumer group (or connector) that failed it.
	ByConsumer
	// ByVersion groups by the schema the value is written with (its
	// registry id, named by subject and version), or its format.
	ByVersion
)

// Modes are every mode, in the order a view cycles through them.
var Modes = []Mode{ByFailure, ByOrigin, ByConsumer, ByVersion}

func (m Mode) String() string {
	switch m {
	case ByOrigin:
		return "origin"
	case ByConsumer:
		return "consumer"
	case ByVersion:
		return "version"
	}
	return "failure"
}

// ParseMode reads "failure", "origin", "consumer" or "version".
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("group by %q: want failure, origin, consumer or version", s)
}

// unknown names a group whose key the dead letters do not say.
const unknown = "(unknown)"

// Group is the dead letters that share a key.
type Group struct {
	// Key is the fingerprint (ByFailure), the origin stream, the consumer,
	// or the schema (ByVersion: "payments.avro-value v3 (id 103)", "id 7"
	// when the registry does not name it, or the format).
	Key string `json:"key"`
	// Schema is the group's schema (ByVersion).
	Schema *versions.Schema `json:"schema,omitempty"`
	// Class and Text are the failure (ByFailure).
	Class string `json:"class,omitempty"`
	Text  string `json:"text,omitempty"`
	// Count is how many dead letters the group has.
	Count int64 `json:"count"`
	// First and Last are when the first and the last of them died.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Histogram counts them over the report's time range, in equal buckets.
	Histogram []int64 `json:"histogram"`
	// Origins and Consumers break the group down (ByFailure), most first.
	Origins   []Count `json:"origins,omitempty"`
	Consumers []Count `json:"consumers,omitempty"`
	// Example is one raw exception message of the group.
	Example string `json:"example,omitempty"`
	// Filter is the filter expression that selects the group's messages.
	Filter string `json:"filter"`
	// NoProvenance is how many of the group's dead letters carry no
	// provenance headers (read from a dead-letter stream, they are dead
	// letters all the same).
	NoProvenance int64 `json:"noProvenance,omitempty"`

	times []int64 // unix millis of each dead letter, for the histogram
}

// Reason is the failure for people: "Class: text", the class alone when
// there is no text (never a dangling colon), the text alone without a
// class.
func (g Group) Reason() string { return dlq.Failure{Class: g.Class, Text: g.Text}.String() }

// Count is a name and how many.
type Count struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Report is the triage of one stream.
type Report struct {
	Stream string `json:"stream"`
	Mode   string `json:"by"`
	// Scanned is how many messages were read, DeadLetters how many of them
	// are dead letters: those that carry dead-letter provenance, or every
	// one when the stream is a dead-letter stream.
	Scanned     int64 `json:"scanned"`
	DeadLetters int64 `json:"deadLetters"`
	// DeadLetterStream says the stream is itself a dead-letter stream (its
	// connector marks it, or its name says so), so its messages without
	// provenance headers are dead letters too; NoProvenance is how many.
	DeadLetterStream bool  `json:"deadLetterStream,omitempty"`
	NoProvenance     int64 `json:"noProvenance,omitempty"`
	// NameOrigin is the origin the stream's name gives (orders for
	// orders.DLT), the origin of its dead letters without provenance;
	// "" when the name gives none (their origin is unknown).
	NameOrigin string    `json:"nameOrigin,omitempty"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Groups     []Group   `json:"groups"`
	// Comparison is, by version, the stream's commonest schema's share
	// here and in its origin ("orders.DLT: 90% carry v3; orders: 17% v3"),
	// from the census of both (versions.Run; the origin named by the dead
	// letters or by the stream's name). The caller sets it.
	Comparison string `json:"comparison,omitempty"`
}

// Builder collects dead letters; it is for one goroutine.
type Builder struct {
	stream   string
	scanned  int64
	dead     int64
	from, to time.Time
	groups   [4]map[string]*Group
	counts   map[string]map[string]int64 // fingerprint -> "o:"/"c:" name -> count
	dec      *schema.Decoder
	res      *versions.Resolver
	pending  map[int]schema.Class // ids to name (ByVersion)
	// dlt says the stream is a dead-letter stream; nameOrigin is the
	// origin its name gives; bare counts its messages without provenance.
	dlt        bool
	nameOrigin string
	bare       int64
}

// NewBuilder starts the triage of a stream. Values are classified by
// their framing and format for ByVersion (WithDecoder names the ids).
func NewBuilder(stream string) *Builder {
	dec, _ := schema.NewDecoder(schema.Config{}) // no local schema: cannot fail
	b := &Builder{stream: stream, counts: map[string]map[string]int64{}, dec: dec, res: versions.NewResolver(nil), pending: map[int]schema.Class{}}
	for i := range b.groups {
		b.groups[i] = map[string]*Group{}
	}
	return b
}

// WithDecoder classifies values with dec and names their registry ids
// with its registry (Step asks it, once per id). It returns b.
func (b *Builder) WithDecoder(dec *schema.Decoder) *Builder {
	if dec != nil {
		b.dec, b.res = dec, versions.NewResolver(dec)
	}
	return b
}

// ForStream takes what the stream's connector says of it: a stream it
// marks as a dead-letter stream (st.DeadLetter), or one whose name says so
// (dlq.IsDeadLetterName), holds dead letters only, so a message without
// provenance headers is one too: its failure is unknown ("no provenance
// headers"), its consumer unknown, its origin the one the name gives
// (else unknown). Call it before the first Add. It returns b.
func (b *Builder) ForStream(st sources.StreamInfo) *Builder {
	byName, origin := dlq.IsDeadLetterName(b.stream)
	b.dlt = st.DeadLetter || byName
	if b.dlt && origin != b.stream {
		b.nameOrigin = origin
	}
	return b
}

// Resolve names the registry ids met since the last call (I/O: the
// registry; run it in a Cmd or a command).
func (b *Builder) Resolve(ctx context.Context) {
	for id, c := range b.pending {
		b.res.Resolve(ctx, c)
		if ctx.Err() != nil {
			return
		}
		delete(b.pending, id)
	}
}

// Scanned is how many messages were added.
func (b *Builder) Scanned() int64 { return b.scanned }

// DeadLetters is how many of them were dead letters.
func (b *Builder) DeadLetters() int64 { return b.dead }

// When is the time a message died: its timestamp, or the broker's last
// dead-lettering time when the message has none.
func When(m *sources.Message) time.Time {
	if m.Timestamp.IsZero() && m.DeadLetter != nil {
		return m.DeadLetter.LastDeath
	}
	return m.Timestamp
}

// noProvenance is the failure group of a dead-letter stream's messages
// without provenance: not a fingerprint (8 hex digits), so no failure
// shares it.
const noProvenance = "no-provenance"

// noProvenanceText is their failure for people.
const noProvenanceText = "no provenance headers"

// Add counts one message: a dead letter when it carries provenance, or
// when the stream is a dead-letter stream (ForStream); else it is counted
// as scanned only.
func (b *Builder) Add(m *sources.Message) {
	b.scanned++
	d := m.DeadLetter
	if d == nil && !b.dlt {
		return
	}
	b.dead++
	at := When(m)
	if !at.IsZero() {
		if b.from.IsZero() || at.Before(b.from) {
			b.from = at
		}
		if at.After(b.to) {
			b.to = at
		}
	}
	var f dlq.Failure
	var fp, origin, consumer, example string
	if d != nil {
		f = dlq.FailureOf(d)
		fp, example = f.Fingerprint(), d.ExceptionMessage
		origin, consumer = orUnknown(d.OriginStream), orUnknown(d.ConsumerGroup)
	} else {
		b.bare++
		f = dlq.Failure{Text: noProvenanceText}
		fp, origin, consumer = noProvenance, orUnknown(b.nameOrigin), unknown
	}
	c := b.dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	version := "format:" + string(c.Format)
	if c.Origin == schema.OriginRegistry {
		version = "id:" + strconv.Itoa(c.ID)
		if _, ok := b.res.Known(c.ID); !ok {
			if _, ok := b.pending[c.ID]; !ok {
				b.pending[c.ID] = c
			}
		}
	}
	keys := [4]string{fp, origin, consumer, version}
	for i, key := range keys {
		g := b.groups[i][key]
		if g == nil {
			g = &Group{Key: key, Filter: b.filterFor(Mode(i), key)}
			if Mode(i) == ByFailure {
				g.Class, g.Text, g.Example = f.Class, f.Text, example
			}
			b.groups[i][key] = g
		}
		g.Count++
		if d == nil {
			g.NoProvenance++
		}
		if !at.IsZero() {
			if g.First.IsZero() || at.Before(g.First) {
				g.First = at
			}
			if at.After(g.Last) {
				g.Last = at
			}
			g.times = append(g.times, at.UnixMilli())
		}
	}
	n := b.counts[fp]
	if n == nil {
		n = map[string]int64{}
		b.counts[fp] = n
	}
	n["o:"+origin]++
	n["c:"+consumer]++
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

// filterFor is the filter expression (sources/filter) that selects a
// group. In a dead-letter stream every message is a dead letter: one
// without provenance (deadLetter == nil) is in the no-provenance failure,
// the unknown consumer, the name's origin (else the unknown one) and the
// version of its value.
func (b *Builder) filterFor(m Mode, key string) string {
	dead := "deadLetter != nil && " // every message in a dead-letter stream
	if b.dlt {
		dead = ""
	}
	switch m {
	case ByOrigin:
		bare := b.dlt && key == orUnknown(b.nameOrigin)
		switch {
		case key == unknown && bare:
			return `deadLetter == nil || deadLetter.origin == ""`
		case key == unknown:
			return `deadLetter != nil && deadLetter.origin == ""`
		case bare:
			return fmt.Sprintf("deadLetter == nil || deadLetter.origin == %q", key)
		}
		return fmt.Sprintf("deadLetter.origin == %q", key)
	case ByConsumer:
		switch {
		case key == unknown && b.dlt:
			return `deadLetter == nil || deadLetter.group == ""`
		case key == unknown:
			return `deadLetter != nil && deadLetter.group == ""`
		}
		return fmt.Sprintf("deadLetter.group == %q", key)
	case ByVersion:
		if id, ok := strings.CutPrefix(key, "id:"); ok {
			n, _ := strconv.Atoi(id)
			return dead + versions.Filter(n)
		}
		switch schema.Format(strings.TrimPrefix(key, "format:")) {
		case schema.FormatNull:
			return dead + "value == nil"
		case schema.FormatJSON: // json is also a value a schema decoded (a registry's, a local rule's)
			return dead + "json != nil && schema.format == nil"
		}
		return dead + `value != nil && json == nil && !(value startsWith "\x00")`
	}
	if key == noProvenance {
		return "deadLetter == nil"
	}
	return fmt.Sprintf("deadLetter.fingerprint == %q", key)
}

// Report groups what was added, biggest group first, with histograms of
// buckets equal slices of the whole time range.
func (b *Builder) Report(mode Mode, buckets int) Report {
	r := Report{Stream: b.stream, Mode: mode.String(), Scanned: b.scanned, DeadLetters: b.dead, From: b.from, To: b.to,
		DeadLetterStream: b.dlt, NoProvenance: b.bare, NameOrigin: b.nameOrigin}
	span := b.to.UnixMilli() - b.from.UnixMilli() + 1
	for _, g := range b.groups[mode] {
		out := *g
		out.times = nil
		out.Histogram = make([]int64, max(buckets, 1))
		for _, t := range g.times {
			i := int((t - b.from.UnixMilli()) * int64(len(out.Histogram)) / span)
			out.Histogram[min(max(i, 0), len(out.Histogram)-1)]++
		}
		if mode == ByFailure {
			out.Origins, out.Consumers = b.breakdown(g.Key, "o:"), b.breakdown(g.Key, "c:")
		}
		if mode == ByVersion {
			out.Key, out.Schema = b.versionName(g.Key)
		}
		r.Groups = append(r.Groups, out)
	}
	slices.SortFunc(r.Groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), a.First.Compare(b.First), cmp.Compare(a.Key, b.Key))
	})
	return r
}

// versionName names a ByVersion group's key and gives its schema.
func (b *Builder) versionName(key string) (string, *versions.Schema) {
	idText, ok := strings.CutPrefix(key, "id:")
	if !ok {
		f := schema.Format(strings.TrimPrefix(key, "format:"))
		return string(f), &versions.Schema{Format: f}
	}
	id, _ := strconv.Atoi(idText)
	s, known := b.res.Known(id)
	if !known {
		s = versions.Schema{ID: id, Format: schema.FormatBinary}
	}
	if s.Subject == "" {
		return "id " + idText, &s
	}
	return fmt.Sprintf("%s v%d%s (id %d)", s.Subject, s.Version, s.DeletedMark(), id), &s
}

func (b *Builder) breakdown(fp, prefix string) []Count {
	var out []Count
	for k, n := range b.counts[fp] {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			out = append(out, Count{Name: k[len(prefix):], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	return out
}

// Read adds every message of a bounded read to the builder, calling
// progress (may be nil) after each delivery. It closes the subscription.
func (b *Builder) Read(ctx context.Context, sub sources.Subscription, progress func(*Builder)) error {
	return sources.ReadSteps(ctx, sub, b.Step, func() {
		if progress != nil {
			progress(b)
		}
	})
}

// Step adds what a bounded read delivers for about d; it reports done at
// the read's end. The caller closes sub.
func (b *Builder) Step(ctx context.Context, sub sources.Subscription, d time.Duration) (bool, error) {
	defer b.Resolve(ctx)
	done, err := sources.StepRead(ctx, sub, d, nil, b.Add)
	if err != nil {
		return false, fmt.Errorf("triage %s: %w", b.stream, err)
	}
	return done, nil
}

// Provenance says, for people, how a dead-letter stream's messages
// without provenance headers were counted: "3 messages without provenance
// headers counted as dead letters (a dead-letter stream), origin orders by
// the stream's name". "" when there are none.
func (r Report) Provenance() string {
	if !r.DeadLetterStream || r.NoProvenance == 0 {
		return ""
	}
	what := "message"
	if r.NoProvenance != 1 {
		what = "messages"
	}
	origin := "origin unknown"
	if r.NameOrigin != "" {
		origin = "origin " + r.NameOrigin + " by the stream's name"
	}
	return fmt.Sprintf("%d %s without provenance headers counted as dead letters (a dead-letter stream), %s", r.NoProvenance, what, origin)
}

// Note says, for people, how many of a group's dead letters carry no
// provenance headers, and by origin whether the stream's name gave their
// origin: "3 without provenance headers, by the stream's name". "" for none.
func (r Report) Note(g Group) string {
	if g.NoProvenance == 0 || r.Mode == ByFailure.String() && g.Count == g.NoProvenance {
		return ""
	}
	note := fmt.Sprintf("%d without provenance headers", g.NoProvenance)
	if r.Mode == ByOrigin.String() && r.NameOrigin != "" && g.Key == r.NameOrigin {
		note += ", by the stream's name"
	}
	return note
}
