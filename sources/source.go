package sources

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrUnknownStream is returned (wrapped) when a topic or queue does not exist.
var ErrUnknownStream = errors.New("no such topic or queue")

// ErrEndOfStream is returned by Subscription.Next when a bounded read has
// delivered everything up to the end it was given.
var ErrEndOfStream = errors.New("end of stream")

// PartitionInfo describes one partition of a stream.
type PartitionInfo struct {
	ID int32
	// Low is the first available offset, High the next offset to be written.
	Low, High int64
}

// StreamInfo describes one topic or queue.
type StreamInfo struct {
	Name string
	// Kind is "topic", "queue", "stream"...
	Kind       string
	Partitions []PartitionInfo
	// Messages is the number of messages currently held.
	Messages int64
	// High is the sum of the partitions' high watermarks: it grows by one per
	// message written, so its change over time is the write rate.
	High int64
	// DeadLetter marks a dead-letter stream.
	DeadLetter bool
	// DeadLetterFor names the stream this one serves as DLQ, when known
	// (several are joined with ", ").
	DeadLetterFor string
	// Rate is the broker's own publish rate in messages/s, when RateKnown.
	Rate      float64
	RateKnown bool
	// Consumers is the number of consumers (-1 when unknown).
	Consumers int
	// Counts are a queue's messages as its broker breaks them down (ready
	// and unacknowledged, visible and in flight...), each known or not.
	Counts QueueCounts
	// Span is a log-like stream's size and ends as its broker reports
	// them (NATS JetStream), each known or not.
	Span Span
	// Subjects are the subjects a stream stores, as its broker's config
	// names them (NATS JetStream); nil where streams have none.
	Subjects []string
	// Info holds further facts to show (arguments, policies...).
	Info []Property
	// PeekCost is what a read of the stream costs its messages when a
	// broker limit watches what a read raises; nil when a read is free or
	// only flags messages redelivered.
	PeekCost *PeekCost
	// Peeks says a read of the stream is a peek of a queue: its messages
	// are held, then given back, and come back flagged redelivered (their
	// order may change), whatever PeekCost says.
	Peeks bool
	// Reading says what a read of the stream is; the UI and the commands
	// follow it, never the stream's Kind.
	Reading
}

// Reading is what a read of a stream is, as its connector knows it.
type Reading struct {
	// Queue says the stream is a queue: a read takes the messages at its
	// head and gives them back (a peek, see StreamInfo.Peeks), and ends
	// when the queue is empty.
	Queue bool
	// RoutedByName says a publish to the stream is routed by the stream's
	// own name (a RabbitMQ queue or stream, through the default exchange):
	// a message's key is not sent.
	RoutedByName bool
	// Tap says a read sees only the messages published from now on (a
	// private queue bound to a RabbitMQ exchange): it has no start
	// position and nothing to resume from.
	Tap bool
	// HasPositions says the messages have positions (offsets) a read can
	// start from, resume after and read one message again at.
	HasPositions bool
	// Live says a read goes on with the messages written after it started
	// (a topic, a stream, a tap), and is opened again when the broker
	// breaks it.
	Live bool
	// PeekEffect is what a peek raises on every message it held, in a few
	// words ("delivery-count +1"); "" when it only flags them redelivered.
	PeekEffect string
	// Effect is what a read does besides reading, one clause naming the
	// stream ("reading queue q is a peek (...)"); "" for nothing.
	Effect string
	// PeekLimit is the most messages one peek of a queue holds (0: no
	// bound).
	PeekLimit int
	// Positions is how positions are written for people when they are
	// not plain offsets (a Redis entry id); nil when they are.
	Positions PositionSyntax
	// SparsePositions says positions grow with every message but not by
	// one (a Redis stream's entry IDs, packed): the distance of two
	// positions counts no messages.
	SparsePositions bool
	// SubjectKeys says the messages' keys are subjects (NATS JetStream):
	// dotted names, often long, that a list shows in a wider key column.
	SubjectKeys bool
}

// Locator is a connection that finds one stream without listing them
// all: its Name, Kind and Reading (counts are left out). It returns an
// error wrapping ErrUnknownStream when the connection has no such stream.
type Locator interface {
	Locate(ctx context.Context, stream string) (StreamInfo, error)
}

