package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedisRedrivePositionsAreEntryIDs: a Redis dead letter is named by
// its entry id everywhere a redrive shows its position: the plan's lines,
// the x-mqscope-redrive-position of its copy, the copy's provenance (read
// back as a redriven copy of that id), and the journal the run keeps.
func TestRedisRedrivePositionsAreEntryIDs(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq, retry := prefix+"deadletters", prefix+"retry" // a dead-letter name that names no origin: unresolved without To
	var ids []string
	for _, v := range []string{"a", "b"} {
		id, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", v}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	msgs := readRedis(t, conn, dlq)

	unresolved, err := replay.NewPlan(dlq, msgs, replay.Options{ID: "rd-ids-plan"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := unresolved.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !strings.Contains(out.String(), dlq+"@"+id+":") {
			t.Fatalf("the plan does not name %s by its entry id:\n%s", id, out.String())
		}
	}

	plan, err := replay.NewPlan(dlq, msgs, replay.Options{ID: "rd-ids", To: retry})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: state})
	if err != nil || res.Done != 2 {
		t.Fatalf("run: %+v, %v", res, err)
	}
	copies := readRedis(t, conn, retry)
	if len(copies) != 2 {
		t.Fatalf("%d copies, want 2", len(copies))
	}
	for i, c := range copies {
		pos, _ := c.Header(replay.HeaderPosition)
		if string(pos) != ids[i] {
			t.Errorf("copy %d: %s is %q, want the entry id %s", i, replay.HeaderPosition, pos, ids[i])
		}
		if c.Redriven == nil || c.Redriven.Position() != ids[i] || c.Redriven.Source != dlq {
			t.Errorf("copy %d: provenance %+v, want a redriven copy of %s@%s", i, c.Redriven, dlq, ids[i])
		}
		if got := replay.Position(c); got != c.ID {
			t.Errorf("copy %d: position %q, want its entry id %s", i, got, c.ID)
		}
	}
	entries := journalEntries(t, state, "rd-ids")
	var journalled []string
	for _, e := range entries {
		if e.Position != "" {
			journalled = append(journalled, e.Position)
		}
	}
	if strings.Join(journalled, " ") != strings.Join(ids, " ") {
		t.Fatalf("the journal names %v, want the entry ids %v", journalled, ids)
	}
}

// journalEntries reads the journal of id under a run's state directory.
func journalEntries(t *testing.T, state, id string) []replay.JournalEntry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(state, "redrive", id+".journal"))
	if err != nil {
		t.Fatal(err)
	}
	var out []replay.JournalEntry
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e replay.JournalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

// TestRedisResumePlannedOtherwiseIsRefused: a run of an id whose
// unfinished run was planned with another target is refused
// (ErrOtherPlan) before anything is written; PlannedTarget says the
// target until the run ends complete.
func TestRedisResumePlannedOtherwiseIsRefused(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq, to, other := prefix+"held.dlq", prefix+"retry", prefix+"other"
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	msgs := readRedis(t, conn, dlq)
	state := t.TempDir()
	dir := filepath.Join(state, "redrive")
	j, err := replay.OpenJournal(dir, "rd-p")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Plan(dlq, to); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := replay.PlannedTarget(dir, "rd-p"); got != to || !ok || err != nil {
		t.Fatalf("planned target %q %t %v, want %s", got, ok, err, to)
	}
	plan, err := replay.NewPlan(dlq, msgs, replay.Options{ID: "rd-p", To: other})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: state}); !errors.Is(err, replay.ErrOtherPlan) {
		t.Fatalf("another --to: %v, want ErrOtherPlan", err)
	}
	if n := raw.Exists(ctx, other).Val(); n != 0 || raw.XLen(ctx, dlq).Val() != 1 {
		t.Fatalf("a refused run wrote: %d copies, %d left", n, raw.XLen(ctx, dlq).Val())
	}
	plan, err = replay.NewPlan(dlq, msgs, replay.Options{ID: "rd-p", To: to})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: state}); err != nil || res.Done != 1 {
		t.Fatalf("the resume: %+v %v", res, err)
	}
	if _, ok, err := replay.PlannedTarget(dir, "rd-p"); ok || err != nil {
		t.Fatalf("a run that ended complete still plans: %t %v", ok, err)
	}
}
