package health

import (
	"strings"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// redriven reports a copy that carries redrive or dead-letter provenance:
// decoded (mqscope's whole set of headers, another tool's), or any one of
// mqscope's redrive headers (x-mqscope-redrive-id alone is enough).
func redriven(m *sources.Message) bool {
	if m.Redriven != nil || m.DeadLetter != nil {
		return true
	}
	for _, h := range m.Headers {
		if strings.HasPrefix(strings.ToLower(h.Key), dlq.RedrivePrefix) {
			return true
		}
	}
	return false
}