// PeekCost is the price of reading a queue whose broker counts every read
// of a message against a limit: a RabbitMQ quorum queue's delivery limit,
// an SQS queue's maxReceiveCount. Each read raises every message's count
// by one; past the limit the broker drops or dead-letters the message.
type PeekCost struct {
	// Stream is the queue.
	Stream string
	// Queue says what the queue is and which limit it has, as the broker
	// names it: "a quorum queue with x-delivery-limit 2".
	Queue string
	// Limit is the limit (-1 when it cannot be known).
	Limit int64
	// Counter is what a read raises: "delivery count", "ApproximateReceiveCount".
	Counter string
	// Then is what the broker does to a message past the limit.
	Then string
}

// String says what a read costs, in one sentence.
func (c *PeekCost) String() string {
	return fmt.Sprintf("%s is %s: each read raises every message's %s by 1; a message past the limit is %s", c.Stream, c.Queue, c.Counter, c.Then)
}

// PeekCoster is a connection that can say what a read of one stream costs
// before reading it. PeekCost returns nil for a read that is free (or
// costs only a redelivered flag) and an error wrapping ErrUnknownStream
// when the connection has no such stream.
type PeekCoster interface {
	PeekCost(ctx context.Context, stream string) (*PeekCost, error)
}

// Peeker is a connection that can say whether a read of one stream is a
// peek (see StreamInfo.Peeks): a queue's messages held, then given back
// flagged redelivered. A peek's Subscription is a PeekRead.
type Peeker interface {
	Peeks(ctx context.Context, stream string) (bool, error)
}

// PeekRead is the Subscription of a peek: Held is how many messages it
// held and gave back.
type PeekRead interface {
	Subscription
	Held() int
}

// PeekDepth is a peek that knows how many messages its queue had ready
// when it began: more than it held says the peek's bound left some unread.
type PeekDepth interface {
	Depth() int64
}

// PeekCostError refuses a read that costs something nobody accepted.
type PeekCostError struct {
	Cost *PeekCost
	// Accept names what accepts the cost (a flag, a key).
	Accept string
}

// Error says what the read costs and how to accept it.
func (e *PeekCostError) Error() string {
	return e.Cost.String() + ". Pass " + e.Accept + " to read anyway"
}

// GroupInfo is a consumer group in a list.
type GroupInfo struct {
	Name, State, Protocol string
	Members               int
	Topics                []string
	// Lag is the sum of the partitions' lag (high watermark - committed).
	Lag int64
	// Internal says mqscope made the group itself (a redrive's progress,
	// a read's ephemeral consumer), not an application: see InternalGroup.
	Internal bool
}

// GroupOffset is one partition of a group: committed offset, end and lag.
type GroupOffset struct {
	Topic           string
	Partition       int32
	Committed, High int64
	Lag             int64
	// Member is the client that holds the partition now ("" when none).
	Member string
}

// GroupDetail is one consumer group in full.
type GroupDetail struct {
	GroupInfo
	Offsets []GroupOffset
}

// GroupLister lists consumer groups and their lag. It never joins, commits
// or otherwise changes a group.
type GroupLister interface {
	ListGroups(ctx context.Context) ([]GroupInfo, error)
	DescribeGroup(ctx context.Context, group string) (GroupDetail, error)
}

// Noticer is a connection that has something to tell the user about what it
// cannot do (for example, no management API).
type Noticer interface {
	Notice() string
}

// StartKind says where a read starts.
type StartKind int

const (
	// StartOldest reads from the first available message.
	StartOldest StartKind = iota
	// StartNewest reads only messages written after the read starts.
	StartNewest
	// StartLastN reads the last N messages of each partition.
	StartLastN
	// StartOffset reads from an offset (per partition, or one for all).
	StartOffset
	// StartTime reads from the first message at or after a time.
	StartTime
)

// Start is a start position.
type Start struct {
	Kind StartKind
	// N is the count for StartLastN.
	N int64
	// Offset is the offset for StartOffset applied to every partition
	// without an entry in Offsets.
	Offset int64
	// Offsets holds per-partition offsets for StartOffset.
	Offsets map[int32]int64
	// Time is the time for StartTime.
	Time time.Time
}

