package sources

import "strings"

// The names mqscope gives what it makes on a broker, so that lists of
// consumer groups and consumers can tell them from an application's.
const (
	// RedriveGroupPrefix starts the consumer group whose offsets record a
	// Kafka redrive's progress (replay.GroupID).
	RedriveGroupPrefix = "mqscope-redrive-"
	// ReadConsumerPrefix starts the ephemeral consumer a NATS JetStream
	// read makes, for as long as the read lasts.
	ReadConsumerPrefix = "mqscope-read-"
	// TapQueuePrefix starts the exclusive queue a RabbitMQ read of an
	// exchange binds to it (its tap), for as long as the read lasts.
	TapQueuePrefix = "mqscope-tap-"
)

// TapQueue says a queue is a tap mqscope declared to watch an exchange,
// not an application's.
func TapQueue(name string) bool { return strings.HasPrefix(name, TapQueuePrefix) }

// InternalGroup says a consumer group (or consumer) is one mqscope made
// itself, not an application's.
func InternalGroup(name string) bool {
	return strings.HasPrefix(name, RedriveGroupPrefix) || strings.HasPrefix(name, ReadConsumerPrefix)
}
