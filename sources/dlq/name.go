// Package dlq recognises dead-letter streams and decodes the provenance
// headers that frameworks attach to dead letters (DESIGN §4).
package dlq

import "strings"

// IsDeadLetterName reports whether a stream name follows a dead-letter naming
// convention (.DLT, -dlt, .DLQ, -dlq, .dead-letter, dead-letter, error.<dest>.<group>), and
// returns the origin stream it names where the convention says.
func IsDeadLetterName(name string) (bool, string) {
	lower := strings.ToLower(name)
	for _, suffix := range []string{".dlt", "-dlt", "_dlt", ".dlq", "-dlq", "_dlq"} {
		if strings.HasSuffix(lower, suffix) {
			return true, name[:len(name)-len(suffix)]
		}
	}
	for _, suffix := range []string{".dead-letter", "-dead-letter", "_dead_letter", ".deadletter", "-deadletter", "_deadletter"} {
		if strings.HasSuffix(lower, suffix) && len(name) > len(suffix) {
			return true, name[:len(name)-len(suffix)]
		}
	}
	if strings.Contains(lower, "dead-letter") || strings.Contains(lower, "deadletter") || strings.Contains(lower, "dead_letter") {
		return true, ""
	}
	// Spring Cloud Stream: error.<destination>.<group>
	if strings.HasPrefix(lower, "error.") && strings.Count(name, ".") >= 2 {
		rest := name[len("error."):]
		return true, rest[:strings.LastIndexByte(rest, '.')]
	}
	return false, ""
}
