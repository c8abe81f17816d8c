// Package versions takes the census of the schemas a stream's values are
// written with: per schema (subject, version, registry id, format) how many
// messages carry it, their share, when the first and the last was written
// and on which partitions, with the compatibility of each version against
// its subject's latest. For a dead-letter stream it takes the same census
// of the origin stream over the time its dead letters came from, and
// compares the two ("payments.avro.DLT: 90% carry v3; payments.avro: 17% v3").
//
// A census classifies values (schema.Decoder.Classify: the Confluent
// framing's id is enough, nothing is decoded) and asks the registry once
// per id for its subject version and compatibility.
package versions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/schema"
)

// Schema is what a census knows of one schema.
type Schema struct {
	// ID is the registry id (0 for values without a registry schema, and
	// for values framed with id 0: Framed tells them apart).
	ID int `json:"id,omitempty"`
	// Framed says the values carry a registry id in the Confluent framing.
	Framed bool `json:"framed,omitempty"`
	// Subject and Version name the id's subject version, when the registry
	// told.
	Subject string `json:"subject,omitempty"`
	Version int    `json:"version,omitempty"`
	// Deleted says the subject version was soft-deleted in the registry:
	// it was named by the registry's lookup of deleted versions.
	Deleted bool `json:"deleted,omitempty"`
	// Format is avro, protobuf, jsonschema, json, text, binary or null.
	Format schema.Format `json:"format"`
	// Subjects are the subject versions that have the id when it is
	// registered under more than one subject ("a v1", "b v3"); Subject is
	// then set only when one of them is the stream's own.
	Subjects []string `json:"subjects,omitempty"`
	// Latest is the subject's latest version (0: unknown).
	Latest int `json:"latest,omitempty"`
	// LatestErr says why Latest is unknown when its lookup failed.
	LatestErr string `json:"latestError,omitempty"`
	// Compatible is the registry's verdict on the schema against the
	// subject's latest version (nil: not asked, or it did not answer).
	Compatible *bool `json:"compatible,omitempty"`
	// Incompatibilities are the registry's reasons when it is not.
	Incompatibilities []string `json:"incompatibilities,omitempty"`
	// CheckedLocally says the registry could not answer the compatibility
	// check (CompatError says why), so the verdict was computed here from
	// the two Avro schemas at CompatLevel, the subject's level.
	CheckedLocally bool   `json:"compatibilityCheckedLocally,omitempty"`
	CompatLevel    string `json:"compatibilityLevel,omitempty"`
	CompatError    string `json:"compatibilityRegistryError,omitempty"`
	// Err says why the registry could not name the id.
	Err string `json:"error,omitempty"`
	// Local is the local schema the values are decoded with (mapped to
	// the stream by the config's schemas; for framed values, because no
	// registry is configured or it does not have the id).
	Local string `json:"local,omitempty"`
}

// Label is the schema in a word: "v3", "v2 (deleted)", "id 104", or the
// format.
func (s Schema) Label() string {
	switch {
	case s.Version > 0:
		return "v" + strconv.Itoa(s.Version) + s.DeletedMark()
	case s.Framed || s.ID > 0:
		return "id " + strconv.Itoa(s.ID)
	}
	return string(s.Format)
}

// DeletedMark is " (deleted)" for a soft-deleted subject version, else "".
func (s Schema) DeletedMark() string {
	if s.Deleted {
		return " (deleted)"
	}
	return ""
}

// Compat describes the compatibility in a few words.
func (s Schema) Compat() string {
	switch {
	case s.Compatible == nil && !s.Framed && s.ID == 0:
		return ""
	case s.Deleted && s.Latest == 0 && s.Subject != "":
		return "no live version"
	case s.Compatible == nil:
		return "?"
	case s.Version > 0 && s.Version == s.Latest:
		return "latest"
	}
	against := "v" + strconv.Itoa(s.Latest)
	if s.Latest == 0 { // the registry checked against its latest; which one it is, the lookup did not tell
		against = "the latest version (its lookup failed)"
	}
	verdict := "incompatible with " + against
	if *s.Compatible {
		verdict = "compatible with " + against
	}
	if s.CheckedLocally {
		verdict += " (checked locally)"
	}
	return verdict
}

