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
