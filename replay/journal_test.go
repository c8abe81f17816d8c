package replay

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// claimed is what one Claim returns.
type claimed struct {
	claim Claim
	n     int
}

// TestJournalClaimsWhatEarlierRunsLeftOpen: for each moment a run can be
// killed at, the journal it leaves makes a resumed run acknowledge without
// sending only copies known to be confirmed and not acknowledged, send
// again (a possible duplicate, with how many copies more the target may
// hold) what may or may not be in the target, and leave alone what was
// settled; confirmed copies of alike messages are counted one by one.
func TestJournalClaimsWhatEarlierRunsLeftOpen(t *testing.T) {
	const a, b = "0000000000000000000000000000000a", "0000000000000000000000000000000b"
	steps := func(fp string, kinds ...EntryKind) []JournalEntry {
		var es []JournalEntry
		for _, k := range kinds {
			es = append(es, JournalEntry{ID: "rd-j", Source: "dlq", Fingerprint: fp, Kind: k})
		}
		return es
	}
	cat := func(ess ...[]JournalEntry) []JournalEntry {
		var out []JournalEntry
		for _, es := range ess {
			out = append(out, es...)
		}
		return out
	}
	done := []EntryKind{EntrySent, EntryConfirmed, EntryAcked}
	for _, c := range []struct {
		name    string
		entries []JournalEntry
		fp      string
		want    []claimed // the claims of successive alike messages
	}{
		{"settled", steps(a, done...), a, []claimed{{ClaimNone, 0}}},
		{"killed after the publish", steps(a, EntrySent), a, []claimed{{ClaimUncertain, 1}, {ClaimNone, 0}}},
		{"killed after the confirm, before the ack", steps(a, EntrySent, EntryConfirmed), a, []claimed{{ClaimUncertain, 1}, {ClaimNone, 0}}},
		{"the ack failed", steps(a, EntrySent, EntryConfirmed, EntryUnacked), a, []claimed{{ClaimConfirmed, 1}, {ClaimNone, 0}}},
		{"refused by the broker", steps(a, EntrySent, EntryRefused), a, []claimed{{ClaimNone, 0}}},
		{"killed while acknowledging without sending", cat(steps(a, EntrySent, EntryConfirmed, EntryUnacked), steps(a, EntrySkipping)), a, []claimed{{ClaimUncertain, 1}, {ClaimNone, 0}}},
		{"acknowledged without sending", cat(steps(a, EntrySent, EntryConfirmed, EntryUnacked), steps(a, EntrySkipping, EntryAcked)), a, []claimed{{ClaimNone, 0}}},
		{"a possible duplicate sent again and settled", cat(steps(a, EntrySent), steps(a, EntrySent, EntryConfirmed, EntryAcked, EntryResolved)), a, []claimed{{ClaimNone, 0}}},
		{"a possible duplicate sent again, killed before its ack", cat(steps(a, EntrySent), steps(a, EntrySent, EntryConfirmed)), a, []claimed{{ClaimUncertain, 2}, {ClaimNone, 0}}},
		{"alike, three sent and not confirmed", cat(steps(a, EntrySent), steps(a, EntrySent), steps(a, EntrySent)), a, []claimed{{ClaimUncertain, 3}, {ClaimNone, 0}}},
		{"resolved in part", cat(steps(a, EntrySent, EntrySent), steps(a, EntrySent, EntryConfirmed, EntryAcked, EntryResolved)), a, []claimed{{ClaimUncertain, 1}, {ClaimNone, 0}}},
		{"ten alike, one open", cat(steps(a, done...), steps(a, done...), steps(a, EntrySent, EntryConfirmed, EntryUnacked), steps(a, done...)), a, []claimed{{ClaimConfirmed, 1}, {ClaimNone, 0}, {ClaimNone, 0}}},
		{"another identity", steps(b, EntrySent, EntryConfirmed, EntryUnacked), a, []claimed{{ClaimNone, 0}}},
		{"a confirmed write (SQS, Kafka)", steps(a, EntryConfirmed), a, []claimed{{ClaimNone, 0}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := OpenJournal(dir, "rd-j")
			if err != nil {
				t.Fatal(err)
			}
			if err := j.Write(c.entries...); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if f, err := os.OpenFile(filepath.Join(dir, "rd-j.journal"), os.O_APPEND|os.O_WRONLY, 0); err == nil {
				_, _ = f.WriteString(`{"id":"rd-j","fp":"` + c.fp + `","kind":"sent","ti`) // a line cut by the kill
				f.Close()
			}
			again, err := OpenJournal(dir, "rd-j")
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			for i, want := range c.want {
				if got, n := again.Claim(c.fp); got != want.claim || n != want.n {
					t.Fatalf("message %d: claim %d of %d, want %d of %d", i, got, n, want.claim, want.n)
				}
			}
		})
	}
	// What a run writes after a cut line is read back.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rd-cut.journal"), []byte(`{"id":"rd-cut","fp":"`+a+`","kind":"se`), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(dir, "rd-cut")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Add(steps(a, EntryUnacked, EntrySent, EntryConfirmed)...); err != nil { // (a fresh write, without the fix, would run into the cut line)
		t.Fatal(err)
	}
	j.Close()
	if j, err = OpenJournal(dir, "rd-cut"); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, _ := j.Claim(a); got != ClaimConfirmed {
		t.Fatalf("after a cut line: claim %d, want the confirmed copy written after it", got)
	}
	var none *Journal
	if got, _ := none.Claim(a); got != ClaimNone {
		t.Fatal("no journal claims something")
	}
}

// TestAuditAfterATornLineKeepsTheNextRecord: a run killed in the middle
// of an audit line leaves it without its newline; the next run's first
// record starts a line of its own and reads back whole.
func TestAuditAfterATornLineKeepsTheNextRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte(`{"time":"2026-01-01T00:00:00Z","action":"redrive"}`+"\n"+`{"time":"2026-01-01T00:00:01Z","act`), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write(AuditRecord{Action: "redrive", RedriveID: "rd-1", CorrelationID: "c-9", PossibleDuplicates: 2},
		AuditRecord{Action: "redrive", RedriveID: "rd-1", CorrelationID: "c-10", PossibleDuplicates: 1}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 lines (one whole, one torn, two new), got %d:\n%s", len(lines), data)
	}
	got := map[string]int{}
	for _, l := range lines[2:] {
		var r AuditRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("a new record does not read back: %v\n%s", err, l)
		}
		got[r.CorrelationID] = r.PossibleDuplicates
	}
	if got["c-9"] != 2 || got["c-10"] != 1 {
		t.Errorf("records read back as %v", got)
	}
	// Opened again on a log that ends whole, nothing is added.
	a, err = OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	again, _ := os.ReadFile(path)
	if !bytes.Equal(again, data) {
		t.Errorf("opening a whole log changed it:\n%q\n%q", data, again)
	}
}
