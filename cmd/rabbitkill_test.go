package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
)

// TestRabbitRedriveKilledAndResumedLosesNothing dead-letters messages
// alike in content (one body and no id; another body with a correlation
// id each), redrives them with the CLI in a child process and SIGKILLs it
// at random points, several times, alternating the whole-queue run (read
// and published as raw bytes) and a selection (decoded, published with
// amqp091-go), then resumes with the same id until done: every dead letter is in the target, and every copy more
// than one was reported as a possible duplicate.
func TestRabbitRedriveKilledAndResumedLosesNothing(t *testing.T) {
	const n = 400 // of each kind
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	testbroker.WorkQueues(t, ch, nil)
	testbroker.ShopExchange(t, ch)
	for i := range 2 * n {
		p := amqp.Publishing{Body: []byte(`{"alike":true}`), DeliveryMode: amqp.Persistent}
		if i >= n {
			p = amqp.Publishing{Body: []byte(`{"alike":"by body"}`), CorrelationId: fmt.Sprintf("c-%d", i-n), DeliveryMode: amqp.Persistent}
		}
		must(ch.PublishWithContext(context.Background(), "shop", "order.created", false, false, p))
	}
	testbroker.WaitQueue(t, ch, "work", 2*n)
	for range 2 * n {
		d, ok, err := ch.Get("work", false)
		if err != nil || !ok {
			t.Fatalf("work ran dry: %v", err)
		}
		must(d.Reject(false))
	}
	testbroker.WaitQueue(t, ch, "work.dlq", 2*n)

	state := t.TempDir()
	const id = "rd-rabbit-killed"
	journal := filepath.Join(state, "mqscope", "redrive", id+".journal")
	base := []string{"--rabbitmq", vhostURL, "--log-file", filepath.Join(state, "log"), "redrive", "work.dlq", "--yes", "--id", id, "--batch", "40"}
	seed := time.Now().UnixNano()
	rnd := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d", seed)
	killed := 0
	for round := 0; round < 12 && killed < 5; round++ {
		args := append(append([]string{}, base...), "--rate", "400")
		path := "whole queue"
		if round%2 == 1 {
			args, path = append(args, "--limit", "100000"), "selection" // decoded, published with amqp091-go
		}
		child := exec.Command(os.Args[0], args...)
		child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
		var out bytes.Buffer
		child.Stdout, child.Stderr = &out, &out
		must(child.Start())
		exited := make(chan error, 1)
		go func() { exited <- child.Wait() }()
		from := lines(journal)
		deadline := time.Now().Add(30 * time.Second)
		for lines(journal) == from && time.Now().Before(deadline) && len(exited) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		select {
		case err := <-exited:
			t.Logf("round %d (%s) ended before it was killed: %v\n%s", round, path, err, out.String())
			if err != nil && !strings.Contains(out.String(), "no more messages") {
				t.Fatalf("round %d: %v\n%s", round, err, out.String())
			}
			continue
		case <-time.After(time.Duration(rnd.IntN(600)) * time.Millisecond):
		}
		must(child.Process.Signal(syscall.SIGKILL))
		<-exited
		killed++
		t.Logf("round %d (%s) killed with the journal at %d lines", round, path, lines(journal))
	}
	if killed < 3 {
		t.Fatalf("only %d runs were killed mid-run", killed)
	}
	final := exec.Command(os.Args[0], base...)
	final.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	out, err := final.CombinedOutput()
	if err != nil {
		t.Fatalf("the last resume: %v\n%s", err, out)
	}
	t.Logf("the last resume:\n%s", out)
	testbroker.WaitQueue(t, ch, "work.dlq", 0)

	// Count the target by kind, and the possible duplicates every run
	// reported in the audit log.
	got := map[string]int{}
	for {
		d, ok, err := ch.Get("work", true)
		must(err)
		if !ok {
			break
		}
		got[string(d.Body)+"|"+d.CorrelationId]++
	}
	reported := map[string]int{}
	audit, err := os.Open(filepath.Join(state, "mqscope", "audit.jsonl"))
	must(err)
	defer audit.Close()
	sc := bufio.NewScanner(audit)
	for sc.Scan() {
		var r replay.AuditRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.RedriveID != id || r.PossibleDuplicates == 0 {
			continue
		}
		name := "no id"
		if r.CorrelationID != "" {
			name = r.CorrelationID
		}
		reported[name] += r.PossibleDuplicates
	}
	total, dups, reports := 0, 0, 0
	for _, k := range reported {
		reports += k
	}
	if c := got[`{"alike":true}|`]; c < n {
		t.Errorf("%d of the %d alike messages without an id reached the target", c, n)
	} else if c-n > reported["no id"] {
		t.Errorf("%d duplicates of the messages without an id, %d reported", c-n, reported["no id"])
	}
	total += got[`{"alike":true}|`]
	dups += max(got[`{"alike":true}|`]-n, 0)
	for i := range n {
		corr := fmt.Sprintf("c-%d", i)
		c := got[`{"alike":"by body"}|`+corr]
		total += c
		switch {
		case c == 0:
			t.Errorf("%s was lost", corr)
		case c-1 > reported[corr]:
			t.Errorf("%s is in the target %d times, reported %d times", corr, c, reported[corr])
		}
		dups += max(c-1, 0)
	}
	if total-dups != 2*n {
		t.Errorf("the target holds %d messages, %d of them duplicates, for %d dead letters", total, dups, 2*n)
	}
	t.Logf("%d runs killed; the target holds %d for %d dead letters: %d duplicates, all of them reported (%d reports)", killed, total, 2*n, dups, reports)
}

// TestPrintResultListsPossibleDuplicates: the summary says how many
// messages may be duplicated and names each by its message id, its
// correlation id, or its position and identity, with what came from the
// message made harmless for the terminal.
func TestPrintResultListsPossibleDuplicates(t *testing.T) {
	plan, err := replay.NewPlan("work.dlq", nil, replay.Options{ID: "rd-print"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	printResult(&out, plan, replay.Result{PossibleDuplicates: []replay.PossibleDuplicate{
		{Copies: 1, Position: "3", Identity: "00ff", MessageID: "m-1", Target: "exchange shop [order.created]"},
		{Copies: 2, Position: "4", Identity: "00fe", CorrelationID: "c-\x1b]0;pwned\x07", Target: "exchange shop [order.created]"},
		{Copies: 1, Position: "5", Identity: "00fd", Target: "exchange shop [order.created]"},
	}})
	got := out.String()
	for _, want := range []string{"up to 4 may be duplicated", "message-id m-1 -> exchange shop", "correlation-id c-", "(up to 2 copies more)", "position 5 identity 00fd"} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
	if strings.ContainsAny(got, "\x1b\x07") {
		t.Fatalf("a control character from a message reached the summary: %q", got)
	}
}
