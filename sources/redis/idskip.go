package redis

import (
	"fmt"
	"strconv"

	"github.com/mqscope/mqscope/sources"
)

// UnpackableIDsError says a read skipped entries whose ids an Offset
// cannot hold exactly (a sequence of 2^20 or more within a millisecond, a
// millisecond of 2^43 or more: ids a producer chose), rather than show
// them at a position that is another entry's or none at all.
type UnpackableIDsError struct {
	// Stream is the stream read.
	Stream string
	// First is the first id skipped.
	First string
	// Skipped counts the entries skipped.
	Skipped int
}

// Error names the first id and how many were skipped.
func (e *UnpackableIDsError) Error() string {
	entries := strconv.Itoa(e.Skipped) + " entries"
	if e.Skipped == 1 {
		entries = "1 entry"
	}
	return fmt.Sprintf("stream %q: entry id %s cannot be represented as a position (a sequence of at most %d within a millisecond, a millisecond below %d); %s skipped",
		e.Stream, e.First, maxOffsetSeq, uint64(maxOffsetMS)+1, entries)
}

// unpackable counts the entries a read skips for their ids.
type unpackable struct {
	first   string
	skipped int
}

// skip says whether the entry of id is skipped, counting it.
func (u *unpackable) skip(id string) bool {
	pid, err := ParseID(id)
	if err != nil || pid.Exact() {
		return false
	}
	if u.skipped == 0 {
		u.first = id
	}
	u.skipped++
	return true
}

// report is the error that says what was skipped since the last report
// (nil when nothing was), and starts counting again.
func (u *unpackable) report(stream string) error {
	if u.skipped == 0 {
		return nil
	}
	err := &UnpackableIDsError{Stream: stream, First: u.first, Skipped: u.skipped}
	*u = unpackable{}
	return err
}

// Is makes it a sources.ErrNotice: the read goes on past the entries.
func (e *UnpackableIDsError) Is(target error) bool { return target == sources.ErrNotice }
