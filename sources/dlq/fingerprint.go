package dlq

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"sync"

	"github.com/mqscope/mqscope/sources"
)

// maxFailureText bounds a normalised failure text.
const maxFailureText = 240

// mask replaces the matches of re in an error message with with.
type mask struct {
	re   *regexp.Regexp
	with string
	when func(string) bool // mask only the matches it accepts (nil: all)
}

// masks replace the parts of an error message that differ from one failure
// of a kind to the next, most specific first. They are compiled on first
// use: most runs of mqscope never normalise a failure.
var masks = sync.OnceValue(func() []mask {
	return []mask{
		{regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` + "`[^`\n]*`"), `"…"`, nil},
		{regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<uuid>", nil},
		{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`), "<time>", nil},
		{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b|\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b`), "<time>", nil},
		{regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`), "<email>", nil},
		{regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b`), "<ip>", nil},
		{regexp.MustCompile(`\b0x[0-9a-fA-F]+\b`), "<hex>", nil},
		{regexp.MustCompile(`@[0-9a-f]{4,}\b`), "@<hex>", nil},
		{regexp.MustCompile(`\b[0-9a-fA-F]{6,}\b`), "<hex>", hexID},
		{regexp.MustCompile(`\d+(?:\.\d+)?`), "<n>", nil},
		{regexp.MustCompile(`\s+`), " ", nil},
	}
})

// hexID accepts a run of hex digits that holds a digit and a letter (an id,
// a hash), not a word such as "facade".
func hexID(s string) bool {
	return strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "abcdefABCDEF")
}

// exceptionPrefix finds "SomeError: message" at the start of a line.
var exceptionPrefix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*(?:Error|Exception|Fault|Failure|Panic)[\w$]*):\s*(.*)$`)
})

// NormalizeMessage reduces an error message to what one failure of a kind
// shares with the next: the summary line of a stack trace (the last line of
// a Python traceback, the first of Java, .NET or Go), with quoted values,
// uuids, times, e-mail and IP addresses, hex ids and numbers masked.
func NormalizeMessage(msg string) string {
	line := summaryLine(msg)
	for _, m := range masks() {
		if m.when == nil {
			line = m.re.ReplaceAllString(line, m.with)
			continue
		}
		line = m.re.ReplaceAllStringFunc(line, func(s string) string {
			if m.when(s) {
				return m.with
			}
			return s
		})
	}
	line = strings.TrimSpace(line)
	if len(line) > maxFailureText {
		line = line[:maxFailureText] + "…"
	}
	return line
}

// summaryLine picks the line of a message (or stack trace) that says what
// failed.
func summaryLine(msg string) string {
	msg = strings.TrimSpace(msg)
	lines := strings.Split(msg, "\n")
	if strings.HasPrefix(msg, "Traceback (most recent call last)") {
		for i := len(lines) - 1; i >= 0; i-- {
			if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(lines[i], " ") {
				return l
			}
		}
	}
	return strings.TrimSpace(lines[0])
}

// Failure is the normalised failure of a dead letter: what it died of,
// without what differs between messages.
type Failure struct {
	// Class is the exception class, or the broker's reason ("rejected").
	Class string
	// Text is the normalised message.
	Text string
}

// String is "Class: text".
func (f Failure) String() string {
	switch {
	case f.Text == "":
		return f.Class
	case f.Class == "":
		return f.Text
	}
	return f.Class + ": " + f.Text
}

// Fingerprint is a short stable id of the failure (8 hex digits).
func (f Failure) Fingerprint() string {
	sum := sha256.Sum256([]byte(f.Class + "\x00" + f.Text))
	return hex.EncodeToString(sum[:4])
}

// FailureOf normalises a dead letter's failure. An exception class found
// at the start of the message ("ValueError: …") is used when the scheme
// gave none; a broker-side death (RabbitMQ) is its reason and queue.
func FailureOf(d *sources.DeadLetter) Failure {
	if d == nil {
		return Failure{Class: "unknown"}
	}
	class, msg := d.ExceptionClass, d.ExceptionMessage
	if msg == "" && d.StackTrace != "" {
		msg = d.StackTrace
	}
	line := summaryLine(msg)
	if m := exceptionPrefix().FindStringSubmatch(line); m != nil {
		if class == "" {
			class = m[1]
		}
		if m[1] == class || strings.HasSuffix(class, "."+m[1]) {
			msg = m[2] // the class is said once
		}
	}
	if class == "" && msg == "" {
		if d.Reason == "" {
			return Failure{Class: "unknown"}
		}
		where := ""
		if len(d.Deaths) > 0 {
			where = "in " + d.Deaths[len(d.Deaths)-1].Queue
		}
		return Failure{Class: d.Reason, Text: where}
	}
	if class == "" {
		class = d.Reason
	}
	return Failure{Class: class, Text: NormalizeMessage(msg)}
}