// String renders the start in the syntax ParseStart reads.
func (s Start) String() string {
	switch s.Kind {
	case StartNewest:
		return "newest"
	case StartLastN:
		return "last:" + strconv.FormatInt(s.N, 10)
	case StartOffset:
		if len(s.Offsets) > 0 {
			parts := make([]string, 0, len(s.Offsets))
			for p, o := range s.Offsets {
				parts = append(parts, fmt.Sprintf("%d=%d", p, o))
			}
			return "offset:" + strings.Join(parts, ",")
		}
		return "offset:" + strconv.FormatInt(s.Offset, 10)
	case StartTime:
		return "time:" + s.Time.UTC().Format(time.RFC3339)
	default:
		return "oldest"
	}
}

// ParseStart reads a start position: "oldest", "newest", "last:N" (or a bare
// negative number -N), "offset:N", "offset:P=N,P=N", "time:RFC3339", a
// relative time such as "time:-15m", or a bare RFC3339 time.
func ParseStart(s string, now time.Time) (Start, error) {
	s = strings.TrimSpace(s)
	kind, arg, _ := strings.Cut(s, ":")
	switch strings.ToLower(kind) {
	case "", "oldest", "beginning", "earliest", "first":
		if arg != "" {
			break
		}
		return Start{Kind: StartOldest}, nil
	case "newest", "end", "latest":
		if arg != "" {
			break
		}
		return Start{Kind: StartNewest}, nil
	case "last":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n <= 0 {
			return Start{}, fmt.Errorf("start %q: last:N needs a positive count", s)
		}
		return Start{Kind: StartLastN, N: n}, nil
	case "offset":
		return parseOffsetStart(s, arg)
	case "time", "timestamp":
		t, err := parseTime(arg, now)
		if err != nil {
			return Start{}, fmt.Errorf("start %q: %w", s, err)
		}
		return Start{Kind: StartTime, Time: t}, nil
	default:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n < 0 {
				return Start{Kind: StartLastN, N: -n}, nil
			}
			return Start{Kind: StartOffset, Offset: n}, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return Start{Kind: StartTime, Time: t}, nil
		}
	}
	return Start{}, fmt.Errorf("start %q: want oldest, newest, last:N, offset:N, offset:P=N,..., time:RFC3339 or time:-DURATION", s)
}

func parseOffsetStart(s, arg string) (Start, error) {
	if !strings.Contains(arg, "=") {
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 0 {
			return Start{}, fmt.Errorf("start %q: offset:N needs an offset >= 0", s)
		}
		return Start{Kind: StartOffset, Offset: n}, nil
	}
	offsets := map[int32]int64{}
	for _, part := range strings.Split(arg, ",") {
		ps, os, ok := strings.Cut(part, "=")
		p, perr := strconv.ParseInt(strings.TrimSpace(ps), 10, 32)
		o, oerr := strconv.ParseInt(strings.TrimSpace(os), 10, 64)
		if !ok || perr != nil || oerr != nil || p < 0 || o < 0 {
			return Start{}, fmt.Errorf("start %q: want offset:PARTITION=OFFSET[,...]", s)
		}
		offsets[int32(p)] = o
	}
	return Start{Kind: StartOffset, Offsets: offsets, Offset: -1}, nil
}

