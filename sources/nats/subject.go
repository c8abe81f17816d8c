package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// notAStream is the error for a name that names no stream: when it is a
// subject (or a pattern) some stream stores, it says which stream and how
// to read that subject there; otherwise it is the plain "no such stream".
// Either way it wraps sources.ErrUnknownStream.
func (c *Conn) notAStream(ctx context.Context, name string) error {
	holder, err := c.js.StreamNameBySubject(ctx, name)
	if err != nil || holder == "" {
		if strings.ContainsAny(name, ".*> ") {
			return fmt.Errorf("%q on %s is no stream, nor a subject any stream stores: %w", name, c.address, sources.ErrUnknownStream)
		}
		return fmt.Errorf("stream %q on %s: %w", name, c.address, sources.ErrUnknownStream)
	}
	return SubjectNotStreamError{Subject: name, Stream: holder, Address: c.address}
}

// SubjectNotStreamError is a read or lookup of a subject where a stream's
// name belongs: Stream is the stream that stores Subject. It is a
// sources.ErrUnknownStream.
type SubjectNotStreamError struct {
	Subject, Stream, Address string
}

// Error says which stream stores the subject and how to read it there.
func (e SubjectNotStreamError) Error() string {
	hint := fmt.Sprintf("--filter 'key == %q'", e.Subject)
	if strings.ContainsAny(e.Subject, "*>") {
		hint = "--filter on key, the message's subject"
	}
	return fmt.Sprintf("%q on %s is a subject, not a stream: stream %q stores it; read that stream (%s)", e.Subject, e.Address, e.Stream, hint)
}

// Unwrap makes the error a sources.ErrUnknownStream.
func (e SubjectNotStreamError) Unwrap() error { return sources.ErrUnknownStream }

// namesNoStream says the error of a stream lookup means the name names no
// stream: not found, or not a valid stream name (a subject with dots or
// wildcards).
func namesNoStream(err error) bool {
	return errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrInvalidStreamName)
}
