package sources

import (
	"context"
	"errors"
	"time"
)

// Redriver is a connection that moves dead letters back itself, with its
// broker's own guarantee against loss and doubles (NATS JetStream: the
// Nats-Msg-Id duplicate window; Redis: XADD and XACK in one MULTI/EXEC).
// replay plans the run (what goes where, with which provenance headers),
// keeps the journal and the audit, and hands the plan to Redrive; the
// connector writes and says what became of each item.
type Redriver interface {
	// Redrive writes req's items in order and reports each one's outcome
	// to report as soon as it is known (the journal follows from those).
	// It returns when every item is handled or ctx is done; a run stopped
	// part way and started again with the same req.ID and the items not
	// yet reported done writes none of them twice.
	Redrive(ctx context.Context, req RedriveRequest, report func(RedriveOutcome)) error
}

// RedriveItemChecker is a Redriver that can tell, before a run and
// without writing, the items its Redrive would fail by themselves (their
// original gone, a header its broker cannot carry, no target): a dry run
// says so, and exits as the run would.
type RedriveItemChecker interface {
	// RedriveItemError is the error Redrive would fail item with before
	// writing it; nil when it would try to write it.
	RedriveItemError(item *RedriveItem) error
}

// RedriveDoubt is the error of a Redrive run that ended with items whose
// outcome it cannot know (sent, and the answer lost with the connection):
// they are not reported, and a run again with the same id settles each
// without writing it twice. replay audits them as in doubt and says so in
// the run's stop.
type RedriveDoubt interface {
	error
	// InDoubt are the indexes (in RedriveRequest.Items) of the items in doubt.
	InDoubt() []int
}

// RedriveRequest is one run of a redrive as replay hands it to a
// connector.
type RedriveRequest struct {
	// ID is the run's redrive id, the same when it is resumed; a connector
	// derives its deduplication keys from it and the item's position.
	ID string
	// Source is the dead-letter stream the items were read from.
	Source string
	// Items are what to write, in order.
	Items []RedriveItem
	// Rate caps writes a second (0: none).
	Rate float64
	// Since is when the first attempt of this redrive id began (zero for a
	// first run): copies of the items written since may be in the targets
	// already. A connector whose broker forgets the copies it wrote after
	// a while (NATS's duplicate window) looks for them there rather than
	// write them again; one whose guarantee does not lapse ignores it.
	Since time.Time
}

// RedriveItem is one dead letter to write back.
type RedriveItem struct {
	// Message is the dead letter as it was read.
	Message Message
	// Target is where it goes (a subject, a stream, a queue).
	Target Target
	// Headers are the copy's headers, in order: the message's own that the
	// plan keeps (--drop-header leaves some out) and the provenance
	// headers (x-mqscope-redrive-id, -hops, -source, -position).
	Headers []Header
	// Key and Value, when not nil, replace the message's (an edit).
	Key, Value []byte
	// Remove asks the connector to take the dead letter out of its
	// dead-letter stream once the copy is written (in the same atomic step
	// where the broker has one).
	Remove bool
}

// RedriveResult is what became of one item.
type RedriveResult int

const (
	// RedriveWritten: the copy is written and acknowledged by the broker.
	RedriveWritten RedriveResult = iota
	// RedriveAlreadyDone: an earlier run of the same id wrote it; the broker
	// said so (a duplicate within its window) or it is no longer a dead
	// letter.
	RedriveAlreadyDone
	// RedriveFailed: not written; Err says why.
	RedriveFailed
	// RedriveSettledElsewhere: not written: between the plan and the write
	// the dead letter was settled by someone else (Settled says how).
	RedriveSettledElsewhere
)

// Settlement is how a dead letter was settled outside a redrive.
type Settlement int

const (
	// SettledNot: not settled elsewhere.
	SettledNot Settlement = iota
	// SettledAcknowledged: acknowledged in its consumer group (XACK by its
	// consumer) meanwhile.
	SettledAcknowledged
	// SettledDeleted: deleted from its stream (XDEL, trimming) meanwhile.
	SettledDeleted
)

// String says it for people: "acknowledged in the group meanwhile".
func (s Settlement) String() string {
	switch s {
	case SettledAcknowledged:
		return "acknowledged in the group meanwhile"
	case SettledDeleted:
		return "deleted from the stream meanwhile"
	}
	return "not settled"
}

// RedriveOutcome is one item's result as Redrive reports it.
type RedriveOutcome struct {
	// Item is the index in RedriveRequest.Items.
	Item int
	// Result is what became of it.
	Result RedriveResult
	// Position is where the copy was written ("stream@seq", "1733...-0"),
	// when known.
	Position string
	// Err says why an item failed.
	Err error
	// Settled says how an item RedriveSettledElsewhere was settled.
	Settled Settlement
	// Found marks an item RedriveAlreadyDone whose copy the connector
	// found in its target by reading it (RedriveRequest.Since), the
	// broker no longer able to deduplicate it.
	Found bool
}

// MoveTasker is a connection whose broker moves a dead-letter queue's
// messages back itself (SQS's StartMessageMoveTask): fast, but every
// message, with no plan, no provenance and no journal (redrive --native).
type MoveTasker interface {
	// StartMoveTask starts moving every message of dlq back to its
	// sources (or to destination, when given), at most perSecond a second
	// (0: the broker's pace); it returns the task's handle.
	StartMoveTask(ctx context.Context, dlq, destination string, perSecond int32) (string, error)
	// MoveTasks lists the move tasks of dlq, newest first.
	MoveTasks(ctx context.Context, dlq string) ([]MoveTask, error)
	// CancelMoveTask stops a running task.
	CancelMoveTask(ctx context.Context, handle string) error
}