func parseTime(arg string, now time.Time) (time.Time, error) {
	arg = strings.TrimSpace(arg)
	if strings.HasPrefix(arg, "-") {
		d, err := time.ParseDuration(arg[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("relative time %q: %w", arg, err)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, arg, time.Local); err == nil {
			return t, nil
		}
	}
	if ms, err := strconv.ParseInt(arg, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC3339, YYYY-MM-DD[ HH:MM:SS], unix millis or -DURATION", arg)
}

// ReadOptions says what to read.
type ReadOptions struct {
	Start Start
	// Follow keeps reading new messages; without it the read ends at the end
	// the stream had when the read started.
	Follow bool
	// Partitions restricts the read; nil means every partition.
	Partitions []int32
	// End, when set (an offset or a time kind), ends each partition at the
	// first message past it: past the offset (inclusive end), or later than
	// the time.
	End *Start
	// InFlight bounds the bytes the read holds between the broker and its
	// reader (InFlightBytes: key, value and headers, plus MessageOverhead
	// a message); 0 means DefaultInFlight.
	InFlight int64
}

// Past reports whether m lies beyond the end e (an offset or time start).
func (e *Start) Past(m *Message) bool {
	if e == nil {
		return false
	}
	switch e.Kind {
	case StartOffset:
		end := e.Offset
		if o, ok := e.Offsets[m.Partition]; ok {
			end = o
		}
		return end >= 0 && m.Offset > end
	case StartTime:
		return m.Timestamp.After(e.Time)
	}
	return false
}

// ParseEnd reads an end bound: offset:N, offset:P=N,..., a bare offset, or
// a time (as ParseStart).
func ParseEnd(s string, now time.Time) (*Start, error) {
	st, err := ParseStart(s, now)
	if err != nil || st.Kind != StartOffset && st.Kind != StartTime {
		return nil, fmt.Errorf("end %q: want offset:N (N at least 0), offset:P=N,..., time:RFC3339 or time:-DURATION", s)
	}
	return &st, nil
}

// Subscription delivers messages from one read. It is safe for one reader.
type Subscription interface {
	// Next blocks until at least one message is available and returns what is
	// ready, up to max messages. It returns ErrEndOfStream after the last
	// message of a bounded read (an *IncompleteError, once, when the read
	// could not deliver all it was asked for) and ctx.Err() when ctx is
	// done.
	Next(ctx context.Context, max int) ([]Message, error)
	// Close stops the read and releases its resources.
	Close() error
}

// Lister lists the streams of a connection.
type Lister interface {
	ListStreams(ctx context.Context) ([]StreamInfo, error)
}

// Counter is a Lister that lists in two steps, for clusters of many
// streams. ListNames returns every stream with its kind, partitions (IDs
// only) and dead-letter flags but without counts (Messages and High are
// -1), from one metadata request; CountStreams then lists the watermarks
// and counts of some of them, so a list can show the names at once and
// fill the counts in behind them. ListStreams is ListNames and
// CountStreams of everything.
type Counter interface {
	Lister
	ListNames(ctx context.Context) ([]StreamInfo, error)
	// CountStreams returns the named streams with their partitions'
	// watermarks, Messages and High, in the order asked; a name the
	// connection no longer knows is left out.
	CountStreams(ctx context.Context, names []string) ([]StreamInfo, error)
}

// CountOne lists one stream with its counts: through CountStreams when l
// is a Counter (no listing of every stream), else from ListStreams. found
// is false when l does not list the stream.
func CountOne(ctx context.Context, l Lister, name string) (info StreamInfo, found bool, err error) {
	var list []StreamInfo
	if c, ok := l.(Counter); ok {
		list, err = c.CountStreams(ctx, []string{name})
	} else {
		list, err = l.ListStreams(ctx)
	}
	if err != nil {
		return StreamInfo{}, false, err
	}
	for _, st := range list {
		if st.Name == name {
			return st, true, nil
		}
	}
	return StreamInfo{}, false, nil
}

// Reader reads a stream without side effects on it.
type Reader interface {
	Read(ctx context.Context, stream string, opts ReadOptions) (Subscription, error)
}

// Conn is an open connection to a broker. Callers discover further
// capabilities (Lister, Reader...) with type assertions.
type Conn interface {
	// Name is the connection's display name.
	Name() string
	// Kind is the broker kind ("kafka", "rabbitmq").
	Kind() string
	// Address is a human-readable address of the broker.
	Address() string
	// Close releases the connection.
	Close() error
}

// PeekCount is how many messages a peek of a queue takes for a start
// position: a queue has a head only, so last:N peeks N (at most limit),
// oldest peeks limit, and offsets, times and newest are refused.
func PeekCount(queue string, st Start, def, limit int64) (int, error) {
	switch st.Kind {
	case StartLastN:
		return int(min(st.N, limit)), nil
	case StartOldest:
		return int(limit), nil
	case StartNewest:
		return 0, fmt.Errorf("queue %q: a queue has no \"newest\": peek it (oldest, last:N), or tap the exchange that feeds it", queue)
	case StartOffset, StartTime:
		return 0, fmt.Errorf("queue %q: queues are read from the head only (oldest or last:N); offsets and times apply to streams", queue)
	}
	return int(def), nil
}
