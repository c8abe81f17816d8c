package health

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// The definitions a report states for each finding.
const (
	DefineDuplicates = "a message whose identity was already seen in the scan; N duplicates are N extra copies. " +
		"retry: within " + "5" + " messages of its first copy in the same partition (a producer retry); " +
		"re-publish: further apart, or in another partition; redrive: the copy carries redrive or dead-letter provenance (any one of mqscope's x-mqscope-redrive-* headers, or another tool's). " +
		"A duplicate is not also counted as an ordering finding. " +
		"Beyond the window a Bloom filter remembers identities: what it alone recognises is a possible duplicate, counted apart with the false positives expected."
	DefineOrderingSeq  = "per entity within a partition, a sequence number lower than the highest already seen there"
	DefineOrderingTime = "per entity within a partition, an event time earlier than the latest already seen there by more than the tolerance"
	DefineSplit        = "an entity whose distinct messages (its duplicates left out, whatever the window) are in more than one partition"
	DefineGaps         = "sequence numbers between an entity's lowest and highest never seen in the scan, a duplicate's number counted as seen (counted at its end: a late message is no gap); " +
		"a hole of more than 1,000,000 numbers is one suspicious jump (a reset, a bad number), counted once and not in the missing numbers"
)

// Position is where a message is: stream, partition (-1 for none) and
// offset (a queue's: the read's sequence).
type Position struct {
	Stream    string `json:"stream"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	// ID is the position as the stream names it when that is not the
	// offset (a Redis entry id); "" when it is.
	ID string `json:"id,omitempty"`
}

// message is a message at the position, for its names.
func (p Position) message() sources.Message {
	return sources.Message{Stream: p.Stream, Partition: p.Partition, Offset: p.Offset, ID: p.ID, IDPosition: p.ID != ""}
}

// String is the position as tail names it: stream[p]@offset or stream@seq
// (stream@id where the stream names positions by id).
func (p Position) String() string {
	m := p.message()
	return m.At()
}

// Where is the position in its stream: p0@12, or #12.
func (p Position) Where() string {
	m := p.message()
	return m.Where()
}

// Entities are named by their key as text; a key that is not UTF-8 by
// "base64:" and its bytes in base64 (two binary keys never look alike); a
// name cut at 80 bytes ends in "…".

// Pair is an example of a finding: two messages (the first copy and the
// duplicate; the highest seen and the one that came after it lower).
type Pair struct {
	// Kind is a duplicate's kind: retry, republish or redrive.
	Kind string `json:"kind,omitempty"`
	// Entity is the entity the messages are about.
	Entity string `json:"entity,omitempty"`
	// First is the earlier message; nil when only the Bloom filter
	// remembers it (it was beyond the window).
	First  *Position `json:"first,omitempty"`
	Second Position  `json:"second"`
	// Detail says what is out of order: "seq 2 after 3".
	Detail string `json:"detail,omitempty"`
}

// Positions are the pair's messages, the first one's when known.
func (p Pair) Positions() []Position {
	if p.First == nil {
		return []Position{p.Second}
	}
	return []Position{*p.First, p.Second}
}

// Duplicates is the duplicates finding.
type Duplicates struct {
	Count      int64  `json:"count"`
	Definition string `json:"definition"`
	// Retry, Republish and Redrive count them by kind.
	Retry     int64 `json:"retry"`
	Republish int64 `json:"republish"`
	Redrive   int64 `json:"redrive"`
	// Possible are messages whose identity only the Bloom filter says it
	// saw (beyond the window): duplicates (re-publishes or redrives), or
	// its false positives, of which ExpectedFalse are expected at its
	// fill. They are not in Count; they count as findings (PossibleCounted)
	// only past ExpectedFalse + 3 standard deviations (sqrt ExpectedFalse).
	Possible        int64   `json:"possible"`
	ExpectedFalse   float64 `json:"expectedFalse"`
	PossibleCounted bool    `json:"possibleCounted"`
	// Examples are pairs per kind (retry, republish, redrive; possible:
	// only the later message is known).
	Examples []Pair `json:"examples"`
}

// Ordering is the ordering finding.
type Ordering struct {
	Count      int64  `json:"count"`
	Definition string `json:"definition"`
	// BySequence and ByTime count those found by sequence number and by
	// event time (a message without the sequence).
	BySequence int64 `json:"bySequence"`
	ByTime     int64 `json:"byTime"`
	// Tolerance is how far event time may go back.
	Tolerance string `json:"tolerance,omitempty"`
	Examples  []Pair `json:"examples"`
}

// Split is an entity seen in more than one partition.
type Split struct {
	Entity string `json:"entity"`
	// At are the first message of the entity in each partition.
	At []Position `json:"at"`
}

// SplitKeys is the split-keys finding: Count entities.
type SplitKeys struct {
	Count      int64   `json:"count"`
	Definition string  `json:"definition"`
	Examples   []Split `json:"examples"`
}

// Range is a run of sequence numbers, From to To inclusive.
type Range struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// String is "7" or "7-9".
func (r Range) String() string {
	if r.From == r.To {
		return strconv.FormatInt(r.From, 10)
	}
	return strconv.FormatInt(r.From, 10) + "-" + strconv.FormatInt(r.To, 10)
}

// Gap is the sequence numbers one entity misses.
type Gap struct {
	Entity string `json:"entity"`
	// Missing is how many numbers (jumps left out), Jumps how many holes
	// are jumps (more than JumpSize numbers); Ranges the lowest of the
	// holes that are not jumps, RangesTotal how many such holes there
	// are; JumpRanges the lowest of the jumps still known (a jump joined
	// away to bound memory is counted in Jumps only).
	Missing     int64   `json:"missing"`
	Jumps       int64   `json:"jumps,omitempty"`
	Ranges      []Range `json:"ranges"`
	RangesTotal int64   `json:"rangesTotal"`
	JumpRanges  []Range `json:"jumpRanges,omitempty"`
	// Lowest and Highest are the numbers seen, and where.
	Lowest  int64    `json:"lowest"`
	Highest int64    `json:"highest"`
	At      Position `json:"at"`
}

// Gaps is the gaps finding: Count numbers missing and Jumps suspicious
// jumps over Entities entities.
type Gaps struct {
	Count      int64  `json:"count"`
	Jumps      int64  `json:"jumps"`
	Entities   int64  `json:"entities"`
	Definition string `json:"definition"`
	// UpperBound says some entity had more runs than it keeps: its
	// count may include numbers that came.
	UpperBound bool  `json:"upperBound,omitempty"`
	Examples   []Gap `json:"examples"`
}

// Offender is an entity and its findings: Gaps is its missing sequence
// numbers (as Gaps.Count and Gap.Missing), Jumps its suspicious jumps.
type Offender struct {
	Entity     string `json:"entity"`
	Duplicates int64  `json:"duplicates"`
	Ordering   int64  `json:"ordering"`
	Gaps       int64  `json:"gaps"`
	Jumps      int64  `json:"jumps,omitempty"`
	Split      bool   `json:"split,omitempty"`
}

// Total is the offender's findings in one number (a split counts one, a
// jump one).
func (o Offender) Total() int64 {
	n := o.Duplicates + o.Ordering + o.Gaps + o.Jumps
	if o.Split {
		n++
	}
	return n
}

// Memory says how identities were held.
type Memory struct {
	// Window is what was held exactly: "the whole scan", "the last 10000
	// messages", "the last 10m".
	Window string `json:"window"`
	// Exact is set when every identity of the scan was held exactly.
	Exact bool `json:"exact"`
	// SwitchedAt is the message after which older identities went to the
	// Bloom filter (0: they never did); Reason why ("window", "memory").
	SwitchedAt int64  `json:"switchedAt,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// Held is how many identities are held exactly now, Budget the
	// memory they may take.
	Held   int64 `json:"held"`
	Budget int64 `json:"budget"`
	// Bloom: identities in the filter, its size, the rate it was sized
	// for and the rate its fill gives now.
	BloomIdentities int64   `json:"bloomIdentities,omitempty"`
	BloomBytes      int64   `json:"bloomBytes,omitempty"`
	FalsePositive   float64 `json:"falsePositiveRate,omitempty"`
	Estimated       float64 `json:"estimatedFalsePositiveRate,omitempty"`
	// Entities is how many entities have state.
	Entities int64 `json:"entities"`
}