// Note is what names the schema besides its subject, or why it is not
// named: the registry's failure ("id 0: not in the registry"), or the
// subjects of an id registered under several ("id 7: subjects a v1, b v3").
func (s Schema) Note() string {
	switch {
	case s.Err != "":
		return s.Err
	case len(s.Subjects) > 0:
		return "id " + strconv.Itoa(s.ID) + ": subjects " + strings.Join(s.Subjects, ", ")
	}
	return ""
}

// Row is one schema of a census and the messages that carry it.
type Row struct {
	Schema
	// Count is how many messages carry the schema; Share their part of
	// the messages read (0 to 1).
	Count int64   `json:"count"`
	Share float64 `json:"share"`
	// First and Last are the first and the last message's timestamps.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Partitions are the partitions the messages are on.
	Partitions []int32 `json:"partitions,omitempty"`
	// Filter is the filter expression (sources/filter) that selects the
	// messages (empty when none can).
	Filter string `json:"filter,omitempty"`
}

// Census is the schemas of one stream's messages.
type Census struct {
	Stream string `json:"stream"`
	// Scanned is how many messages were read; Budget says the read
	// stopped at the scan budget before the end.
	Scanned int64 `json:"scanned"`
	Budget  bool  `json:"budgetReached,omitempty"`
	// From and To are the first and last timestamps read.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Rows are the schemas, most messages first.
	Rows []Row `json:"schemas"`
}

// Row returns the row of the schema with id (nil: none).
func (c *Census) Row(id int) *Row {
	for i := range c.Rows {
		if c.Rows[i].ID == id && (id > 0 || c.Rows[i].Framed) {
			return &c.Rows[i]
		}
	}
	return nil
}

// Report is a stream's census and, for a dead-letter stream, its origin's.
type Report struct {
	Census
	// DeadLetters is how many messages carried dead-letter provenance.
	DeadLetters int64 `json:"deadLetters,omitempty"`
	// Origin is the census of the stream the dead letters came from, over
	// the time their originals were written (nil: not a dead-letter stream).
	Origin *Census `json:"origin,omitempty"`
	// OriginFrom and OriginTo are the span the origin was read over.
	OriginFrom time.Time `json:"originFrom,omitzero"`
	OriginTo   time.Time `json:"originTo,omitzero"`
	// OriginByName says the origin was found by the stream's name
	// (orders.DLT: orders), no dead letter naming one, and read over the
	// span the dead letters were written in.
	OriginByName bool `json:"originByName,omitempty"`
	// Comparison says the dead letters' commonest schema's share here and
	// there: "payments.avro.DLT: 90% carry v3; payments.avro: 17% v3".
	Comparison string `json:"comparison,omitempty"`
}

// Percent is a share as a whole percentage.
func Percent(share float64) int { return int(math.Round(share * 100)) }

// Compare is the comparison line of a dead-letter census and its origin's
// ("" when either has no schema).
func Compare(dlt, origin *Census) string {
	if dlt == nil || origin == nil || len(dlt.Rows) == 0 {
		return ""
	}
	top := dlt.Rows[0]
	share := 0.0
	if top.Framed || top.ID > 0 {
		if r := origin.Row(top.ID); r != nil {
			share = r.Share
		}
	} else {
		for _, r := range origin.Rows {
			if !r.Framed && r.ID == 0 && r.Format == top.Format {
				share = r.Share
			}
		}
	}
	return fmt.Sprintf("%s: %d%% carry %s; %s: %d%% %s", dlt.Stream, Percent(top.Share), top.Label(), origin.Stream, Percent(share), top.Label())
}

// key tells the schemas of a census apart.
type key struct {
	framed bool // a registry id: id is it (0 included)
	id     int
	format schema.Format
	local  string
}

type acc struct {
	key         key
	count       int64
	first, last time.Time
	parts       []int32
}

