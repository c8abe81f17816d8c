package replay

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// Provenance headers added to every redriven message (sources/dlq reads
// them back: a message carrying them is a redriven copy).
const (
	// provenancePrefix starts every provenance header's name.
	provenancePrefix = dlq.RedrivePrefix

	HeaderID       = dlq.HeaderRedriveID
	HeaderHops     = dlq.HeaderRedriveHops
	HeaderSource   = dlq.HeaderRedriveSource
	HeaderPosition = dlq.HeaderRedrivePosition
	// HeaderEdited marks a message that was edited before it was redriven.
	HeaderEdited = dlq.HeaderRedriveEdited
)

// DefaultHopLimit is how many times a message may be redriven before it is
// parked instead.
const DefaultHopLimit = 3

// Options shape a redrive.
type Options struct {
	// ID names the run; the same ID resumes it. Empty: a new one.
	ID string
	// To sends every message to this stream instead of its origin.
	To string
	// DropHeaders are glob patterns (path.Match) of headers to remove.
	DropHeaders []string
	// KeepHeaders, when set, keeps only headers matching these patterns
	// (provenance headers are always added).
	KeepHeaders []string
	// HopLimit parks a message redriven this many times already (0: DefaultHopLimit).
	HopLimit int
	// ParkTo moves parked messages to this stream; empty leaves them in place.
	ParkTo string
	// Edits replace the content of messages, by the Fingerprint of the
	// original: the edited version is published, the original is handled
	// as in any redrive (committed past, or acknowledged).
	Edits map[string]Edit
	// Again redrives dead letters an earlier redrive copied already
	// (CheckCopies finds them); without it they are left out.
	Again bool
	// CopyScanLimit bounds the records of one target CheckCopies reads
	// (0: DefaultCopyScanLimit).
	CopyScanLimit int64
	// TrustFirstDeath redrives RabbitMQ dead letters whose first death is
	// in doubt (DeadLetter.Doubt: x-death and x-first-death disagree) to
	// where the first death says; without it they are left unresolved.
	TrustFirstDeath bool
	// OtherGroupsSeeCopies writes copies onto a stream whose other consumer
	// groups read them as new messages (Plan.SeenByRefusal); without it
	// such a run is refused.
	OtherGroupsSeeCopies bool
}

// Edit is a message's new content: key, value and headers (the redrive's
// provenance headers are added to them).
type Edit struct {
	Key, Value []byte
	Headers    []sources.Header
	// Decoded is an edited value still to be encoded with its schema
	// (EncodeValue sets Value from it); a plan refuses an edit that has one.
	Decoded json.RawMessage
	// Schema names the schema the document said the value has.
	Schema *capture.SchemaName
}

// NewID returns a fresh redrive id.
func NewID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "rd-" + hex.EncodeToString(b[:])
}

// Action is what a plan does with one message.
type Action int

const (
	// Redrive publishes the message to its target.
	Redrive Action = iota
	// Park leaves the message in place (or moves it to ParkTo): past the hop limit.
	Park
	// Unresolved leaves the message in place: no target could be found, or
	// the target its provenance names was refused (Plan.Refuse).
	Unresolved
)

func (a Action) String() string { return [...]string{"redrive", "park", "unresolved"}[a] }

// Target is where a message goes: a topic, or a RabbitMQ exchange with a
// routing key ("" is the default exchange, which routes by queue name).
type Target = sources.Target

// Item is one message of a plan.
type Item struct {
	Msg    sources.Message
	Action Action
	Target Target
	// Reason says why a message is parked or unresolved.
	Reason string
	// Headers are the headers the redriven message will carry.
	Headers []sources.Header
	// Edit, when set, is the content published instead of Msg's.
	Edit *Edit
	// Earlier is set on a dead letter an earlier redrive copied already,
	// redriven again (Options.Again).
	Earlier *EarlierCopy
}

// Key is the key the redriven message will carry.
func (it Item) Key() []byte {
	if it.Edit != nil {
		return it.Edit.Key
	}
	return it.Msg.Key
}

// Value is the value the redriven message will carry.
func (it Item) Value() []byte {
	if it.Edit != nil {
		return it.Edit.Value
	}
	return it.Msg.Value
}

