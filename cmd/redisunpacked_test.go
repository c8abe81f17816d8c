package cmd

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestExportRedisIdsNoOffsetHolds: entries whose ids no offset packs
// (a producer's huge ids) are exported every one, each with its exact id,
// and the export exits 0: nothing was skipped. tail shows an entry's
// missing key as ∅ alone.
func TestExportRedisIdsNoOffsetHolds(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	key := prefix + "big"
	ids := []string{"1733140000000-12", "1733140000000-2000000", "9999999999999999-0", "18446744073709551615-18446744073709551615"}
	for _, id := range ids {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: key, ID: id, Values: []any{"value", id}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	url := testbroker.RedisURL()
	code, out, errOut := run(t, "--redis", url, "export", key)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l struct {
			ID       string `json:"id"`
			Position string `json:"position"`
			Value    string `json:"value"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if l.Position != l.Value {
			t.Errorf("entry %s exported at %q", l.Value, l.Position)
		}
		got = append(got, l.Position)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("exported %v, want %v\n%s", got, ids, errOut)
	}
	code, out, errOut = run(t, "--redis", url, "tail", key, "--from", "oldest", "--limit", "1")
	if code != 0 || !strings.Contains(out, " key=∅ ") || strings.Contains(out, "∅ null") {
		t.Fatalf("tail: exit %d: %s\n%s", code, errOut, out)
	}
}

// TestExportRedisDeadLettersSkippedExitsNonZero: a group's dead letters
// whose ids no offset packs are skipped (a redrive journals by position),
// said so, and the export does not exit 0.
func TestExportRedisDeadLettersSkippedExitsNonZero(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "ids"
	ids := []string{"1000-0", "1001-5000000"}
	for _, id := range ids {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, ID: id, Values: []any{"value", id}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XGroupCreate(ctx, s, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{s, ">"}}).Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		raw.Do(ctx, "XCLAIM", s, "g", "c", 0, id, "RETRYCOUNT", 9, "JUSTID")
	}
	code, out, errOut := run(t, "--redis", testbroker.RedisURL(), "export", s+"#pending:g")
	if code == 0 || !strings.Contains(out, `"position":"1000-0"`) || !strings.Contains(errOut, "1001-5000000") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}
