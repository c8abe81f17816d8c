package cmd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestRedriveLimitCountsFilterMatchesRedis: redrive --filter --limit N
// takes the first N dead letters that match, as export does with the
// same flags, reading past those that do not; a filter that matches none
// of the dead letters there says so, never that the stream holds none.
func TestRedriveLimitCountsFilterMatchesRedis(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	url := testbroker.RedisURL()
	dlq, to := prefix+"lim:dlq", prefix+"lim"
	var ids []string
	for _, v := range []string{"a", "a", "a", "b", "b"} {
		id, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", v}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	code, exported, errOut := run(t, "--redis", url, "export", dlq, "--filter", `value == "b"`, "--limit", "1")
	if code != 0 || strings.Count(exported, "\n") != 1 || !strings.Contains(exported, `"position":"`+ids[3]+`"`) {
		t.Fatalf("export: exit %d\n%s\n%s", code, exported, errOut)
	}
	code, out, errOut := run(t, "--redis", url, "redrive", dlq, "--to", to, "--filter", `value == "b"`, "--limit", "1", "--yes")
	if code != 0 || !strings.Contains(out, `filter value == "b": 1 of 4 messages`) || !strings.Contains(out, "1 redriven") {
		t.Fatalf("redrive: exit %d\n%s\n%s", code, out, errOut)
	}
	got, err := raw.XRange(ctx, to, "-", "+").Result()
	if err != nil || len(got) != 1 || got[0].Values["value"] != "b" || got[0].Values["x-mqscope-redrive-position"] != ids[3] {
		t.Fatalf("the target holds %+v (%v), want the first b, %s", got, err, ids[3])
	}
	left := raw.XLen(ctx, dlq).Val()
	code, out, errOut = run(t, "--redis", url, "redrive", dlq, "--to", to, "--filter", `value == "c"`, "--limit", "1", "--yes")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("nothing to redrive: none of the %d messages read matched the filter", left)) || strings.Contains(out, "holds no dead letters") {
		t.Fatalf("no match: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := raw.XLen(ctx, to).Val(); n != 1 || raw.XLen(ctx, dlq).Val() != left {
		t.Fatalf("a redrive that matched nothing wrote: the target holds %d entries", n)
	}
}

// TestRedriveLimitCountsFilterMatchesKafka: on a Kafka dead-letter topic
// too, --limit N with --filter redrives the first N matches, and a
// filter that matches nothing says how many it read.
func TestRedriveLimitCountsFilterMatchesKafka(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr := kfakeTopics(t, 1, "lim.DLT", "lim")
	var msgs []*sarama.ProducerMessage
	for i, k := range []string{"a", "a", "a", "b", "b"} {
		msgs = append(msgs, event("lim.DLT", 0, k, i))
	}
	writeRecords(t, addr, msgs)
	code, out, errOut := run(t, "--kafka", addr, "redrive", "lim.DLT", "--to", "lim", "--filter", `key == "b"`, "--limit", "1", "--yes")
	if code != 0 || !strings.Contains(out, `filter key == "b": 1 of 4 messages`) || !strings.Contains(out, "1 redriven") {
		t.Fatalf("redrive: exit %d\n%s\n%s", code, out, errOut)
	}
	code, copied, errOut := run(t, "--kafka", addr, "export", "lim")
	if code != 0 || strings.Count(copied, "\n") != 1 || !strings.Contains(copied, `"key":"b"`) || !strings.Contains(copied, `\"seq\":3`) {
		t.Fatalf("the target holds, exit %d:\n%s\n%s", code, copied, errOut)
	}
	code, out, errOut = run(t, "--kafka", addr, "redrive", "lim.DLT", "--to", "lim", "--filter", `key == "c"`, "--limit", "2", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to redrive: none of the 5 messages read matched the filter") || strings.Contains(out, "holds no dead letters") {
		t.Fatalf("no match: exit %d\n%s\n%s", code, out, errOut)
	}
}