// Plan is a redrive decided but not done: what goes where, with which headers.
type Plan struct {
	ID     string
	Source string
	Items  []Item
	// Dropped counts the headers removed, by name.
	Dropped map[string]int
	// AlreadyRedriven are the dead letters left out because an earlier
	// redrive copied them (CheckCopies), with where their copy is.
	AlreadyRedriven []LeftOut
	// Copies are the earlier copies CheckCopies (or UseCopies) took in;
	// nil before, and on a plan that writes to no topic.
	Copies *Copies
	// copyScanSkipped says why CheckCopies did not look (with Again).
	copyScanSkipped error
	// refused are the targets from provenance a target check refused
	// (Refuse), by checkedTarget, with why.
	refused map[Target]string
	// notes are what the target check told of the targets (Refuse).
	notes []TargetNote
	opts  Options
}

// LeftOut is a dead letter left out of a plan: an earlier redrive copied it.
type LeftOut struct {
	Msg  sources.Message
	Copy EarlierCopy
}

// NewPlan resolves a target for each message (its provenance, or o.To),
// applies the header rules and the hop limit. Redriving into the source
// stream is refused.
func NewPlan(source string, msgs []sources.Message, o Options) (*Plan, error) {
	if o.ID == "" {
		o.ID = NewID()
	}
	if o.HopLimit <= 0 {
		o.HopLimit = DefaultHopLimit
	}
	for _, pat := range append(append([]string{}, o.DropHeaders...), o.KeepHeaders...) {
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("header pattern %q: %w", pat, err)
		}
	}
	if o.To != "" && o.To == source {
		return nil, fmt.Errorf("refusing to redrive %s into itself", source)
	}
	for _, e := range o.Edits {
		if e.Decoded != nil {
			return nil, errors.New("an edited value is still to be encoded with its schema (Edit.EncodeValue)")
		}
	}
	p := &Plan{ID: o.ID, Source: source, Dropped: map[string]int{}, opts: o}
	for _, m := range msgs {
		p.Items = append(p.Items, p.Decide(m))
	}
	return p, nil
}

// Options returns the options the plan was made with.
func (p *Plan) Options() Options { return p.opts }

// Decide plans one message: its action, target and headers.
func (p *Plan) Decide(m sources.Message) Item {
	fp := ""
	if len(p.opts.Edits) > 0 {
		fp = Fingerprint(m)
	}
	return p.decide(m, fp)
}

// decide is Decide for a message whose fingerprint is known (or not needed:
// empty when the plan has no edits).
func (p *Plan) decide(m sources.Message, fp string) Item {
	o := p.opts
	it := Item{Msg: m}
	hops := hopsOf(m)
	it.Target, it.Reason = resolve(m, o.To)
	if d := m.DeadLetter; it.Reason == "" && d != nil && d.Doubt != "" && !o.TrustFirstDeath {
		it.Reason = d.Doubt + "; target from the first death: " + it.Target.String() + " (--trust-first-death redrives it there)"
	}
	_, edited := o.Edits[fp]
	switch {
	case m.Flaw != nil && m.Flaw.Lost && !edited: // an edit gives it a value again
		it.Action, it.Reason = Unresolved, m.Flaw.Reason+": nothing to redrive"
	case it.Reason != "":
		it.Action = Unresolved
	case it.Target.Stream == p.Source && !it.Target.Exchange || it.Target.Exchange && it.Target.Stream == "" && it.Target.RoutingKey == p.Source:
		it.Action, it.Reason = Unresolved, "its origin is the stream being read"
	case hops >= o.HopLimit:
		it.Action, it.Reason = Park, fmt.Sprintf("redriven %d times already (hop limit %d)", hops, o.HopLimit)
		if o.ParkTo != "" {
			it.Target = Target{Stream: o.ParkTo, Exchange: it.Target.Exchange}
		}
	case p.refused != nil:
		if reason, ok := p.refused[checkedTarget(it.Target)]; ok {
			it.Action, it.Reason = Unresolved, reason
		}
	}
	if e, ok := o.Edits[fp]; ok {
		it.Edit = &e
		edited := m
		edited.Headers = e.Headers
		it.Headers = append(p.headers(edited, hops), sources.Header{Key: HeaderEdited, Value: []byte("true")})
		return it
	}
	it.Headers = p.headers(m, hops)
	return it
}