// Report is the health of one stream's messages.
type Report struct {
	Stream  string    `json:"stream"`
	Scanned int64     `json:"scanned"`
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to,omitzero"`
	// Identity, Entity and Sequence say what was read as each.
	Identity string `json:"identity"`
	Entity   string `json:"entity"`
	Sequence string `json:"sequence"`
	// EntityPath is the entity's JSON path when --key-path named one.
	EntityPath string `json:"entityPath,omitempty"`
	// ByFallback is how many messages lacked the identity asked for and
	// were told apart by a hash of key and value; NoEntity how many had
	// no entity (no key): they are checked for duplicates only.
	ByFallback int64 `json:"identityFallback,omitempty"`
	// IdentityAsked is the header or path --id-header or --id-path named
	// ("": none; ByFallback then counts the messages without a
	// publisher's id).
	IdentityAsked string `json:"identityAsked,omitempty"`
	NoEntity      int64  `json:"noEntity,omitempty"`
	// NoSequence is how many messages of an entity lacked the sequence
	// (once one was named or found), SequenceNotInteger how many had one
	// that is no exact integer (1.5, true, null; 1e3 is 1000): both are
	// checked by event time.
	NoSequence         int64 `json:"noSequence,omitempty"`
	SequenceNotInteger int64 `json:"sequenceNotInteger,omitempty"`

	Duplicates Duplicates `json:"duplicates"`
	Ordering   Ordering   `json:"ordering"`
	SplitKeys  SplitKeys  `json:"splitKeys"`
	Gaps       Gaps       `json:"gaps"`
	// Offenders are the entities with the most findings, of
	// OffendersTotal entities with any.
	Offenders      []Offender `json:"offenders"`
	OffendersTotal int64      `json:"offendersTotal"`
	Memory         Memory     `json:"memory"`
	// Flow is the stream's consumers and retry chain (nil: not asked).
	Flow *Flow `json:"flow,omitempty"`
	// Outcome is the conclusion (Conclude sets it).
	Outcome

	produced timeBuckets // the scanned messages by event time, for the flow's timeline
}

