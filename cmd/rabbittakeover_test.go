package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
)

// TestRabbitNewRunTakesOverAKilledRun redrives with the CLI in a child
// process, SIGKILLs it mid-run twice (the second resuming the first with
// the same id), then runs a new id to the end: the new run says it took
// the killed one over, every dead letter is in the target, every copy
// more than one is reported (in the audit log, by correlation id), and
// the summary counts the possible duplicates over the runs, not only its
// own.
func TestRabbitNewRunTakesOverAKilledRun(t *testing.T) {
	out := killTwiceThenFinish(t, "c2", "c3")
	if !strings.Contains(out, "took over the unfinished run c2 of work.dlq (its ") {
		t.Errorf("the new run did not say it took c2 over:\n%s", out)
	}
}

// TestRabbitSummaryCountsTheDuplicatesOfEveryRun: a run resumed with the
// same id after two kills says in its summary how many may be duplicated
// over all three runs (what the audit log holds), not only by itself.
func TestRabbitSummaryCountsTheDuplicatesOfEveryRun(t *testing.T) {
	out := killTwiceThenFinish(t, "rd-c9", "rd-c9")
	if strings.Contains(out, "took over") {
		t.Errorf("a resume says it took a run over:\n%s", out)
	}
}

// killTwiceThenFinish dead-letters messages with a correlation id each,
// redrives them with the CLI in a child process as killed, SIGKILLs it
// mid-run twice (the second resuming the first), then runs final to the
// end, and checks every dead letter is in the target, every copy more
// than one is in the audit log, and the summary counts them all. It
// returns what the last run printed.
func killTwiceThenFinish(t *testing.T, killedID, finalID string) string {
	const n = 300
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	testbroker.WorkQueues(t, ch, nil)
	testbroker.ShopExchange(t, ch)
	for i := range n {
		must(ch.PublishWithContext(context.Background(), "shop", "order.created", false, false, amqp.Publishing{
			Body: []byte(fmt.Sprintf(`{"n":%d}`, i)), CorrelationId: fmt.Sprintf("c-%d", i), DeliveryMode: amqp.Persistent}))
	}
	testbroker.WaitQueue(t, ch, "work", n)
	for range n {
		d, ok, err := ch.Get("work", false)
		if err != nil || !ok {
			t.Fatalf("work ran dry: %v", err)
		}
		must(d.Reject(false))
	}
	testbroker.WaitQueue(t, ch, "work.dlq", n)

	state := t.TempDir()
	args := func(id string, more ...string) []string {
		return append([]string{"--rabbitmq", vhostURL, "--log-file", filepath.Join(state, "log"), "redrive", "work.dlq", "--yes", "--id", id, "--batch", "40"}, more...)
	}
	killed := filepath.Join(state, "mqscope", "redrive", killedID+".journal")
	for round := range 2 {
		child := exec.Command(os.Args[0], args(killedID, "--rate", "300")...)
		child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
		var out bytes.Buffer
		child.Stdout, child.Stderr = &out, &out
		must(child.Start())
		from := lines(killed)
		deadline := time.Now().Add(30 * time.Second)
		for lines(killed) < from+40 && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		must(child.Process.Signal(syscall.SIGKILL))
		_ = child.Wait()
		t.Logf("round %d killed with the journal at %d lines\n%s", round, lines(killed), out.String())
	}
	final := exec.Command(os.Args[0], args(finalID)...)
	final.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	out, err := final.CombinedOutput()
	if err != nil {
		t.Fatalf("the new run: %v\n%s", err, out)
	}
	t.Logf("the last run:\n%s", out)
	testbroker.WaitQueue(t, ch, "work.dlq", 0)

	got := map[string]int{}
	for {
		d, ok, err := ch.Get("work", true)
		must(err)
		if !ok {
			break
		}
		got[d.CorrelationId]++
	}
	reported := map[string]int{}
	total := 0
	audit, err := os.Open(filepath.Join(state, "mqscope", "audit.jsonl"))
	must(err)
	defer audit.Close()
	sc := bufio.NewScanner(audit)
	for sc.Scan() {
		var r replay.AuditRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.PossibleDuplicates == 0 {
			continue
		}
		reported[r.CorrelationID] += r.PossibleDuplicates
		total += r.PossibleDuplicates
	}
	extra := 0
	for i := range n {
		corr := fmt.Sprintf("c-%d", i)
		switch c := got[corr]; {
		case c == 0:
			t.Errorf("%s was lost", corr)
		case c-1 > reported[corr]:
			t.Errorf("%s is in the target %d times, %d copies more reported", corr, c, reported[corr])
		}
		extra += max(got[corr]-1, 0)
	}
	t.Logf("%d copies more in the target, %d reported in the audit log", extra, total)
	// The summary counts each possible copy over the runs: never fewer
	// than are there, and never more than the killed runs sent (a run
	// killed between journalling a possible duplicate and writing its
	// audit line leaves the audit log short, so the audit is no bound).
	summed := 0
	if m := regexp.MustCompile(`up to (\d+) may be duplicated over the runs of ` + regexp.QuoteMeta(finalID) + ` \((\d+) by this run\)`).FindStringSubmatch(string(out)); m != nil {
		summed, _ = strconv.Atoi(m[1])
	} else if m := regexp.MustCompile(`up to (\d+) may be duplicated`).FindStringSubmatch(string(out)); m != nil {
		summed, _ = strconv.Atoi(m[1])
	}
	sent := 0
	data, err := os.ReadFile(killed)
	must(err)
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.Contains(line, []byte(`"kind":"sent"`)) {
			sent++
		}
	}
	if summed < extra || summed > sent {
		t.Errorf("the summary says up to %d may be duplicated; %d copies more are in the target, the audit log reported %d, the killed runs sent %d:\n%s", summed, extra, total, sent, out)
	}
	return string(out)
}
