package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// TestGoldenStreamSpan: a NATS JetStream listing shows each stream's
// bytes and its first and last sequence and time (as `nats stream ls`
// does), "-" for an empty stream's ends; at 140 columns there is no room
// for its subjects.
func TestGoldenStreamSpan(t *testing.T) {
	runGoldenAt(t, 140, 12, spanListing(), waitFor("DLQ → ORDERS"))
}

// spanListing is a NATS JetStream listing: spans and subjects, one
// stream's subjects longer than the column.
func spanListing() streamsListed {
	at := func(d time.Duration) time.Time { return testNow.Add(-d) }
	span := func(bytes, first, last int64, from, to time.Time) sources.Span {
		return sources.Span{Bytes: sources.KnownCount(bytes), First: sources.Edge{Seq: first, Time: from, Known: true}, Last: sources.Edge{Seq: last, Time: to, Known: true}}
	}
	return streamsListed{page: 1, at: testNow, streams: []sources.StreamInfo{
		{Name: "ORDERS", Kind: "jetstream", Messages: 1_000_000, High: 1_000_001, Span: span(231_000_000, 1, 1_000_000, at(26*time.Hour), at(3*time.Second)),
			Subjects: []string{"orders.created", "orders.paid", "orders.shipped.>"}},
		{Name: "EMPTY", Kind: "jetstream", Messages: 0, High: 41, Span: sources.Span{Bytes: sources.KnownCount(0)}, Subjects: []string{"empty"}},
		{Name: "MQSCOPE_DEAD_LETTERS", Kind: "jetstream", Messages: 12, High: 13, DeadLetter: true, DeadLetterFor: "ORDERS", Span: span(5_120, 1, 12, at(time.Hour), at(time.Minute)),
			Subjects: []string{"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.*"}},
	}}
}

// TestGoldenStreamSubjects: at 160 columns a NATS JetStream listing shows
// each stream's subjects, the column as wide as the room left allows and
// a longer list cut with …; at 140 (TestGoldenStreamSpan) it is the first
// column dropped.
func TestGoldenStreamSubjects(t *testing.T) {
	runGoldenAt(t, 160, 12, spanListing(), waitFor("DLQ → ORDERS"))
}

// TestSubjectsColumnFits: the subjects column is as wide as the widest
// stream's subjects (at least its title), narrowed to the room left after
// the names (up to namesWide), the trend dropped for it before it goes; a
// listing without subjects has none.
func TestSubjectsColumnFits(t *testing.T) {
	widthOf := func(list []sources.StreamInfo, w int) (int, []string) {
		p := &streamsPage{streams: list, shape: shapeOf(list)}
		var titles []string
		sub := -1
		for _, c := range p.columns(w) {
			titles = append(titles, plainTitle(c.title))
			if plainTitle(c.title) == colSubjects {
				sub = c.width
			}
		}
		return sub, titles
	}
	list := spanListing().streams
	if n, _ := widthOf(list, 220); n != subjectsWide {
		t.Errorf("at 220: width %d, want %d", n, subjectsWide)
	}
	if n, titles := widthOf(list, 160); n != 16 || !slices.Contains(titles, colTrend) {
		t.Errorf("at 160: width %d, want 16, with the trend: %v", n, titles)
	}
	if n, titles := widthOf(list, 150); n < subjectsNarrow || slices.Contains(titles, colTrend) {
		t.Errorf("at 150: width %d, want at least %d, the trend dropped for it: %v", n, subjectsNarrow, titles)
	}
	if n, titles := widthOf(list, 130); n != -1 {
		t.Errorf("at 130: width %d, want it dropped: %v", n, titles)
	}
	p := &streamsPage{streams: list, shape: shapeOf(list)}
	if c := p.columns(160)[0]; c.width < len("MQSCOPE_DEAD_LETTERS") {
		t.Errorf("at 160 the names get %d, less than the widest name, beside the subjects", c.width)
	}
	short := []sources.StreamInfo{{Name: "A", Kind: "jetstream", Subjects: []string{"a"}}}
	if n, _ := widthOf(short, 160); n != len(colSubjects) {
		t.Errorf("short subjects: width %d, want %d", n, len(colSubjects))
	}
	if n, _ := widthOf([]sources.StreamInfo{{Name: "t", Kind: "topic", Partitions: []sources.PartitionInfo{{ID: 0}}}}, 220); n != -1 {
		t.Errorf("no subjects, yet a column of %d", n)
	}
}
