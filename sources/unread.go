package sources

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Unread is a range of a partition a bounded read was asked for and could
// not deliver: the offsets From to To (both included) and why.
type Unread struct {
	// Stream and Partition say where.
	Stream    string
	Partition int32
	// From is the first offset not delivered, To the last.
	From, To int64
	// Why is what stopped the read there (a corrupt record batch...).
	Why error
	// Positions writes From and To as the stream names its positions
	// (a Redis entry id); nil: they are plain offsets.
	Positions PositionSyntax
}

// Describe says the range and why on one line, verb saying what was not
// done with it ("exported", "read"): "orders/2: offsets 1200-1999 not
// exported: corrupt record batch at offset 1200: ...".
// A stream without partitions (NoPartition) is named alone.
func (u Unread) Describe(verb string) string {
	where := fmt.Sprintf("offsets %d-%d", u.From, u.To)
	if u.From == u.To {
		where = fmt.Sprintf("offset %d", u.From)
	}
	if p := u.Positions; p != nil {
		where = fmt.Sprintf("%ss %s to %s", p.Name(), p.Format(u.From), p.Format(u.To))
		if u.From == u.To {
			where = p.Name() + " " + p.Format(u.From)
		}
	}
	why := "unknown error"
	if u.Why != nil {
		why = u.Why.Error()
	}
	stream := fmt.Sprintf("%s/%d", u.Stream, u.Partition)
	if u.Partition == NoPartition {
		stream = u.Stream
	}
	return fmt.Sprintf("%s: %s not %s: %s", stream, where, verb, why)
}

// MarshalJSON writes the range with why as text: {"stream", "partition",
// "from", "to", "why"}.
func (u Unread) MarshalJSON() ([]byte, error) {
	why := ""
	if u.Why != nil {
		why = u.Why.Error()
	}
	return json.Marshal(struct {
		Stream    string `json:"stream"`
		Partition int32  `json:"partition"`
		From      int64  `json:"from"`
		To        int64  `json:"to"`
		Why       string `json:"why"`
	}{u.Stream, u.Partition, u.From, u.To, why})
}

// IncompleteError ends a bounded read that could not deliver all it was
// asked for: Next returns it once, in place of ErrEndOfStream, after the
// last message it could deliver (and ErrEndOfStream after it).
type IncompleteError struct {
	// Unread lists what was not delivered, by stream, partition and offset.
	Unread []Unread
}

// Error lists the ranges not read.
func (e *IncompleteError) Error() string { return e.Describe("read") }

// Describe lists the ranges on one line, each told with verb (see
// Unread.Describe).
func (e *IncompleteError) Describe(verb string) string {
	parts := make([]string, 0, len(e.Unread))
	for _, u := range e.Unread {
		parts = append(parts, u.Describe(verb))
	}
	return "incomplete: " + strings.Join(parts, "; ")
}

// StreamDeletedError is why a bounded read ended before its end: its
// stream was deleted (or deleted and created again: Replaced) while it
// read. It wraps ErrUnknownStream. A connector records it as the Why of
// the range it could not read (Feed.Lose), so the read ends with an
// IncompleteError.
type StreamDeletedError struct {
	// Stream is the stream read.
	Stream string
	// Read is how many messages the read delivered; Of how many it was
	// to deliver (-1 when not known).
	Read, Of int64
	// Unit names what was read ("messages", "entries"; "" is messages).
	Unit string
	// Replaced says a new stream of the same name took its place.
	Replaced bool
}

// Error says the stream was deleted and how much was read of it.
func (e *StreamDeletedError) Error() string {
	unit := e.Unit
	if unit == "" {
		unit = "messages"
	}
	what := "was deleted"
	if e.Replaced {
		what = "was deleted and created again"
	}
	if e.Of >= 0 {
		return fmt.Sprintf("stream %s %s during the read: %d of %d %s read", e.Stream, what, e.Read, e.Of, unit)
	}
	return fmt.Sprintf("stream %s %s during the read: %d %s read", e.Stream, what, e.Read, unit)
}

// Unwrap is ErrUnknownStream.
func (e *StreamDeletedError) Unwrap() error { return ErrUnknownStream }

// StreamTrimmedError is why a bounded read could not deliver a range:
// the stream's first position rose past the read's while it read (the
// stream was trimmed or purged, or its limits removed its oldest
// messages), so messages it was to deliver are gone. A connector records
// it as the Why of that range (Feed.Lose), so the read ends with an
// IncompleteError. Messages deleted before the read began are no such
// range.
type StreamTrimmedError struct {
	// Stream is the stream read.
	Stream string
	// Removed is how many messages of the range were removed (-1 when
	// not known).
	Removed int64
	// Unit names them ("messages", "entries"; "" is messages).
	Unit string
}

// Error says how many were removed, and how.
func (e *StreamTrimmedError) Error() string {
	unit := e.Unit
	if unit == "" {
		unit = "messages"
	}
	n := strconv.FormatInt(e.Removed, 10) + " "
	if e.Removed < 0 {
		n = ""
	} else if e.Removed == 1 {
		unit = strings.TrimSuffix(unit, "s")
		if unit == "entrie" {
			unit = "entry"
		}
	}
	return fmt.Sprintf("%s%s removed from the stream (trimmed/purged, or by its limits) while it was read", n, unit)
}

// AsIncomplete returns the IncompleteError err holds, if it holds one.
func AsIncomplete(err error) (*IncompleteError, bool) {
	var inc *IncompleteError
	ok := errors.As(err, &inc)
	return inc, ok
}

// sortUnread orders ranges by stream, partition and offset.
func sortUnread(us []Unread) {
	slices.SortFunc(us, func(a, b Unread) int {
		return cmp.Or(cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.From, b.From))
	})
}
