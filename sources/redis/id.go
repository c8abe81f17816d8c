package redis

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ID is a stream entry id, "<ms>-<seq>": the milliseconds of the server's
// clock when the entry was added (or what the producer chose) and a
// sequence within that millisecond.
type ID struct {
	MS, Seq uint64
}

// seqBits is how many low bits of an Offset hold the sequence.
const seqBits = 20

// maxOffsetMS is the largest millisecond an Offset holds exactly (2^43-1:
// the year 2248).
const maxOffsetMS = 1<<(63-seqBits) - 1

// maxOffsetSeq is the largest sequence an Offset holds exactly.
const maxOffsetSeq = 1<<seqBits - 1

// ParseID reads "ms-seq" or a bare "ms" (sequence 0).
func ParseID(s string) (ID, error) {
	msText, seqText, found := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(msText, 10, 64)
	if err != nil {
		return ID{}, fmt.Errorf("stream id %q: want <ms>-<seq>", s)
	}
	if !found {
		return ID{MS: ms}, nil
	}
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return ID{}, fmt.Errorf("stream id %q: want <ms>-<seq>", s)
	}
	return ID{MS: ms, Seq: seq}, nil
}

// String is the id as Redis writes it.
func (id ID) String() string {
	return strconv.FormatUint(id.MS, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// Time is the entry's millisecond as a time.
func (id ID) Time() time.Time { return time.UnixMilli(int64(min(id.MS, 1<<62))) }

// Less orders ids as the stream does.
func (id ID) Less(o ID) bool { return id.MS < o.MS || id.MS == o.MS && id.Seq < o.Seq }

// Next is the smallest id after id.
func (id ID) Next() ID {
	if id.Seq == ^uint64(0) {
		return ID{MS: id.MS + 1}
	}
	return ID{MS: id.MS, Seq: id.Seq + 1}
}

// prev is the id before id (0-0 for 0-0).
func (id ID) prev() ID {
	switch {
	case id.Seq > 0:
		return ID{MS: id.MS, Seq: id.Seq - 1}
	case id.MS > 0:
		return ID{MS: id.MS - 1, Seq: ^uint64(0)}
	}
	return id
}

// Offset maps the id onto the one int64 position the Message model has:
// the millisecond shifted left by 20 bits, the sequence in the low 20 bits.
// The mapping keeps the stream's order and is exact (OffsetID gives the id
// back) for every id a server's clock makes: milliseconds before the year
// 2248 and fewer than 2^20 (1,048,576) entries within one millisecond.
// Ids past that (producer-chosen huge ids) are clamped (Exact says so):
// a read of the stream delivers their entries with their exact ids
// (Message.ID) and says so (InexactIDsNotice); a group's dead letters
// skip them (UnpackableIDsError), as a redrive journals by position.
func (id ID) Offset() int64 {
	ms, seq := id.MS, id.Seq
	if ms > maxOffsetMS {
		ms, seq = maxOffsetMS, maxOffsetSeq
	}
	seq = min(seq, maxOffsetSeq)
	return int64(ms<<seqBits | seq)
}

// Exact reports whether Offset holds the id without clamping.
func (id ID) Exact() bool { return id.MS <= maxOffsetMS && id.Seq <= maxOffsetSeq }

// OffsetID is the id an Offset stands for (the inverse of ID.Offset).
func OffsetID(offset int64) ID {
	if offset < 0 {
		return ID{}
	}
	return ID{MS: uint64(offset) >> seqBits, Seq: uint64(offset) & maxOffsetSeq}
}

// TimeID is the first id at or after t: "<unix ms>-0".
func TimeID(t time.Time) ID {
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	return ID{MS: uint64(ms)}
}

// EntryIDs is the position syntax of a Redis stream (Reading.Positions):
// an Offset is shown as the entry id it packs, and an id ("<ms>-<seq>",
// or a bare "<ms>") is read back into its Offset.
type EntryIDs struct{}

// Format is the entry id an Offset packs.
func (EntryIDs) Format(offset int64) string { return OffsetID(offset).String() }

// Parse reads an entry id into its Offset; an id an Offset cannot hold
// exactly (see ID.Offset) is refused.
func (EntryIDs) Parse(text string) (int64, bool) {
	id, err := ParseID(strings.TrimSpace(text))
	if err != nil || !id.Exact() {
		return 0, false
	}
	return id.Offset(), true
}

// Name is what a Redis stream calls a position.
func (EntryIDs) Name() string { return "entry id" }

// Example is an entry id.
func (EntryIDs) Example() string { return "1700000000000-0" }
