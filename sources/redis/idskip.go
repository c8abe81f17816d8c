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

// SkippedMessages is how many entries were skipped (sources.SkipNotice).
func (e *UnpackableIDsError) SkippedMessages() int { return e.Skipped }

var _ sources.SkipNotice = (*UnpackableIDsError)(nil)

// Is makes it a sources.ErrNotice: the read goes on past the entries.
func (e *UnpackableIDsError) Is(target error) bool { return target == sources.ErrNotice }

// InexactIDsNotice says a read delivered entries whose ids an Offset
// cannot hold exactly (a sequence of 2^20 or more within a millisecond, a
// millisecond of 2^43 or more: ids a producer chose). Each such message
// carries its exact id (Message.ID, its position with IDPosition: what
// an export line and the detail show); its Offset is clamped to the
// largest its millisecond packs, so it orders the entries but a read
// cannot start at such an entry (EntryIDs.Parse refuses its id), and a
// read resumed at it may deliver the entries of its millisecond again.
type InexactIDsNotice struct {
	// Stream is the stream read.
	Stream string
	// First is the first such id delivered.
	First string
	// Count counts such entries delivered since the last notice.
	Count int
}

// Error names the first id and how many there were.
func (e *InexactIDsNotice) Error() string {
	entries := strconv.Itoa(e.Count) + " entries"
	if e.Count == 1 {
		entries = "1 entry"
	}
	return fmt.Sprintf("stream %q: %s with ids past what a position holds exactly (from %s: a sequence above %d within a millisecond, or a millisecond from %d on) read with their exact ids; a read cannot start at them",
		e.Stream, entries, e.First, maxOffsetSeq, uint64(maxOffsetMS)+1)
}

// Is makes it a sources.ErrNotice: the read goes on.
func (e *InexactIDsNotice) Is(target error) bool { return target == sources.ErrNotice }

// inexact counts the entries a read delivers whose ids no Offset holds.
type inexact struct {
	first string
	count int
}

// see counts id when no Offset holds it exactly.
func (u *inexact) see(id string) {
	pid, err := ParseID(id)
	if err != nil || pid.Exact() {
		return
	}
	if u.count == 0 {
		u.first = id
	}
	u.count++
}

// report is the notice of what was seen since the last report (nil when
// nothing was), and starts counting again.
func (u *inexact) report(stream string) error {
	if u.count == 0 {
		return nil
	}
	err := &InexactIDsNotice{Stream: stream, First: u.first, Count: u.count}
	*u = inexact{}
	return err
}
