package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// The advisories JetStream publishes, as core NATS messages, when a message
// dies: it reached its consumer's MaxDeliver, or the consumer terminated
// it (AckTerm). Each names the stream, the consumer and the stream
// sequence of the message.
const (
	// AdvisoryMaxDeliveries prefixes "<stream>.<consumer>".
	AdvisoryMaxDeliveries = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
	// AdvisoryTerminated prefixes "<stream>.<consumer>".
	AdvisoryTerminated = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED"
)

// AdvisoryStreamName is the stream EnsureAdvisoryStream creates.
const AdvisoryStreamName = "MQSCOPE_DEAD_LETTERS"

// Reasons a dead letter died, as DeadLetter.Reason holds them.
const (
	ReasonMaxDeliveries = "max-deliveries"
	ReasonTerminated    = "terminated"
)

// Scheme is the DeadLetter.Scheme of a dead letter found by an advisory.
const Scheme = "nats"

// PropertyOriginal is the Property whose value is "gone" on a dead letter
// whose original message the stream no longer holds.
const PropertyOriginal = "original"

// PropertyAdvisory is the DeadLetter.Extra property holding the id of
// the advisory that announced the dead letter.
const PropertyAdvisory = "Advisory"

// ErrOriginalGone is wrapped by the error of a redrive item whose original
// message is gone (removed by the stream's limits, or deleted).
var ErrOriginalGone = errors.New("the original message is gone from its stream")

// Capture is a stream that captures dead-letter advisories (all of them,
// or those of some streams or consumers).
type Capture struct {
	// Stream is the capturing stream.
	Stream string
	// Subjects are its subjects that capture advisories.
	Subjects []string
	// MaxDeliveries and Terminated say which advisories it captures (some
	// or all).
	MaxDeliveries, Terminated bool
	// All says it captures both advisories of every stream.
	All bool
	// For are the streams whose advisories it holds now.
	For []string
}

// advisory is a MAX_DELIVERIES or MSG_TERMINATED advisory as the server
// writes it.
type advisory struct {
	Type        string    `json:"type"`
	ID          string    `json:"id"`
	Time        time.Time `json:"timestamp"`
	Stream      string    `json:"stream"`
	Consumer    string    `json:"consumer"`
	ConsumerSeq uint64    `json:"consumer_seq"`
	StreamSeq   uint64    `json:"stream_seq"`
	Deliveries  uint64    `json:"deliveries"`
	Domain      string    `json:"domain"`
	Reason      string    `json:"reason"`
}

// captureOf says whether stream subjects capture dead-letter advisories.
func captureOf(subjects []string) *Capture {
	var c Capture
	for _, s := range subjects {
		md := subjectsMeet(s, AdvisoryMaxDeliveries+".*.*")
		te := subjectsMeet(s, AdvisoryTerminated+".*.*")
		if md || te {
			c.Subjects = append(c.Subjects, s)
			c.MaxDeliveries = c.MaxDeliveries || md
			c.Terminated = c.Terminated || te
		}
	}
	if len(c.Subjects) == 0 {
		return nil
	}
	var allMD, allTE bool
	for _, s := range c.Subjects {
		allMD = allMD || subjectCovers(s, AdvisoryMaxDeliveries+".*.*")
		allTE = allTE || subjectCovers(s, AdvisoryTerminated+".*.*")
	}
	c.All = allMD && allTE
	return &c
}

// subjectsMeet reports whether some subject matches both patterns.
func subjectsMeet(a, b string) bool {
	at, bt := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(at) && i < len(bt); i++ {
		switch {
		case at[i] == ">" || bt[i] == ">":
			return true
		case at[i] == "*" || bt[i] == "*":
		case at[i] != bt[i]:
			return false
		}
	}
	return len(at) == len(bt)
}

