package replay

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// NotDeadLettersError refuses a redrive whose source is no dead-letter
// source (sources.ErrNotDeadLetters): a redrive removes what it moves, and
// the way to copy an ordinary stream's messages elsewhere is an export
// replayed, which it names.
type NotDeadLettersError struct {
	// ID is the redrive's id; Source the stream; To the --to of the plan
	// ("" when each message was to go to its origin).
	ID, Source, To string
	// Command starts the commands of the hint: "mqscope" with the
	// connection's flags ("mqscope" when empty).
	Command string
	// Err is the connection's refusal.
	Err error
}

// Error says why and what copies the messages instead.
func (e *NotDeadLettersError) Error() string {
	cmd, to := e.Command, e.To
	if cmd == "" {
		cmd = "mqscope"
	}
	if to == "" {
		to = "TARGET"
	} else {
		to = shellWord(to)
	}
	return fmt.Sprintf("redrive %s: %v: to copy its messages elsewhere use %s export %s | %s replay - --to %s --yes",
		e.ID, e.Err, cmd, shellWord(e.Source), cmd, to)
}

// Unwrap is the connection's refusal (it wraps sources.ErrNotDeadLetters).
func (e *NotDeadLettersError) Unwrap() error { return e.Err }

// CheckSource asks a connection that knows its dead-letter sources
// (sources.SourceChecker: NATS, Redis) whether the plan's source is one,
// before anything is written; a connection that does not know them
// (Kafka, RabbitMQ, SQS) is not asked. A source that is not one is a
// *NotDeadLettersError; the look-up's own errors are returned wrapped.
func CheckSource(ctx context.Context, conn sources.Conn, p *Plan) error {
	sc, ok := conn.(sources.SourceChecker)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, targetCheckTimeout)
	defer cancel()
	err := sc.CheckSource(ctx, p.Source)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sources.ErrNotDeadLetters):
		return &NotDeadLettersError{ID: p.ID, Source: p.Source, To: p.opts.To, Err: err}
	}
	return fmt.Errorf("redrive %s: %w", p.ID, err)
}

// shellWord is s as one word of a POSIX shell: as it is when it holds
// nothing a shell reads specially, else in single quotes.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