// resolve finds a message's target from its provenance.
func resolve(m sources.Message, to string) (Target, string) {
	rabbit := m.Partition == sources.NoPartition && m.DeadLetter != nil && m.DeadLetter.ByExchange
	if to != "" {
		if rabbit {
			return Target{Stream: to, RoutingKey: originKey(m), Exchange: true}, ""
		}
		return Target{Stream: to}, ""
	}
	d := m.DeadLetter
	switch {
	case d == nil:
		return Target{}, "no dead-letter provenance: choose a target (--to)"
	case rabbit:
		if d.Exchange == "" && d.OriginStream != "" { // published to the default exchange: back to the queue
			return Target{RoutingKey: d.OriginStream, Exchange: true}, ""
		}
		if d.Exchange == "" {
			return Target{}, "x-death names no exchange or queue"
		}
		return Target{Stream: d.Exchange, RoutingKey: originKey(m), Exchange: true}, ""
	case d.ReturnTo != "":
		return Target{Stream: d.ReturnTo}, ""
	case d.BySubject: // the original, and so its subject, is gone: its stream is no subject
		return Target{}, "its original subject is not known (the original is gone): choose a subject (--to)"
	case d.OriginStream == "":
		return Target{}, "its " + d.Scheme + " headers name no origin"
	}
	return Target{Stream: d.OriginStream}, ""
}

// originKey is the routing key a RabbitMQ message was first published with.
func originKey(m sources.Message) string {
	if d := m.DeadLetter; d != nil && len(d.RoutingKeys) > 0 {
		return d.RoutingKeys[0]
	}
	return string(m.Key)
}

