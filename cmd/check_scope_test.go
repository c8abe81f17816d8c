package cmd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestCheckQueuePastThePeekLimitIsPartial: a queue holds more than one
// peek holds; the check says how many it checked of how many, is no
// "healthy", and exits 4; --from last:N past the limit says the same.
func TestCheckQueuePastThePeekLimitIsPartial(t *testing.T) {
	url, _, _ := testbroker.RabbitVhost(t)
	conn, ch := testbroker.AMQPChannel(t, url)
	defer conn.Close()
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("big.work", true, false, false, false, nil)
	must(err)
	const n = 5010
	for i := 0; i < n; i++ {
		must(ch.PublishWithContext(context.Background(), "", "big.work", false, false, amqp.Publishing{MessageId: fmt.Sprintf("m%d", i), Body: []byte("{}")}))
	}
	testbroker.WaitQueue(t, ch, "big.work", n)
	for _, from := range []string{"oldest", fmt.Sprintf("last:%d", n)} {
		code, out, errOut := run(t, "--rabbitmq", url, "check", "big.work", "--from", from)
		if code != exitIncomplete || strings.Contains(out, "healthy") ||
			!strings.Contains(out, "partial: checked 5,000 of 5,010 messages: the rest was not read") ||
			!strings.Contains(out, "partial: nothing found in what was read, but not all of it was read (exit status 4)") {
			t.Fatalf("--from %s: exit %d:\n%s\n%s", from, code, out, errOut)
		}
		testbroker.WaitQueue(t, ch, "big.work", n)
	}
	// asked for what one peek holds: all of it was read
	code, out, errOut := run(t, "--rabbitmq", url, "check", "big.work", "--from", "last:5000")
	if code != 0 || strings.Contains(out, "partial") || !strings.Contains(out, "healthy: nothing found") {
		t.Fatalf("--from last:5000: exit %d:\n%s\n%s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "big.work", n)
	code, r, _ := checkJSON(t, "--rabbitmq", url, "check", "big.work")
	if code != exitIncomplete || r.Complete || r.Verdict != health.VerdictPartial || len(r.Partial) != 1 || r.Scanned != 5000 {
		t.Fatalf("exit %d, outcome %+v, scanned %d", code, r.Outcome, r.Scanned)
	}
}

// TestCheckExchangeIsRefused: an exchange is read as a tap, which has no
// history: check refuses it at once (exit 1) instead of waiting forever.
func TestCheckExchangeIsRefused(t *testing.T) {
	url, _, _ := testbroker.RabbitVhost(t)
	conn, ch := testbroker.AMQPChannel(t, url)
	defer conn.Close()
	testbroker.Must(t)(ch.ExchangeDeclare("shop.events", "topic", true, false, false, false, nil))
	code, out, errOut := run(t, "--rabbitmq", url, "check", "shop.events")
	if code != 1 || out != "" || !strings.Contains(errOut, "shop.events is read as a tap") || !strings.Contains(errOut, "no history to check") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
}

// TestCheckImpossibleRanges: a reversed range is an error; a range with
// no message is "nothing to check" (exit 4, JSON verdict
// nothing_checked with scanned 0), never "healthy".
func TestCheckImpossibleRanges(t *testing.T) {
	addr := kfakeTopics(t, 1, "check-range", "check-empty")
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 30; i++ {
		msgs = append(msgs, event("check-range", 0, "k", i+1))
	}
	writeRecords(t, addr, msgs)
	for _, args := range [][]string{
		{"--from", "offset:20", "--until", "offset:10"},
		{"--from", "time:2026-12-01T10:00:00Z", "--until", "time:2026-12-01T09:00:00Z"},
		{"--from", "newest"},
	} {
		code, out, errOut := run(t, append([]string{"--kafka", addr, "check", "check-range"}, args...)...)
		if code != 1 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d:\n%s\n%s", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{
		{"check-range", "--from", "time:2099-01-01T00:00:00Z"},
		{"check-empty"},
	} {
		code, out, errOut := run(t, append([]string{"--kafka", addr, "check"}, args...)...)
		if code != exitIncomplete || strings.Contains(out, "healthy") || !strings.Contains(out, "nothing to check: no message was read (exit status 4)") {
			t.Errorf("%v: exit %d:\n%s\n%s", args, code, out, errOut)
		}
		code, r, _ := checkJSON(t, append([]string{"--kafka", addr, "check"}, args...)...)
		if code != exitIncomplete || r.Scanned != 0 || r.Verdict != health.VerdictNothingChecked {
			t.Errorf("%v: exit %d, scanned %d, outcome %+v", args, code, r.Scanned, r.Outcome)
		}
	}
}

// TestCheckBadEndNamesTheEnd: a wrong --until is said to be the end.
func TestCheckBadEndNamesTheEnd(t *testing.T) {
	addr := kfakeTopics(t, 1, "check-bad-end")
	code, _, errOut := run(t, "--kafka", addr, "check", "check-bad-end", "--until", "offset:-1")
	if code != 1 || !strings.Contains(errOut, `--until: end "offset:-1": want offset:N (N at least 0)`) || strings.Contains(errOut, "start") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
