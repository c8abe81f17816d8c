package cmd

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestEmptyRedisStreamIsReadAsEmpty: a Redis stream that holds no entry
// (made by MKSTREAM and never written, its entries all deleted, or
// emptied by a redrive) is read as empty, as an empty NATS stream is:
// export writes nothing and exits 0, triage finds no dead letter, check
// has nothing to check, and a redrive run again on the dead-letter stream
// it emptied says it holds no dead letters now and exits 0, the dry run
// too; none of them says entries were removed while it read.
func TestEmptyRedisStreamIsReadAsEmpty(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	url := testbroker.RedisURL()
	dlq, to, made, deleted := prefix+"tw:dlq", prefix+"tw", prefix+"mk", prefix+"del"
	for _, v := range []string{"t1", "t2", "t3"} {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", v}}).Err(); err != nil {
			t.Fatal(err)
		}
		id, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: deleted, Values: []any{"value", v}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if err := raw.XDel(ctx, deleted, id).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XGroupCreateMkStream(ctx, made, "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	const lost = "not read"
	code, out, errOut := run(t, "--redis", url, "redrive", dlq, "--to", to, "--yes", "--id", "rd-tw")
	if code != 0 || !strings.Contains(out, "3 redriven") || raw.XLen(ctx, dlq).Val() != 0 {
		t.Fatalf("first redrive: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"redrive", dlq, "--to", to, "--yes", "--id", "rd-tw"},
		{"redrive", dlq, "--to", to, "--yes"},
	} {
		code, out, errOut := run(t, append([]string{"--redis", url}, args...)...)
		if code != 0 || !strings.Contains(out, "nothing to redrive: "+dlq+" holds no dead letters now") || strings.Contains(errOut, lost) {
			t.Fatalf("%v again: exit %d\n%s\n%s", args, code, out, errOut)
		}
	}
	if code, out, errOut := run(t, "--redis", url, "redrive", dlq, "--to", to, "--dry-run"); code != 0 || !strings.Contains(out, "dry run: nothing written") || strings.Contains(errOut, lost) {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := raw.XLen(ctx, to).Val(); n != 3 {
		t.Fatalf("the target holds %d entries, want the 3 of the first run", n)
	}
	for _, s := range []string{dlq, made, deleted} {
		if code, out, errOut := run(t, "--redis", url, "export", s); code != 0 || out != "" || strings.Contains(errOut, lost) {
			t.Fatalf("export %s: exit %d\n%s\n%s", s, code, out, errOut)
		}
		if code, out, errOut := run(t, "--redis", url, "triage", s); code != 0 || !strings.Contains(out, "0 dead letters in 0 messages read") || strings.Contains(errOut, lost) {
			t.Fatalf("triage %s: exit %d\n%s\n%s", s, code, out, errOut)
		}
		code, r, errOut := checkJSON(t, "--redis", url, "check", s)
		if code != exitIncomplete || r.Scanned != 0 || r.Verdict != health.VerdictNothingChecked || strings.Contains(errOut, lost) {
			t.Fatalf("check %s: exit %d, verdict %s, scanned %d\n%s", s, code, r.Verdict, r.Scanned, errOut)
		}
	}
}