// Fingerprint identifies a message's content: message id, key, value and
// headers, leaving out what a redelivery changes (x-delivery-count). A peek
// and a later consume of the same RabbitMQ message give the same fingerprint.
func Fingerprint(m sources.Message) string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) { // length-prefixed, so fields cannot run into each other
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(m.ID))
	field(m.Key)
	field(m.Value)
	for _, hd := range m.Headers {
		if hd.Key == "x-delivery-count" {
			continue
		}
		field([]byte(hd.Key))
		field(hd.Value)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

func hopsOf(m sources.Message) int {
	v, ok := m.Header(HeaderHops)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Position renders where a message was read as people name it:
// partition/position, or the position alone (a queue read's sequence, a
// Redis stream's entry id) where the stream has no partitions. The
// position is the message's own (Message.Position).
func Position(m sources.Message) string {
	if m.Partition == sources.NoPartition {
		return m.Position()
	}
	return strconv.Itoa(int(m.Partition)) + "/" + m.Position()
}

// offsetPosition is Position written with the offset, whatever the
// stream calls its positions: what earlier versions wrote for every
// message, kept where a journal or a copy written by them is matched.
func offsetPosition(m sources.Message) string {
	if m.Partition == sources.NoPartition {
		return strconv.FormatInt(m.Offset, 10)
	}
	return strconv.Itoa(int(m.Partition)) + "/" + strconv.FormatInt(m.Offset, 10)
}

// headers applies the keep and drop rules and adds provenance.
func (p *Plan) headers(m sources.Message, hops int) []sources.Header {
	out := make([]sources.Header, 0, len(m.Headers)+4)
	for _, h := range m.Headers {
		switch {
		case h.Key == dlq.HeaderRedriveOriginalMsgID:
			// the first hop's, kept through every hop
		case strings.HasPrefix(h.Key, provenancePrefix):
			continue // replaced below
		case !KeepHeader(h.Key, p.opts.DropHeaders, p.opts.KeepHeaders):
			p.Dropped[h.Key]++
			continue
		}
		out = append(out, h)
	}
	return append(out,
		sources.Header{Key: HeaderID, Value: []byte(p.ID)},
		sources.Header{Key: HeaderHops, Value: []byte(strconv.Itoa(hops + 1))},
		sources.Header{Key: HeaderSource, Value: []byte(m.Stream)},
		sources.Header{Key: HeaderPosition, Value: []byte(Position(m))},
	)
}

// provenance is the provenance headers the plan gave an item (its redrive
// id, hop count, source and position), as every broker's message gets them.
func provenance(it Item) []sources.Header {
	var out []sources.Header
	for _, h := range it.Headers {
		if strings.HasPrefix(h.Key, provenancePrefix) {
			out = append(out, h)
		}
	}
	return out
}

// KeepHeader applies the drop patterns, then the keep patterns when given.
func KeepHeader(name string, drop, keep []string) bool {
	for _, pat := range drop {
		if ok, _ := path.Match(pat, name); ok {
			return false
		}
	}
	if len(keep) == 0 {
		return true
	}
	for _, pat := range keep {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// Summary is a plan in numbers.
type Summary struct {
	Total, Redrive, Park, Unresolved int
	// Lost counts the unresolved messages that are lost (only a trace of
	// them is left, sources.Flaw.Lost, and no edit gives them a value):
	// no target helps them.
	Lost int
	// AlreadyRedriven counts the dead letters left out because an earlier
	// redrive copied them (not in Total); Again those redriven again.
	AlreadyRedriven, Again int
	// PerTarget counts the messages per target (parked ones moved by ParkTo too).
	PerTarget map[string]int
}

// Summary counts the plan.
func (p *Plan) Summary() Summary {
	s := Summary{Total: len(p.Items), PerTarget: map[string]int{}, AlreadyRedriven: len(p.AlreadyRedriven)}
	for _, it := range p.Items {
		if it.Earlier != nil {
			s.Again++
		}
		switch it.Action {
		case Redrive:
			s.Redrive++
			s.PerTarget[it.Target.String()]++
		case Park:
			s.Park++
			if p.opts.ParkTo != "" {
				s.PerTarget[it.Target.String()+" (parking)"]++
			}
		case Unresolved:
			s.Unresolved++
			if it.Lost() {
				s.Lost++
			}
		}
	}
	return s
}

// Lost reports an item whose message is lost (only a trace of it is
// left, sources.Flaw.Lost) and that no edit gives a value again.
func (it Item) Lost() bool {
	return it.Msg.Flaw != nil && it.Msg.Flaw.Lost && it.Edit == nil
}

// Write prints the plan for people: counts per target, header changes,
// and every message that will not be redriven, with why. Names and
// reasons from the messages are sanitised (safetext.String).
func (p *Plan) Write(w io.Writer) error {
	s := p.Summary()
	var b strings.Builder
	messages := "messages"
	if s.Total == 1 {
		messages = "message"
	}
	fmt.Fprintf(&b, "redrive %s from %s: %d %s\n", safetext.String(p.ID), safetext.String(p.Source), s.Total, messages)
	for _, t := range SortedKeys(s.PerTarget) {
		fmt.Fprintf(&b, "  %6d -> %s\n", s.PerTarget[t], safetext.String(t))
	}
	if s.Park > 0 {
		where := "left in place"
		if p.opts.ParkTo != "" {
			where = "moved to " + safetext.String(p.opts.ParkTo)
		}
		fmt.Fprintf(&b, "  %6d parked (%s)\n", s.Park, where)
	}
	if s.Unresolved > 0 {
		fmt.Fprintf(&b, "  %6d unresolved (left in place)\n", s.Unresolved)
	}
	p.writeCopies(&b, s)
	for _, n := range p.notes {
		if n.Missing {
			fmt.Fprintf(&b, "  %s does not exist yet: the first copy creates it\n", safetext.String(n.Target.String()))
		}
		if len(n.SeenBy) > 0 {
			see := "refused without --other-groups-see-copies"
			if p.opts.OtherGroupsSeeCopies {
				see = "--other-groups-see-copies"
			}
			fmt.Fprintf(&b, "  %s is read by %s too: they would see each copy as a new entry (%s)\n",
				safetext.String(n.Target.String()), safetext.String(GroupsText(n.SeenBy)), see)
		}
	}
	fmt.Fprintf(&b, "headers added: %s, %s, %s, %s\n", HeaderID, HeaderHops, HeaderSource, HeaderPosition)
	if len(p.Dropped) > 0 {
		names := make([]string, 0, len(p.Dropped))
		for n := range p.Dropped {
			names = append(names, safetext.String(n))
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "headers dropped: %s\n", strings.Join(names, ", "))
	}
	shown, more := 0, 0
	for _, it := range p.Items {
		switch {
		case it.Action == Redrive:
			continue
		case shown >= 20:
			more++
			continue
		}
		shown++
		fmt.Fprintf(&b, "  %s %s@%s: %s\n", it.Action, safetext.String(it.Msg.Stream), safetext.String(Position(it.Msg)), safetext.String(it.Reason))
	}
	if more > 0 {
		fmt.Fprintf(&b, "  … %d more not redriven (parked or unresolved)\n", more)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SortedKeys returns a count map's keys in order, for stable printing.
func SortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
