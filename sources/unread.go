package sources

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
}

// Describe says the range and why on one line, verb saying what was not
// done with it ("exported", "read"): "orders/2: offsets 1200-1999 not
// exported: corrupt record batch at offset 1200: ...".
func (u Unread) Describe(verb string) string {
	where := fmt.Sprintf("offsets %d-%d", u.From, u.To)
	if u.From == u.To {
		where = fmt.Sprintf("offset %d", u.From)
	}
	why := "unknown error"
	if u.Why != nil {
		why = u.Why.Error()
	}
	return fmt.Sprintf("%s/%d: %s not %s: %s", u.Stream, u.Partition, where, verb, why)
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
