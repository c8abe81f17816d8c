package sources

import "errors"

// ErrNotice marks an error a read's Next returns to tell its reader
// something (a stream deleted under a tail, entries skipped) and then
// reads on: errors.Is(err, ErrNotice) says the subscription goes on.
var ErrNotice = errors.New("notice")

// StreamGoneNotice says a followed stream was deleted, and then that it
// came back (Back): the read goes on from the new stream's start.
type StreamGoneNotice struct {
	// Stream is the stream followed.
	Stream string
	// Back says it was created again and is read from its start.
	Back bool
}

// Error says what became of the stream.
func (n *StreamGoneNotice) Error() string {
	if n.Back {
		return "stream " + n.Stream + " is back: reading it from its start"
	}
	return "stream " + n.Stream + " was deleted; waiting for it to come back"
}

// Is makes it an ErrNotice.
func (n *StreamGoneNotice) Is(target error) bool { return target == ErrNotice }

// SkipNotice is a notice (ErrNotice) that says a read passed over
// messages it could not deliver: a command that reads to the end of a
// stream has then not read all of it.
type SkipNotice interface {
	error
	// SkippedMessages is how many messages it passed over.
	SkippedMessages() int
}