// subjectCovers reports whether every subject q matches also matches
// pattern p (tokens "*" and ">" are wildcards in both).
func subjectCovers(p, q string) bool {
	pt, qt := strings.Split(p, "."), strings.Split(q, ".")
	for i, tok := range pt {
		if tok == ">" {
			return len(qt) > i
		}
		if i >= len(qt) {
			return false
		}
		switch {
		case qt[i] == ">":
			return false
		case tok == "*":
		case tok != qt[i]:
			return false
		}
	}
	return len(pt) == len(qt)
}

// fillCapture finds the streams whose advisories the capture holds.
func (c *Conn) fillCapture(ctx context.Context, stream string, capt *Capture) error {
	capt.Stream = stream
	s, err := c.stream(ctx, stream)
	if err != nil {
		return err
	}
	si, err := s.Info(ctx, jetstream.WithSubjectFilter("$JS.EVENT.ADVISORY.CONSUMER.>"))
	if err != nil {
		return fmt.Errorf("stream %s: the advisories it holds: %w", stream, err)
	}
	seen := map[string]bool{}
	for subj := range si.State.Subjects {
		if origin, _, ok := adviseeOf(subj); ok && !seen[origin] {
			seen[origin] = true
			capt.For = append(capt.For, origin)
		}
	}
	sort.Strings(capt.For)
	return nil
}

// adviseeOf reads the stream and consumer of a dead-letter advisory's
// subject.
func adviseeOf(subject string) (stream, consumer string, ok bool) {
	for _, prefix := range []string{AdvisoryMaxDeliveries + ".", AdvisoryTerminated + "."} {
		if rest, found := strings.CutPrefix(subject, prefix); found {
			stream, consumer, ok = strings.Cut(rest, ".")
			return stream, consumer, ok && stream != "" && consumer != "" && !strings.Contains(consumer, ".")
		}
	}
	return "", "", false
}

// AdvisoryStreams lists the streams that capture dead-letter advisories.
// It only reads.
func (c *Conn) AdvisoryStreams(ctx context.Context) ([]Capture, error) {
	streams, err := c.Streams(ctx)
	if err != nil {
		return nil, err
	}
	var out []Capture
	for _, s := range streams {
		if s.Advisories != nil {
			out = append(out, *s.Advisories)
		}
	}
	return out, nil
}

// EnsureAdvisoryStream makes sure a stream captures both dead-letter
// advisories, and creates AdvisoryStreamName (file storage, no limits)
// when none does. Creating it is a write: the command layer calls this
// only after the user agreed. It reports the capture and whether it was
// created. Advisories published before the capture existed are not in it.
func (c *Conn) EnsureAdvisoryStream(ctx context.Context) (Capture, bool, error) {
	return c.EnsureAdvisoryStreamFor(ctx, AdvisoryStreamName, nil)
}

// EnsureAdvisoryStreamFor is EnsureAdvisoryStream for the advisories of
// the streams origins name (all streams' when origins is empty), with
// name as the stream it creates. A stream already capturing both
// advisories of every origin is reported as it is (created false); one
// capturing only some of them is an error (their subjects would overlap).
func (c *Conn) EnsureAdvisoryStreamFor(ctx context.Context, name string, origins []string) (Capture, bool, error) {
	var want []string
	if len(origins) == 0 {
		want = []string{AdvisoryMaxDeliveries + ".>", AdvisoryTerminated + ".>"}
	}
	for _, o := range origins {
		if o == "" || strings.ContainsAny(o, ".*> \t\r\n") {
			return Capture{}, false, fmt.Errorf("stream name %q cannot be captured: %w", o, sources.ErrBadTarget)
		}
		want = append(want, AdvisoryMaxDeliveries+"."+o+".*", AdvisoryTerminated+"."+o+".*")
	}
	captures, err := c.AdvisoryStreams(ctx)
	if err != nil {
		return Capture{}, false, err
	}
	var partial []string
	for _, capt := range captures {
		if coversAll(capt.Subjects, want) {
			return capt, false, nil
		}
		if meetsAny(capt.Subjects, want) {
			partial = append(partial, capt.Stream+" ("+strings.Join(capt.Subjects, ", ")+")")
		}
	}
	if len(partial) > 0 {
		// A stream's subjects may not overlap another's: the server would refuse.
		return Capture{}, false, fmt.Errorf("%s already captures some dead-letter advisories: give it the subjects %s (or delete it) to capture them all", strings.Join(partial, ", "), strings.Join(want, " and "))
	}
	cfg := jetstream.StreamConfig{
		Name:        name,
		Description: "mqscope: JetStream MAX_DELIVERIES and MSG_TERMINATED advisories (dead letters)",
		Subjects:    want,
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
	}
	if _, err := c.js.CreateStream(ctx, cfg); err != nil {
		return Capture{}, false, fmt.Errorf("create the advisory stream %s on %s: %w", name, c.address, err)
	}
	c.forget(name)
	capt := captureOf(cfg.Subjects)
	capt.Stream = name
	capt.For = append([]string(nil), origins...)
	return *capt, true, nil
}

