package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/mqscope/mqscope/sources"
)

// TestDetailNamesTheDefaultExchange: a RabbitMQ dead letter published
// through the default exchange (its name is "") shows "(default exchange)"
// on the detail's Exchange line and in its history, not a blank.
func TestDetailNamesTheDefaultExchange(t *testing.T) {
	msgs := rabbitDLQ()
	for i := range msgs {
		d := msgs[i].DeadLetter
		d.Exchange, d.RoutingKeys = "", []string{"orders.work"}
		d.Deaths[0].Exchange, d.Deaths[0].RoutingKeys = "", []string{"orders.work"}
	}
	m := newModel(testCommon(100, 30), []sources.Conn{staticConn{}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	for _, st := range []any{rabbitStreams(), waitFor("payments.work"), keyPress("enter"), waitFor("PEEKING"),
		batchReceived{page: 2, sub: 1, msgs: msgs}, batchReceived{page: 2, sub: 1, err: sources.ErrEndOfStream},
		waitFor("PEEKED"), keyPress("g"), keyPress("enter"), waitFor("History")} {
		switch st := st.(type) {
		case waitFor:
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), string(st)) }, teatest.WithDuration(5*time.Second))
		default:
			tm.Send(st)
		}
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	view := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model).View()
	var exchange, history string
	for _, l := range strings.Split(view, "\n") {
		switch {
		case strings.Contains(l, "Exchange "):
			exchange = l
		case strings.Contains(l, "orders.work ") && strings.Contains(l, "rejected"):
			history = l
		}
	}
	if !strings.Contains(exchange, "Exchange    (default exchange)  routing keys orders.work") || !strings.Contains(history, "(default)") {
		t.Fatalf("exchange line %q, history %q\n%s", exchange, history, view)
	}
}
