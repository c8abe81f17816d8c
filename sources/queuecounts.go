package sources

// Count is a count a broker may or may not report.
type Count struct {
	N     int64
	Known bool
}

// KnownCount is a count the broker reported.
func KnownCount(n int64) Count { return Count{N: n, Known: true} }

// QueueCounts are a queue's messages as its broker breaks them down, in
// the broker's own terms; the connector fills what it knows, and a page
// shows a column for each count some stream has.
type QueueCounts struct {
	// Ready, Unacked and Consumers are a RabbitMQ queue's messages ready
	// for delivery, delivered and not yet acknowledged, and consumers.
	Ready, Unacked, Consumers Count
	// State is a RabbitMQ queue's state as the management API says it
	// (running, idle, flow, down...); "" when not known.
	State string
	// Visible, InFlight and Delayed are an SQS queue's messages
	// (ApproximateNumberOfMessages, ...NotVisible, ...Delayed).
	Visible, InFlight, Delayed Count
}

// Held is how many messages consumers hold unacknowledged: a RabbitMQ
// queue's unacked, an SQS queue's in flight; 0 for a log or when not
// known.
func (q QueueCounts) Held() int64 {
	switch {
	case q.Unacked.Known:
		return q.Unacked.N
	case q.InFlight.Known:
		return q.InFlight.N
	}
	return 0
}
