package cmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedisRedriveInterruptedCountsEveryWrite: Ctrl-C (SIGINT) in the
// middle of a redrive of a Redis DLQ stream stops it with every write the
// server made reported: the count printed is the copies in the origin
// stream, the audit's sent lines, the ids in the run's marker set and the
// entries gone from the DLQ, and the audit ends with the run's line.
func TestRedisRedriveInterruptedCountsEveryWrite(t *testing.T) {
	u, rc := redisClient(t)
	ctx := context.Background()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	origin := "mqscope-test-cmd-int-" + hex.EncodeToString(b)
	dlq, id := origin+".dlq", "rd-int-"+hex.EncodeToString(b)
	marker := redis.MarkerKey(id, dlq)
	t.Cleanup(func() { rc.Del(ctx, origin, dlq, marker) })
	const n = 30000
	for done := 0; done < n; done += 1000 {
		pipe := rc.Pipeline()
		for i := done; i < done+1000; i++ {
			pipe.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "x", "seq", strconv.Itoa(i)}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := rc.XAdd(ctx, &goredis.XAddArgs{Stream: origin, Values: []any{"value", "x"}}).Err(); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	child := exec.Command(os.Args[0], "--redis", u, "--log-file", filepath.Join(state, "log"), "redrive", dlq, "--id", id, "--yes")
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	var stdout, stderr bytes.Buffer
	child.Stdout, child.Stderr = &stdout, &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- child.Wait() }()
	// Interrupt it once it has written a few thousand.
	for rc.SCard(ctx, marker).Val() < 3000 {
		select {
		case err := <-waited:
			t.Fatalf("the redrive ended before the interrupt: %v\n%s\n%s", err, stdout.String(), stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := child.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := <-waited
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("an interrupted redrive: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	m := regexp.MustCompile(`redrive \S+: (\d+) redriven`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no count printed:\n%s\n%s", stdout.String(), stderr.String())
	}
	printed, _ := strconv.Atoi(m[1])
	sent, last := auditSent(t, filepath.Join(state, "mqscope", "audit.jsonl"), id)
	copies := int(rc.XLen(ctx, origin).Val()) - 1
	marked := int(rc.SCard(ctx, marker).Val())
	gone := n - int(rc.XLen(ctx, dlq).Val())
	if printed >= n || printed != copies || printed != sent || printed != marked || printed != gone {
		t.Fatalf("printed %d redriven; %d copies in %s, %d sent in the audit, %d marked, %d gone from the DLQ\n%s",
			printed, copies, origin, sent, marked, gone, stdout.String())
	}
	if last.Action != "redrive-run" || last.Result != "stopped: cancelled" || last.Counts["done"] != printed {
		t.Fatalf("the audit's last line: %+v", last)
	}
}

// auditLine is what the test reads of an audit line.
type auditLine struct {
	Action    string         `json:"action"`
	RedriveID string         `json:"redrive_id"`
	Result    string         `json:"result"`
	Counts    map[string]int `json:"counts"`
}

// auditSent counts the sent lines of redrive id in the audit at path, and
// returns its last line.
func auditSent(t *testing.T, path, id string) (int, auditLine) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	var last auditLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if l.RedriveID != id {
			continue
		}
		if l.Action == "redrive" && l.Result == "sent" {
			n++
		}
		last = l
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n, last
}
