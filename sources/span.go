package sources

import "time"

// Span is what a log-like stream holds as its broker reports it (a NATS
// JetStream stream's state: bytes, first and last sequence and time);
// the connector fills what it knows, and a page shows a column for each
// value some stream has.
type Span struct {
	// Bytes is the size of the messages held.
	Bytes Count
	// First and Last are the first and last messages held (not Known for
	// an empty stream).
	First, Last Edge
}

// Edge is one end of a stream: its message's sequence and time.
type Edge struct {
	Seq   int64
	Time  time.Time
	Known bool
}