// coversAll reports whether every subject of want is matched by one of
// subjects.
func coversAll(subjects, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(subjects, func(s string) bool { return subjectCovers(s, w) }) {
			return false
		}
	}
	return true
}

// meetsAny reports whether some subject matches one of subjects and one
// of want.
func meetsAny(subjects, want []string) bool {
	for _, w := range want {
		if slices.ContainsFunc(subjects, func(s string) bool { return subjectsMeet(s, w) }) {
			return true
		}
	}
	return false
}

// deadLetter turns one advisory record of a capture stream into the dead
// letter it announces: the original message, fetched by its sequence,
// with the provenance. An original the stream no longer holds is still a
// message, flagged (PropertyOriginal "gone", a Flaw). ok is false for a
// record that is no dead-letter advisory.
func (c *Conn) deadLetter(ctx context.Context, capture string, seq uint64, subject string, data []byte, stored time.Time) (sources.Message, bool, error) {
	var a advisory
	if _, _, ok := adviseeOf(subject); !ok {
		return sources.Message{}, false, nil
	}
	if err := json.Unmarshal(data, &a); err != nil || a.Stream == "" || a.StreamSeq == 0 {
		return sources.Message{}, false, nil
	}
	reason := ReasonMaxDeliveries
	if strings.HasPrefix(subject, AdvisoryTerminated+".") {
		reason = ReasonTerminated
	}
	if a.Time.IsZero() {
		a.Time = stored
	}
	dl := &sources.DeadLetter{
		Scheme:          Scheme,
		BySubject:       true,
		OriginStream:    a.Stream,
		OriginPartition: sources.NoPartition,
		OriginOffset:    int64(a.StreamSeq),
		ConsumerGroup:   GroupName(a.Stream, a.Consumer),
		Reason:          reason,
		Count:           int64(a.Deliveries),
		FirstDeath:      a.Time,
		LastDeath:       a.Time,
	}
	if a.Reason != "" {
		dl.ExceptionMessage = a.Reason
	}
	dl.Extra = append(dl.Extra, sources.Property{Name: "Consumer", Value: a.Consumer}, sources.Property{Name: PropertyAdvisory, Value: a.ID})
	dl.Deaths = []sources.Death{{Queue: dl.ConsumerGroup, Reason: reason, Count: dl.Count, Time: a.Time}}
	m := sources.Message{
		Stream:     capture,
		Partition:  sources.NoPartition,
		Offset:     int64(seq),
		DeadLetter: dl,
		Timestamp:  a.Time,
	}
	orig, err := c.original(ctx, a.Stream, a.StreamSeq)
	gone := fmt.Sprintf("the original message %s#%d is gone (removed by the stream's limits, or deleted): only the advisory is left", a.Stream, a.StreamSeq)
	if err == nil && orig.Time.After(a.Time) {
		// Stored after it died: the stream was deleted and made again,
		// and its sequence numbers another message now.
		err = fmt.Errorf("%s#%d: %w", a.Stream, a.StreamSeq, ErrOriginalGone)
		gone = fmt.Sprintf("the original message %s#%d is gone: the stream holds another message there, stored %s, after this one died (%s); the stream was deleted and created again: only the advisory is left",
			a.Stream, a.StreamSeq, orig.Time.UTC().Format(time.RFC3339Nano), a.Time.UTC().Format(time.RFC3339Nano))
	}
	switch {
	case errors.Is(err, ErrOriginalGone):
		m.Headers = withDeath(nil, &a, reason)
		m.Properties = []sources.Property{{Name: PropertyOriginal, Value: "gone"}, {Name: "origin", Value: a.Stream + "#" + strconv.FormatUint(a.StreamSeq, 10)}}
		m.Flaw = &sources.Flaw{Lost: true, Reason: gone}
		return m, true, nil
	case err != nil:
		return m, true, err
	}
	m.Key = []byte(orig.Subject)
	m.Value = orig.Data
	m.ValueSize = len(orig.Data)
	m.Headers = withDeath(headersOf(orig.Header), &a, reason)
	dl.Deaths[0].RoutingKeys = []string{orig.Subject}
	m.ID = orig.Header.Get(natsgo.MsgIdHdr)
	m.Timestamp = orig.Time
	m.Properties = []sources.Property{{Name: "subject", Value: orig.Subject}, {Name: "origin", Value: a.Stream + "#" + strconv.FormatUint(a.StreamSeq, 10)}}
	dl.OriginTime = orig.Time
	dl.RoutingKeys = []string{orig.Subject}
	dl.ReturnTo = orig.Subject
	return m, true, nil
}