// MoveTask is a broker's move task and its state.
type MoveTask struct {
	// Handle names the task; Status is the broker's word for its state
	// (shown as it is), Failure why it failed.
	Handle, Status, Failure string
	// State is Status as mqscope follows it.
	State MoveState
	// Moved and ToMove count messages.
	Moved, ToMove int64
}

// MoveState is where a move task is.
type MoveState int

const (
	// MoveRunning: still moving.
	MoveRunning MoveState = iota
	// MoveCompleted: every message moved.
	MoveCompleted
	// MoveFailed: stopped by a failure (Failure says which).
	MoveFailed
	// MoveCancelled: stopped on request.
	MoveCancelled
)

// QueueRedriver is a queue whose messages a redrive receives (hidden while
// held), sends on to their targets in batches and then deletes (SQS).
// replay decides, journals (before each delete) and audits; the connector
// moves the messages, within its broker's limits. A redrive of such a
// queue watches its own returns: the breaker needs no tap.
type QueueRedriver interface {
	// Depth is how many messages the queue holds, visible.
	Depth(ctx context.Context, queue string) (int, error)
	// InFlight is how many of its messages a consumer holds hidden, and
	// the queue's visibility timeout.
	InFlight(ctx context.Context, queue string) (int, time.Duration, error)
	// DeadLetterSources names the queues whose dead letters go to queue.
	DeadLetterSources(ctx context.Context, queue string) ([]string, error)
	// ReceiveHeld receives up to max messages of queue, hidden for hold,
	// numbered from seq (their Offset); origin is the queue they died in
	// when the messages do not say it.
	ReceiveHeld(ctx context.Context, queue string, max int, hold time.Duration, origin string, seq int64) ([]Held, error)
	// SendHeld sends messages to the queue target in as few batches as
	// the broker's limits allow, calling sent with the indexes (into out)
	// of each batch the broker took before it sends the next (sent's error
	// stops it). It returns why each message it could not send was refused
	// (by index); its error is a batch whose fate is not known.
	SendHeld(ctx context.Context, target string, out []Outgoing, sent func([]int) error) (map[int]string, error)
	// DeleteHeld deletes held messages from queue.
	DeleteHeld(ctx context.Context, queue string, hs []Held) error
	// ReleaseHeld makes held messages visible again (on its own deadline:
	// a cancelled run still gives them back).
	ReleaseHeld(queue string, hs []Held)
}

// Held is a message a QueueRedriver received and holds hidden.
type Held struct {
	Message Message
	// ID is the broker's message id.
	ID string
	// Handle is the connector's own (a receipt handle, the attributes a
	// FIFO queue's copy keeps); callers hand it back untouched.
	Handle any
}

// Outgoing is a held message to send on.
type Outgoing struct {
	Held Held
	// Body and Headers are the copy's (the plan's edit and provenance).
	Body    []byte
	Headers []Header
}

// MessageSink writes batches of messages to one target and returns once
// the broker acknowledged all of them (a capture replayed).
type MessageSink interface {
	// Write writes msgs in order; it returns once the broker acknowledged
	// every one (an error says which could not be written).
	Write(ctx context.Context, msgs []Message) error
	// Target says where it writes, for people ("topic shipments",
	// "exchange shop").
	Target() string
	// Close releases what the sink holds.
	Close() error
}

// SinkOpener is a connection that writes messages to one of its targets
// as a MessageSink. t.Stream names the topic, queue or exchange ("" is
// RabbitMQ's default exchange); t.RoutingKey is the routing key where the
// broker routes by one ("": each message's key). A target that does not
// exist is refused here, before anything is written.
type SinkOpener interface {
	OpenSink(ctx context.Context, t Target) (MessageSink, error)
}

// TxWriter is a connection that writes records and a consumer group's
// offsets on their source in one transaction (Kafka): a redrive's batches
// exactly once, resumed from the group's offsets.
type TxWriter interface {
	// OpenTx opens the transactional writer of txnID; any other writer of
	// that id is fenced from then on (it can commit nothing more).
	OpenTx(txnID string) (TxBatcher, error)
	// GroupOffsets are group's committed offsets on stream, by partition.
	GroupOffsets(group, stream string) (map[int32]int64, error)
	// Partitions is how many partitions stream has.
	Partitions(stream string) (int, error)
}

// TxBatcher writes transactions.
type TxBatcher interface {
	// CommitBatch writes records and, in the same transaction, the offsets
	// next of group on source; nothing of it is committed when it fails.
	// An error wrapping ErrFenced says a newer writer of the same id took
	// over.
	CommitBatch(records []Record, source, group string, next map[int32]int64) error
	// Close releases the writer.
	Close() error
}

// Record is one record to write.
type Record struct {
	Stream string
	// Partition is where it goes (-1: placed by key).
	Partition  int32
	Key, Value []byte
	Headers    []Header
}

// ErrFenced says a transactional writer was fenced by a newer one with
// its transactional id.
var ErrFenced = errors.New("fenced by a newer writer of the same transactional id")