// Resolver names registry ids once: their subject version, the subject's
// latest and the compatibility against it. It is for one goroutine at a
// time; censuses that share it ask the registry once per id.
type Resolver struct {
	dec   *schema.Decoder
	known map[int]Schema
}

// NewResolver resolves with dec's registry (dec nil or without a registry:
// ids are named by their number only).
func NewResolver(dec *schema.Decoder) *Resolver {
	return &Resolver{dec: dec, known: map[int]Schema{}}
}

// Known returns what was resolved of id (ok false: not yet).
func (r *Resolver) Known(id int) (Schema, bool) {
	s, ok := r.known[id]
	return s, ok
}

// Resolve asks the registry about the id c classified (I/O, once per id).
func (r *Resolver) Resolve(ctx context.Context, c schema.Class) Schema {
	return r.resolve(ctx, c, "")
}

// resolve is Resolve for a value of stream (the subject its name gives is
// preferred where the id's subject versions are looked up).
func (r *Resolver) resolve(ctx context.Context, c schema.Class, stream string) Schema {
	if s, ok := r.known[c.ID]; ok {
		return s
	}
	s := Schema{ID: c.ID, Framed: true, Format: schema.FormatBinary}
	if r.dec == nil || r.dec.Registry() == nil {
		s.Err = schema.KindNoRegistry.String()
		r.known[c.ID] = s
		return s
	}
	d := r.dec.Decode(ctx, c)
	if d.Format != "" {
		s.Format = d.Format
	}
	s.Subject, s.Version, s.Latest, s.Deleted = d.Ref.Subject, d.Ref.Version, d.Ref.Latest, d.Ref.Deleted
	if d.Ref.LatestErr != nil {
		s.LatestErr = d.Ref.LatestErr.Error()
	}
	for _, sv := range d.Ref.Subjects {
		s.Subjects = append(s.Subjects, sv.Subject+" v"+strconv.Itoa(sv.Version)+s.DeletedMark())
	}
	k := schema.KindOf(d.Err)
	switch {
	case d.Ref.Origin == schema.OriginLocal:
		s.Local = d.Ref.Local
		s.Err = fmt.Sprintf("id %d: not in the registry; decoded with the local schema %s", c.ID, d.Ref.Local)
	case k == schema.KindUnknownID:
		s.Err = fmt.Sprintf("id %d: not in the registry", c.ID)
	case k == schema.KindRegistryDown, k == schema.KindUnauthorized, k == schema.KindRegistrySlow, k == schema.KindBadSchema, k == schema.KindUnsupported:
		s.Err = d.Err.Error()
	}
	if s.Subject == "" && len(s.Subjects) == 0 && d.Ref.Origin != schema.OriginLocal && idKnown(k) {
		r.nameVersions(ctx, &s, stream)
	}
	if s.Subject != "" && (!s.Deleted || s.Latest > 0) { // a subject without a live version has no latest to check against
		if c, err := r.dec.Registry().CheckLatest(ctx, s.Subject, s.ID); err == nil {
			s.Compatible, s.Incompatibilities = &c.Compatible, c.Messages
			if c.Local {
				s.CheckedLocally, s.CompatLevel = true, c.Level
				if c.RegistryErr != nil {
					s.CompatError = c.RegistryErr.Error()
				}
			}
		} else if s.Err == "" && !s.Deleted { // a deleted subject has no latest to check against
			s.Err = "compatibility: " + err.Error()
		}
	}
	if ctx.Err() == nil { // a cancelled census does not remember what it could not ask
		r.known[c.ID] = s
	}
	return s
}

// idKnown reports a decode failure (kind k, 0: none) after which the
// registry still has the id: the schema or the value failed, not the
// lookup.
func idKnown(k schema.Kind) bool {
	switch k {
	case 0, schema.KindBadSchema, schema.KindMismatch, schema.KindTruncated, schema.KindUnsupported, schema.KindMalformed:
		return true
	}
	return false
}

