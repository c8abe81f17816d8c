package rabbitmq

import (
	"strings"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// CopyHeaders leaves out of a copy the headers the broker writes
// (BrokerHeader): AMQP tables, arrays and numbers that a produce, which
// publishes headers as strings, would turn into a string x-death that
// reads as a forged death.
func (c *Conn) CopyHeaders(headers []sources.Header) ([]sources.Header, string) {
	var kept []sources.Header
	var left []string
	for _, h := range headers {
		if BrokerHeader(h.Key) {
			left = append(left, safetext.String(h.Key))
			continue
		}
		kept = append(kept, h)
	}
	if len(left) == 0 {
		return headers, ""
	}
	return kept, "left out " + strings.Join(left, ", ") + ": the broker writes them (AMQP tables and numbers), a produce would publish them as strings"
}

// CopyTarget is where a copy of m lands where m is: the exchange and
// routing key m was published with (its "exchange" and "routing-key"
// properties), or m's queue when it came through the default exchange.
// m's key is its routing key, not a key of its own.
func (c *Conn) CopyTarget(m *sources.Message) (sources.Target, bool) {
	var ex, key string
	for _, p := range m.Properties {
		switch p.Name {
		case "exchange":
			ex = p.Value
		case "routing-key":
			key = p.Value
		}
	}
	if ex == "" || ex == "(default)" {
		return sources.Target{Stream: m.Stream}, true
	}
	return sources.Target{Stream: ex, RoutingKey: key, Exchange: true}, true
}
