package replay

import (
	"testing"
	"time"
)

// TestJournalBeganIsTheFirstAttempt: a journal says when the unfinished
// run of its id began (its plan record, written before the first
// message) to every resume, and nothing to a first run or to a run after
// the id's last one ended complete.
func TestJournalBeganIsTheFirstAttempt(t *testing.T) {
	dir := t.TempDir()
	open := func() *Journal {
		t.Helper()
		j, err := OpenJournal(dir, "rd-began")
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	j := open()
	if !j.Began().IsZero() {
		t.Fatalf("a first run began at %s", j.Began())
	}
	before := time.Now()
	if err := j.Plan("dlq", ""); err != nil {
		t.Fatal(err)
	}
	if !j.Began().IsZero() {
		t.Fatal("the first run's own plan record made it a resume")
	}
	if err := j.Add(JournalEntry{ID: "rd-began", Source: "dlq", Position: "1", Fingerprint: "00000000000000000000000000000001", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	for range 2 { // a resume, and a resume of the resume, see the first attempt
		j = open()
		if err := j.Plan("dlq", ""); err != nil {
			t.Fatal(err)
		}
		if b := j.Began(); b.Before(before.Add(-time.Millisecond)) || b.After(before.Add(time.Second)) {
			t.Fatalf("the resume says the run began at %s, its first attempt at %s", b, before)
		}
		j.Close()
	}

	j = open()
	if err := j.Finish(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = open()
	defer j.Close()
	if !j.Began().IsZero() {
		t.Fatalf("a run after the id's last one ended began at %s", j.Began())
	}
}
