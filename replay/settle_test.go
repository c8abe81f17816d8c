package replay

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ackRecorder is a source message whose acknowledgement fails when told to.
type ackRecorder struct {
	fail  bool
	acked *[]string
	pos   string
}

func (a ackRecorder) Ack(bool) error {
	if a.fail {
		return errors.New("connection reset")
	}
	*a.acked = append(*a.acked, a.pos)
	return nil
}

func (a ackRecorder) Nack(bool, bool) error { return a.Ack(false) }

// TestSettlerJournalsAfterAFailedAck: once an ack fails (the connection is
// gone) the settler acks nothing more, but it still journals and audits
// every batch the broker confirmed, so a resumed run skips them instead of
// publishing them twice.
func TestSettlerJournalsAfterAFailedAck(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, "rd-settle")
	if err != nil {
		t.Fatal(err)
	}
	audit, err := OpenAudit(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var acked []string
	s := newSettler("rd-settle", j, audit, nil)
	batch := func(fp, pos string, fail bool) settleBatch {
		return settleBatch{
			entries: []JournalEntry{{ID: "rd-settle", Source: "dlq", Position: pos, Fingerprint: fp}},
			steps:   []settleStep{{d: ackRecorder{fail: fail, acked: &acked, pos: pos}, pos: pos}},
			audit:   []AuditRecord{{Action: "redrive", RedriveID: "rd-settle", Position: pos, Result: "confirmed"}},
		}
	}
	fps := []string{"00000000000000000000000000000001", "00000000000000000000000000000002", "00000000000000000000000000000003"}
	for i, b := range []settleBatch{batch(fps[0], "dlq@0", false), batch(fps[1], "dlq@1", true), batch(fps[2], "dlq@2", false)} {
		s.hand(b)
		if i == 1 {
			for s.busy() { // the failure is seen before the next batch
				time.Sleep(time.Millisecond)
			}
		}
	}
	err = s.close()
	if err == nil || s.busy() {
		t.Fatalf("close = %v, busy %v; want the failed ack, nothing pending", err, s.busy())
	}
	if len(acked) != 1 || acked[0] != "dlq@0" {
		t.Fatalf("acked %v; want only the batch before the failure", acked)
	}
	j.Close()
	if err := audit.Close(); err != nil {
		t.Fatal(err)
	}
	lines, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil || strings.Count(string(lines), "\n") != 3 {
		t.Fatalf("audit: %v\n%s; want a line for each of the 3 confirmed", err, lines)
	}
	again, err := OpenJournal(dir, "rd-settle")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, fp := range fps {
		if !again.HasFingerprint(fp) {
			t.Errorf("%s was confirmed but not journalled", fp)
		}
	}
}

// TestSettlerJournalsAcksOnlyOnceTheBrokerAnswered: acks have no answer of
// their own; when the round trip after them fails the settler cannot know
// the broker took them, so it journals them neither acked nor unacked: a
// resumed run sends those messages again as possible duplicates, and does
// not take them for settled.
func TestSettlerJournalsAcksOnlyOnceTheBrokerAnswered(t *testing.T) {
	const fp = "000000000000000000000000000000cc"
	for _, c := range []struct {
		name string
		sync error
		want Claim
	}{{"answered", nil, ClaimNone}, {"no answer", errors.New("connection reset"), ClaimUncertain}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := OpenJournal(dir, "rd-sync")
			if err != nil {
				t.Fatal(err)
			}
			var acked []string
			s := newSettler("rd-sync", j, nil, func() error { return c.sync })
			e := JournalEntry{ID: "rd-sync", Source: "dlq", Position: "0", Fingerprint: fp}
			if err := j.Write(JournalEntry{ID: e.ID, Source: e.Source, Position: e.Position, Fingerprint: fp, Kind: EntrySent}); err != nil {
				t.Fatal(err)
			}
			ackedEntry := e
			ackedEntry.Kind = EntryAcked
			s.hand(settleBatch{entries: []JournalEntry{e}, steps: []settleStep{{d: ackRecorder{acked: &acked, pos: "0"}, pos: "0", from: 0, to: 1}},
				after: []JournalEntry{ackedEntry}})
			if err := s.close(); (err == nil) != (c.sync == nil) {
				t.Fatalf("close = %v", err)
			}
			j.Close()
			again, err := OpenJournal(dir, "rd-sync")
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if got, _ := again.Claim(fp); len(acked) != 1 || got != c.want {
				t.Fatalf("acked %v, claim %d; want %d", acked, got, c.want)
			}
		})
	}
}