// Findings is how many findings the report has (duplicates, ordering,
// split keys and missing sequence numbers).
func (r *Report) Findings() int64 {
	n := r.Duplicates.Count + r.Ordering.Count + r.SplitKeys.Count + r.Gaps.Count + r.Gaps.Jumps
	if r.Duplicates.PossibleCounted {
		n += r.Duplicates.Possible
	}
	return n
}

// Healthy reports a scan with no finding.
func (r *Report) Healthy() bool { return r.Findings() == 0 }

// Filter is the filter expression (sources/filter) that selects the
// messages at ps.
func Filter(ps []Position) string {
	byPart := map[int32][]string{}
	var order []int32
	for _, p := range ps {
		if _, ok := byPart[p.Partition]; !ok {
			order = append(order, p.Partition)
		}
		byPart[p.Partition] = append(byPart[p.Partition], strconv.FormatInt(p.Offset, 10))
	}
	var parts []string
	for _, part := range order {
		offs := "offset in [" + strings.Join(dedupe(byPart[part]), ", ") + "]"
		if part == sources.NoPartition {
			parts = append(parts, offs)
			continue
		}
		parts = append(parts, fmt.Sprintf("(partition == %d && %s)", part, offs))
	}
	return strings.Join(parts, " || ")
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// wholeStream names the entity of a stream kept in order as a whole.
const wholeStream = "(the whole stream)"

// EntityFilter is the filter expression that selects an entity's
// messages ("" for the whole stream).
func (r *Report) EntityFilter(entity string) string {
	switch {
	case entity == wholeStream, strings.HasPrefix(entity, binaryPrefix), strings.HasSuffix(entity, "…"):
		return "" // no filter names it exactly
	case r.EntityPath != "":
		return fmt.Sprintf("%s == %q", r.EntityPath, entity)
	}
	return fmt.Sprintf("key == %q", entity)
}
