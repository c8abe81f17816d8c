package redis

import (
	"strings"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// ErrorFields are the entry fields a consumer or producer writes a
// failure into, in the order they are looked for; the first one with a
// text is the dead letter's exception message, so triage groups by it.
var ErrorFields = [...]string{"error", "exception", "last_error", "error_message", "exception_message", "reason", "err"}

// ClassFields are the entry fields that name the failure's type.
var ClassFields = [...]string{"exception_class", "error_class", "error_type", "exception_type"}

// withEntryError sets d's exception from m's error fields (ErrorFields,
// ClassFields; names compared without case). A message that names no
// class of its own ("ValueError: ...") gets the field's name as its class
// ("last_error"), so failures group by what they say, not by how often
// they were delivered. A text's trailing colon is dropped: a reason never
// ends with one.
func withEntryError(d *sources.DeadLetter, m *sources.Message) {
	field, msg := fieldOf(m.Headers, ErrorFields[:])
	_, class := fieldOf(m.Headers, ClassFields[:])
	if msg == "" && class == "" {
		return
	}
	d.ExceptionMessage, d.ExceptionClass = msg, class
	if class == "" && dlq.FailureOf(&sources.DeadLetter{ExceptionMessage: msg}).Class == "" {
		d.ExceptionClass = field
	}
}

// fieldOf is the first of names among headers with a text, and its text
// trimmed of space and a trailing colon.
func fieldOf(headers []sources.Header, names []string) (string, string) {
	for _, n := range names {
		for _, h := range headers {
			if !strings.EqualFold(h.Key, n) {
				continue
			}
			if v := strings.TrimRight(strings.TrimSpace(string(h.Value)), ": \t"); v != "" {
				return n, v
			}
		}
	}
	return "", ""
}
