package replay_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
)

// TestRabbitTakeOverEndsOnlyWithTheWholeQueue: a run that took over an
// unfinished run marks both finished only when it took the whole queue (it
// saw every message the other may have left open); a selection leaves both
// open, so the next run takes over both and what each claimed of the other
// cancels out.
func TestRabbitTakeOverEndsOnlyWithTheWholeQueue(t *testing.T) {
	e := newRabbitEnv(t, 4)
	state := t.TempDir()
	dir := filepath.Join(state, "redrive")
	killed, err := replay.OpenJournal(dir, "rd-killed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := killed.Adopt("work.dlq", e.conn.Address()); err != nil {
		t.Fatal(err)
	}
	if err := killed.Add(replay.JournalEntry{ID: "rd-killed", Source: "work.dlq", Fingerprint: "0000000000000000000000000000000f", Kind: replay.EntrySent}); err != nil {
		t.Fatal(err)
	}
	killed.Close()
	journalSays := func(id string, kind replay.EntryKind) bool {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, id+".journal"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(data), `"kind":"`+string(kind)+`"`)
	}

	sel := planFor(t, e, replay.Options{ID: "rd-selection"})
	sel.Items = sel.Items[:1]
	res, err := replay.Execute(context.Background(), e.conn, sel, replay.RunOptions{StateDir: state})
	if err != nil || res.Done != 1 || len(res.TookOver) != 1 || res.TookOver[0].String() != "took over the unfinished run rd-killed of work.dlq (its 1 open messages are counted here)" {
		t.Fatalf("selection: %+v %v", res, err)
	}
	if journalSays("rd-killed", replay.EntryAdopted) || journalSays("rd-selection", replay.EntryEnd) {
		t.Fatal("a selection marked the run it took over finished")
	}

	all := planFor(t, e, replay.Options{ID: "rd-all"})
	res, err = replay.Execute(context.Background(), e.conn, all, replay.RunOptions{StateDir: state, WholeQueue: true})
	if err != nil || res.Done != 3 || len(res.TookOver) != 2 {
		t.Fatalf("whole queue: %+v %v", res, err)
	}
	if !journalSays("rd-killed", replay.EntryAdopted) || !journalSays("rd-selection", replay.EntryAdopted) || !journalSays("rd-all", replay.EntryEnd) {
		t.Fatal("the whole-queue run did not mark itself and the runs it took over finished")
	}
	if d := e.depth(t, "work.dlq"); d != 0 {
		t.Fatalf("%d left in the DLQ", d)
	}
}
