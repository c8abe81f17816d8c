package replay

import (
	"testing"
)

// TestAdoptTakesOverOnlyUnfinishedRunsOfTheSameSource: a run takes over
// what an unfinished run of the same source and connection left open (its
// claims as if resuming it), not a run of another source or broker, not
// one that still runs (its journal is locked), and not one that finished
// or was taken over by a run that finished.
func TestAdoptTakesOverOnlyUnfinishedRunsOfTheSameSource(t *testing.T) {
	const a, b = "0000000000000000000000000000000a", "0000000000000000000000000000000b"
	dir := t.TempDir()
	journal := func(id, source, conn string, es ...JournalEntry) *Journal {
		t.Helper()
		j, err := OpenJournal(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Adopt(source, conn); err != nil {
			t.Fatal(err)
		}
		if err := j.Add(es...); err != nil {
			t.Fatal(err)
		}
		return j
	}
	sent := func(id, fp string) JournalEntry {
		return JournalEntry{ID: id, Source: "dlq", Fingerprint: fp, Kind: EntrySent}
	}
	unacked := JournalEntry{ID: "c2", Source: "dlq", Fingerprint: b, Kind: EntryUnacked}
	dup := JournalEntry{ID: "c2", Source: "dlq", Fingerprint: a, Kind: EntryDuplicate, Copies: 2, CorrelationID: "corr-a"}
	live := journal("live", "dlq", "h:5672/v", sent("live", a)) // first: it would take c2 over
	defer live.Close()
	journal("c2", "dlq", "h:5672/v", sent("c2", a), sent("c2", b), unacked, dup).Close()
	journal("other", "other.dlq", "h:5672/v", sent("other", a)).Close()
	journal("elsewhere", "dlq", "h2:5672/v", sent("elsewhere", a)).Close()

	j, err := OpenJournal(dir, "c3")
	if err != nil {
		t.Fatal(err)
	}
	took, err := j.Adopt("dlq", "h:5672/v")
	if err != nil || len(took) != 1 || took[0].ID != "c2" || took[0].Open != 2 {
		t.Fatalf("took over %+v: %v", took, err)
	}
	if got := took[0].String(); got != "took over the unfinished run c2 of dlq (its 2 open messages are counted here)" {
		t.Fatalf("said %q", got)
	}
	if c, n := j.Claim(b); c != ClaimConfirmed || n != 1 {
		t.Fatalf("b: %v %d, want acknowledged without sending", c, n)
	}
	if c, n := j.Claim(a); c != ClaimUncertain || n != 1 {
		t.Fatalf("a: %v %d, want sent again as a possible duplicate", c, n)
	}
	if ds := j.Duplicates(); len(ds) != 1 || ds[0].Copies != 2 || ds[0].CorrelationID != "corr-a" || ds[0].Run != "c2" {
		t.Fatalf("the duplicates over the runs: %+v", ds)
	}
	if err := j.Finish(); err != nil {
		t.Fatal(err)
	}
	j.Close()

	next, err := OpenJournal(dir, "c4")
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if took, err := next.Adopt("dlq", "h:5672/v"); err != nil || len(took) != 0 {
		t.Fatalf("after c3 finished, took over %+v: %v", took, err)
	}
}
