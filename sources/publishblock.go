package sources

// PublishBlock is a broker's refusal, for now, to take what a connection
// publishes (RabbitMQ's connection.blocked under a memory or disk alarm):
// nothing is lost, publishing waits until the broker unblocks it.
type PublishBlock struct {
	// Reason is the broker's ("low on memory", "low on disk space").
	Reason string
}

// String says it for people.
func (b PublishBlock) String() string {
	return "the broker blocked publishing: " + b.Reason
}

// PublishBlocker is a RedriveStream whose broker can block its publishing.
type PublishBlocker interface {
	// PublishBlocked is the block in force (nil: none) and a channel
	// closed at the next change.
	PublishBlocked() (*PublishBlock, <-chan struct{})
}