// nameVersions names the subject version of an id the decode did not
// name (its schema did not compile, its subject versions were
// soft-deleted): the registry's subject versions of the id, and when it
// has none, its soft-deleted ones (s.Deleted). A failed lookup leaves s
// as it is.
func (r *Resolver) nameVersions(ctx context.Context, s *Schema, stream string) {
	reg := r.dec.Registry()
	vs, err := reg.Versions(ctx, s.ID)
	if err != nil {
		return
	}
	if len(vs) == 0 {
		if vs, err = reg.VersionsWithDeleted(ctx, s.ID); err != nil || len(vs) == 0 {
			return
		}
		s.Deleted = true
	}
	if sv, ok := pickSubject(vs, stream); ok {
		s.Subject, s.Version = sv.Subject, sv.Version
		if latest, err := reg.Latest(ctx, sv.Subject); err == nil {
			s.Latest = latest
		} else {
			s.LatestErr = err.Error()
		}
		return
	}
	for _, sv := range vs {
		s.Subjects = append(s.Subjects, sv.Subject+" v"+strconv.Itoa(sv.Version)+s.DeletedMark())
	}
	slices.Sort(s.Subjects)
}

// pickSubject is the subject version that names an id of a value of
// stream: "<stream>-value", else the one "-value" subject, else the one
// subject (false: several, none the stream's).
func pickSubject(vs []schema.SubjectVersion, stream string) (schema.SubjectVersion, bool) {
	one := func(vs []schema.SubjectVersion) (schema.SubjectVersion, bool) {
		if len(vs) == 0 {
			return schema.SubjectVersion{}, false
		}
		for _, v := range vs[1:] {
			if v.Subject != vs[0].Subject {
				return schema.SubjectVersion{}, false
			}
		}
		return slices.MaxFunc(vs, func(a, b schema.SubjectVersion) int { return cmp.Compare(a.Version, b.Version) }), true
	}
	var values []schema.SubjectVersion
	for _, v := range vs {
		if stream != "" && v.Subject == stream+"-value" {
			return v, true
		}
		if strings.HasSuffix(v.Subject, "-value") {
			values = append(values, v)
		}
	}
	if v, ok := one(values); ok {
		return v, true
	}
	return one(vs)
}

// Builder takes the census of one stream from the messages it is given.
// It is for one goroutine at a time.
type Builder struct {
	stream   string
	dec      *schema.Decoder
	res      *Resolver
	budget   int64
	scanned  int64
	reached  bool
	from, to time.Time
	accs     map[key]*acc
	pending  map[int]schema.Class // ids seen and not resolved yet
	dead     int64
	origins  map[string]int64
	ofrom    time.Time // the dead letters' originals' time span
	oto      time.Time
}

// NewBuilder starts the census of stream, classifying with dec (nil: by
// content and framing only) and naming ids with res (nil: a resolver of
// its own). budget > 0 stops the census after that many messages.
func NewBuilder(stream string, dec *schema.Decoder, res *Resolver, budget int64) *Builder {
	if dec == nil {
		dec, _ = schema.NewDecoder(schema.Config{}) // no local schema: cannot fail
	}
	if res == nil {
		res = NewResolver(dec)
	}
	return &Builder{stream: stream, dec: dec, res: res, budget: budget, accs: map[key]*acc{}, pending: map[int]schema.Class{}, origins: map[string]int64{}}
}

// Stream is the stream the census is of.
func (b *Builder) Stream() string { return b.stream }

// Scanned is how many messages were added.
func (b *Builder) Scanned() int64 { return b.scanned }

