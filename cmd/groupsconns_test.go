package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestGroupsOfEveryConnection: groups lists the groups of each
// connection of the config, with a CONNECTION column and a Connection
// field in JSON; a group is described from the connection that has it.
func TestGroupsOfEveryConnection(t *testing.T) {
	addr := demoBroker(t, -1)
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "orders"
	if err := raw.XGroupCreateMkStream(ctx, s, "billing", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: []any{"value", "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	body := fmt.Sprintf("connections:\n  shop-kafka:\n    kind: kafka\n    brokers: [%s]\n  shop-redis:\n    kind: redis\n    url: %s\n    match: %q\n", addr, testbroker.RedisURL(), prefix+"*")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--config", cfg, "groups")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "CONNECTION") || !strings.Contains(out, "shop-redis") || !strings.Contains(out, s+"/billing") {
		t.Fatalf("groups:\n%s", out)
	}
	var kafkaRow, redisRow bool
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kafkaRow = kafkaRow || f[0] == "shop-kafka" && f[1] == "order-service"
		redisRow = redisRow || f[0] == "shop-redis" && f[1] == s+"/billing"
	}
	if !kafkaRow || !redisRow {
		t.Fatalf("rows of both connections:\n%s", out)
	}
	code, out, errOut = run(t, "--config", cfg, "groups", "--json")
	var rows []struct {
		Connection, Name string
		Topics           []string
	}
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
		t.Fatalf("json: exit %d: %s\n%s", code, errOut, out)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = r.Connection
	}
	if got["order-service"] != "shop-kafka" || got[s+"/billing"] != "shop-redis" {
		t.Fatalf("json rows: %+v", rows)
	}
	code, out, errOut = run(t, "--config", cfg, "groups", s+"/billing", "--json")
	var d struct{ Connection, Name string }
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Connection != "shop-redis" || d.Name != s+"/billing" {
		t.Fatalf("describe: exit %d: %s\n%s", code, errOut, out)
	}
	// One connection: the same columns.
	code, out, _ = run(t, "--kafka", addr, "groups")
	if code != 0 || !strings.HasPrefix(out, "CONNECTION") || !strings.Contains(out, "order-service") {
		t.Fatalf("one connection:\n%s", out)
	}
}