// original fetches a message by stream and sequence; the error wraps
// ErrOriginalGone when the stream no longer holds it (or is gone).
func (c *Conn) original(ctx context.Context, stream string, seq uint64) (*jetstream.RawStreamMsg, error) {
	s, err := c.stream(ctx, stream)
	if errors.Is(err, sources.ErrUnknownStream) {
		return nil, fmt.Errorf("%s#%d: %w", stream, seq, ErrOriginalGone)
	}
	if err != nil {
		return nil, err
	}
	raw, err := c.getMsg(ctx, s, seq, false)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, fmt.Errorf("%s#%d: %w", stream, seq, ErrOriginalGone)
	case errors.Is(err, jetstream.ErrStreamNotFound):
		c.forget(stream)
		return nil, fmt.Errorf("%s#%d: %w", stream, seq, ErrOriginalGone)
	case err != nil:
		return nil, fmt.Errorf("get %s#%d: %w", stream, seq, err)
	}
	return raw, nil
}

// GoneOriginal reports a dead letter whose original message is gone.
func GoneOriginal(m *sources.Message) bool {
	for _, p := range m.Properties {
		if p.Name == PropertyOriginal && p.Value == "gone" {
			return true
		}
	}
	return false
}

// headersOf lists NATS headers in a stable order (by name; a name's
// values in the order sent). The values share one allocation.
func headersOf(h natsgo.Header) []sources.Header {
	if len(h) == 0 {
		return nil
	}
	n, size := 0, 0
	var small [16]string
	keys := small[:0]
	for k, vs := range h {
		keys = append(keys, k)
		n += len(vs)
		for _, v := range vs {
			size += len(v)
		}
	}
	if len(keys) > len(small) {
		sort.Strings(keys)
	} else { // few keys: an insertion sort allocates nothing
		for i := 1; i < len(keys); i++ {
			for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
				keys[j], keys[j-1] = keys[j-1], keys[j]
			}
		}
	}
	out := make([]sources.Header, 0, n)
	buf := make([]byte, 0, size)
	for _, k := range keys {
		for _, v := range h[k] {
			start := len(buf)
			buf = append(buf, v...)
			out = append(out, sources.Header{Key: k, Value: buf[start:len(buf):len(buf)]})
		}
	}
	return out
}