// Add counts one message's value. It does no I/O.
func (b *Builder) Add(m *sources.Message) {
	b.scanned++
	at := m.Timestamp
	if !at.IsZero() {
		if b.from.IsZero() || at.Before(b.from) {
			b.from = at
		}
		if at.After(b.to) {
			b.to = at
		}
	}
	c := b.dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	k := key{format: c.Format}
	if c.Origin == schema.OriginRegistry {
		k = key{framed: true, id: c.ID}
		if _, ok := b.res.known[c.ID]; !ok {
			if _, ok := b.pending[c.ID]; !ok {
				b.pending[c.ID] = c
			}
		}
	} else if c.Origin == schema.OriginLocal {
		k.local = c.LocalSchema()
		if c.Framed() { // no registry: the framing's id, decoded locally
			k.framed, k.id = true, c.ID
		}
	}
	a := b.accs[k]
	if a == nil {
		a = &acc{key: k}
		b.accs[k] = a
	}
	a.count++
	if !at.IsZero() {
		if a.first.IsZero() || at.Before(a.first) {
			a.first = at
		}
		if at.After(a.last) {
			a.last = at
		}
	}
	if i, ok := slices.BinarySearch(a.parts, m.Partition); !ok && m.Partition != sources.NoPartition {
		a.parts = slices.Insert(a.parts, i, m.Partition)
	}
	if d := m.DeadLetter; d != nil {
		b.dead++
		if d.OriginStream != "" {
			b.origins[d.OriginStream]++
		}
		ot := d.OriginTime
		if ot.IsZero() {
			ot = at
		}
		if !ot.IsZero() {
			if b.ofrom.IsZero() || ot.Before(b.ofrom) {
				b.ofrom = ot
			}
			if ot.After(b.oto) {
				b.oto = ot
			}
		}
	}
}

// Resolve asks the registry about the ids seen since the last call (I/O:
// run it in a Cmd or a command, never while drawing).
func (b *Builder) Resolve(ctx context.Context) {
	for id, c := range b.pending {
		b.res.resolve(ctx, c, b.stream)
		if ctx.Err() != nil {
			return
		}
		delete(b.pending, id)
	}
}

// Origin is the stream most of the dead letters came from, and the time
// span their originals were written in. When no dead letter names one (no
// provenance headers), a stream named as a dead-letter stream of another
// (orders.DLT, orders-dlq, orders.dead-letter) has that one, over the
// span its own messages were written in (OriginByName). ok false: none.
func (b *Builder) Origin() (stream string, from, to time.Time, ok bool) {
	var n int64
	for s, c := range b.origins {
		if c > n || c == n && s < stream {
			stream, n = s, c
		}
	}
	if n > 0 {
		return stream, b.ofrom, b.oto, true
	}
	if origin, ok := b.nameOrigin(); ok {
		return origin, b.from, b.to, true
	}
	return "", time.Time{}, time.Time{}, false
}

// OriginByName reports an origin found by the stream's name alone (no
// dead letter named one).
func (b *Builder) OriginByName() bool {
	for _, c := range b.origins {
		if c > 0 {
			return false
		}
	}
	_, ok := b.nameOrigin()
	return ok
}

// nameOrigin is the origin the stream's name gives, when it read
// something.
func (b *Builder) nameOrigin() (string, bool) {
	isDLT, origin := dlq.IsDeadLetterName(b.stream)
	if !isDLT || origin == "" || origin == b.stream || b.scanned == 0 {
		return "", false
	}
	return origin, true
}

// OriginOptions is the read of the origin's census: the span its dead
// letters' originals were written in.
func (b *Builder) OriginOptions() (string, sources.ReadOptions, bool) {
	s, from, to, ok := b.Origin()
	if !ok || from.IsZero() {
		return "", sources.ReadOptions{}, false
	}
	return s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartTime, Time: from}, End: &sources.Start{Kind: sources.StartTime, Time: to}}, true
}

// DeadLetters is how many messages had dead-letter provenance.
func (b *Builder) DeadLetters() int64 { return b.dead }

