package sources

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PositionSyntax is how a stream's positions are written for people when
// they are not plain numbers (a Redis stream entry's id,
// "1700000000000-0"): the connector keeps its own packing of them in
// Message.Offset and fills Reading.Positions with its syntax, so what is
// shown is the broker's name for a position and what is typed is read
// back into the packed offset. A nil syntax means positions are the
// offsets themselves.
type PositionSyntax interface {
	// Format writes the position an offset stands for.
	Format(offset int64) string
	// Parse reads a position written in the syntax into its offset; ok
	// is false when text is not written in it.
	Parse(text string) (offset int64, ok bool)
	// Name is what a position is called ("entry id").
	Name() string
	// Example is a position written in the syntax, for prompts.
	Example() string
}

// OffsetText writes an offset as people read it on the stream: in its
// position syntax, else as the number.
func (r Reading) OffsetText(offset int64) string {
	if r.Positions != nil && offset >= 0 {
		return r.Positions.Format(offset)
	}
	return strconv.FormatInt(offset, 10)
}

// StartText writes a start as people read it on the stream: an offset
// start in the stream's position syntax ("id:1700000000000-0"), else as
// Start.String.
func (r Reading) StartText(s Start) string {
	if r.Positions != nil && s.Kind == StartOffset && len(s.Offsets) == 0 {
		return "id:" + r.Positions.Format(s.Offset)
	}
	return s.String()
}

// ParseStart is sources.ParseStart for the stream: a position in its
// syntax, bare or after "id:" or "offset:", starts at that position.
func (r Reading) ParseStart(s string, now time.Time) (Start, error) {
	if off, ok := r.parsePosition(s); ok {
		return Start{Kind: StartOffset, Offset: off}, nil
	}
	st, err := ParseStart(s, now)
	if err != nil && r.Positions != nil {
		return st, fmt.Errorf("start %q: want an %s (%s), oldest, newest, last:N, time:RFC3339 or time:-DURATION", s, r.Positions.Name(), r.Positions.Example())
	}
	return st, err
}

// ParseEnd is sources.ParseEnd for the stream: a position in its syntax
// ends the read there (inclusive).
func (r Reading) ParseEnd(s string, now time.Time) (*Start, error) {
	if off, ok := r.parsePosition(s); ok {
		return &Start{Kind: StartOffset, Offset: off}, nil
	}
	end, err := ParseEnd(s, now)
	if err != nil && r.Positions != nil {
		return end, fmt.Errorf("end %q: want an %s (%s), time:RFC3339 or time:-DURATION", s, r.Positions.Name(), r.Positions.Example())
	}
	return end, err
}

// parsePosition reads a position of the stream's syntax, bare or after
// "id:" or "offset:".
func (r Reading) parsePosition(s string) (int64, bool) {
	if r.Positions == nil {
		return 0, false
	}
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"id:", "offset:"} {
		if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			s = s[len(prefix):]
			break
		}
	}
	return r.Positions.Parse(s)
}
