package health

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// Defaults of a check.
const (
	// DefaultMemory is what the identities held exactly may take before
	// older ones move to a Bloom filter.
	DefaultMemory = 64 << 20
	// DefaultFalsePositive is the false-positive rate the Bloom filter is
	// sized for.
	DefaultFalsePositive = 0.001
	// DefaultTolerance is how far event time may go back within an entity
	// before it is an ordering finding (checks without a sequence).
	DefaultTolerance = time.Second
	// DefaultExamples is how many examples a finding keeps.
	DefaultExamples = 10
	// RetryDistance is how many messages of one partition a copy may be
	// from its first copy and still be a producer retry (a producer has up
	// to 5 requests in flight).
	RetryDistance = 5
)

// SequenceAuto asks a check to find the sequence itself: the first of the
// headers and JSON fields autoSequence names that a message carries.
const SequenceAuto = "auto"

// autoSequenceHeaders and autoSequencePaths are what SequenceAuto looks
// for, in this order.
var (
	autoSequenceHeaders = []string{"sequence", "seq", "event-sequence", "x-sequence"}
	autoSequencePaths   = []string{"seq", "sequence", "sequenceNumber", "eventSequence"}
)

// Options say what a check reads as identity, entity and sequence, and how
// much it holds.
type Options struct {
	// Positions is how the stream writes its positions for people (a
	// Redis entry id); nil when they are the offsets.
	Positions sources.PositionSyntax
	// IDHeader or IDPath name a message's identity (a header, a field of
	// its value); without them (or on a message without it) the
	// publisher's id (PublisherID), else a hash of key and value.
	IDHeader string
	IDPath   Path
	// KeyPath names the entity order is checked per; without it the
	// entity is OrderKey's (the connector's), else the message key.
	KeyPath Path
	// SequencePath or SequenceHeader name a per-entity sequence number;
	// SequenceAuto in Sequence finds one. Without one, event time is checked.
	SequencePath   Path
	SequenceHeader string
	Auto           bool
	// Window holds identities exactly over at least this many messages
	// (0: the whole scan, up to Memory); WindowTime over this much event
	// time. Older identities go to a Bloom filter.
	Window     int64
	WindowTime time.Duration
	// Memory bounds the identities held exactly (0: DefaultMemory).
	Memory int64
	// FalsePositive is the Bloom filter's rate (0: DefaultFalsePositive).
	FalsePositive float64
	// Tolerance is how far event time may go back (0: DefaultTolerance;
	// negative: none).
	Tolerance time.Duration
	// Examples is how many examples each finding keeps (0:
	// DefaultExamples; negative: none).
	Examples int
	// SparsePositions says the stream's positions count no messages
	// (sources.Reading.SparsePositions): a retry's distance is counted in
	// the messages read.
	SparsePositions bool
	// Expected is how many messages the scan will read, when known
	// (sizes the Bloom filter).
	Expected int64
	// Decoder decodes schema-framed values for the JSON paths (nil: the
	// value's bytes only); Cached decodes with the schemas already
	// fetched only (no I/O: a check run while drawing).
	Decoder *schema.Decoder
	Cached  bool
	// PublisherID and OrderKey are the connection's (sources.Identities);
	// nil: none, and the message key.
	PublisherID func(*sources.Message) string
	OrderKey    func(*sources.Message) ([]byte, bool)
}

// ParseWindow reads --window: a count of messages (10000, 1M) or a
// duration of event time (10m).
func ParseWindow(s string) (n int64, d time.Duration, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	mult := int64(1)
	num := s
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, num = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, num = 1_000_000, s[:len(s)-1]
	}
	if v, err := strconv.ParseInt(num, 10, 64); err == nil {
		if v <= 0 {
			return 0, 0, fmt.Errorf("window %q: want a positive count or duration", s)
		}
		return v * mult, 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return 0, 0, fmt.Errorf("window %q: want a positive count or duration", s)
		}
		return 0, d, nil
	}
	return 0, 0, fmt.Errorf("window %q: want a count of messages (100000, 1M) or a duration (10m)", s)
}

// SetSequence reads --sequence: a JSON path, or "auto".
func (o *Options) SetSequence(s string) error {
	if strings.TrimSpace(s) == SequenceAuto {
		o.Auto = true
		return nil
	}
	p, err := ParsePath(s)
	if err != nil {
		return fmt.Errorf("sequence: %w", err)
	}
	o.SequencePath = p
	return nil
}

// validate refuses options that contradict each other.
func (o *Options) validate() error {
	switch {
	case o.IDHeader != "" && o.IDPath.Set():
		return errors.New("an identity is a header or a path, not both")
	case o.SequenceHeader != "" && (o.SequencePath.Set() || o.Auto):
		return errors.New("a sequence is a header or a path, not both")
	case o.FalsePositive < 0 || o.FalsePositive >= 1:
		return fmt.Errorf("false-positive rate %v: want between 0 and 1", o.FalsePositive)
	}
	return nil
}

func (o *Options) defaults() {
	if o.Memory <= 0 {
		o.Memory = DefaultMemory
	}
	if o.FalsePositive == 0 {
		o.FalsePositive = DefaultFalsePositive
	}
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.Tolerance < 0 {
		o.Tolerance = 0
	}
	switch {
	case o.Examples == 0:
		o.Examples = DefaultExamples
	case o.Examples < 0:
		o.Examples = 0 // none
	}
}

// WithConn takes what conn knows of its messages' identities and order
// (sources.Identities, sources.Orderer) into o; a reader wrapped around a connection is
// looked through (Unwrap).
func (o *Options) WithConn(conn any) {
	for {
		if ids, ok := conn.(sources.Identities); ok {
			o.PublisherID, o.OrderKey = ids.PublisherID, ids.OrderKey
			return
		}
		if ord, ok := conn.(sources.Orderer); ok {
			o.OrderKey = ord.OrderKey
			return
		}
		w, ok := conn.(interface{ Unwrap() sources.Reader })
		if !ok {
			return
		}
		conn = w.Unwrap()
	}
}