// Census is what was counted so far, with what the resolver knows of each
// id. It does no I/O.
func (b *Builder) Census() Census {
	c := Census{Stream: b.stream, Scanned: b.scanned, Budget: b.reached, From: b.from, To: b.to}
	for _, a := range b.accs {
		r := Row{Schema: Schema{ID: a.key.id, Framed: a.key.framed, Format: a.key.format, Local: a.key.local}, Count: a.count, First: a.first, Last: a.last, Partitions: slices.Clone(a.parts)}
		switch {
		case a.key.framed && a.key.local != "":
			r.Err = fmt.Sprintf("id %d: no registry configured; decoded with the local schema %s", a.key.id, a.key.local)
			r.Filter = Filter(a.key.id)
		case a.key.framed:
			if r.Format == "" {
				r.Format = schema.FormatBinary // until the registry names it
			}
			if s, ok := b.res.known[a.key.id]; ok {
				r.Schema = s
			}
			r.Filter = Filter(a.key.id)
		}
		if b.scanned > 0 {
			r.Share = float64(a.count) / float64(b.scanned)
		}
		c.Rows = append(c.Rows, r)
	}
	slices.SortFunc(c.Rows, func(x, y Row) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Subject, y.Subject), cmp.Compare(x.Version, y.Version), cmp.Compare(x.ID, y.ID), cmp.Compare(x.Format, y.Format))
	})
	return c
}

// Filter is the filter expression that selects the values framed with
// registry id: schema.id reads the framing's id (a string literal such as
// "\xcc" is text, not a byte, so no byte prefix of the value can say it).
func Filter(id int) string {
	return fmt.Sprintf("schema.id == %d", id)
}

// Step adds what a bounded read delivers for about d, then resolves the
// ids it met; it reports done at the read's end or at the budget. The
// caller closes sub.
func (b *Builder) Step(ctx context.Context, sub sources.Subscription, d time.Duration) (bool, error) {
	defer b.Resolve(ctx)
	limit := func() int {
		if b.budget <= 0 {
			return 5000
		}
		n := int(min(5000, b.budget-b.scanned))
		if n <= 0 {
			b.reached = true
		}
		return n
	}
	done, err := sources.StepRead(ctx, sub, d, limit, b.Add)
	if err != nil {
		return false, fmt.Errorf("schemas of %s: %w", b.stream, err)
	}
	return done, nil
}

// Read adds every message of a bounded read, calling progress (may be
// nil) after each step. It closes sub.
func (b *Builder) Read(ctx context.Context, sub sources.Subscription, progress func(*Builder)) error {
	return sources.ReadSteps(ctx, sub, b.Step, func() {
		if progress != nil {
			progress(b)
		}
	})
}

// Opener opens a bounded read of a stream.
type Opener func(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error)

// Params says what a census reads.
type Params struct {
	// Open opens the reads (the stream's and its origin's).
	Open Opener
	// Decoder classifies values and names ids (nil: framing only).
	Decoder *schema.Decoder
	// Stream and Options are the read; Budget > 0 bounds each census.
	Stream  string
	Options sources.ReadOptions
	Budget  int64
	// Progress is called after each step of a read (nil: not called).
	Progress func(*Builder)
}

// Run takes the census of a stream and, when it is a dead-letter stream,
// of its origin over the span its originals were written in.
func Run(ctx context.Context, p Params) (Report, error) {
	res := NewResolver(p.Decoder)
	sub, err := p.Open(ctx, p.Stream, p.Options)
	if err != nil {
		return Report{}, err
	}
	b := NewBuilder(p.Stream, p.Decoder, res, p.Budget)
	if err := b.Read(ctx, sub, p.Progress); err != nil {
		return Report{}, err
	}
	r := Report{Census: b.Census(), DeadLetters: b.DeadLetters()}
	origin, opts, ok := b.OriginOptions()
	if !ok || origin == p.Stream {
		return r, nil
	}
	r.OriginFrom, r.OriginTo, r.OriginByName = opts.Start.Time, opts.End.Time, b.OriginByName()
	osub, err := p.Open(ctx, origin, opts)
	if err != nil && r.OriginByName && errors.Is(err, sources.ErrUnknownStream) {
		return Report{Census: r.Census, DeadLetters: r.DeadLetters}, nil // a name that only looks like a dead-letter stream's
	}
	if err != nil {
		return r, fmt.Errorf("origin %s: %w", origin, err)
	}
	ob := NewBuilder(origin, p.Decoder, res, p.Budget)
	if err := ob.Read(ctx, osub, p.Progress); err != nil {
		return r, err
	}
	oc := ob.Census()
	r.Origin, r.Comparison = &oc, Compare(&r.Census, &oc)
	return r, nil
}
