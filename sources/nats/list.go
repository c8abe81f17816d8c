package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// Stream is one JetStream stream as a listing shows it.
type Stream struct {
	Name     string
	Subjects []string
	// Messages and Bytes are what the stream holds now.
	Messages, Bytes uint64
	// FirstSeq and LastSeq are the first and last sequences held (FirstSeq
	// is LastSeq+1 when the stream is empty); FirstTime and LastTime their
	// times.
	FirstSeq, LastSeq   uint64
	FirstTime, LastTime time.Time
	// Storage ("file", "memory"), Retention ("limits", "interest",
	// "workqueue") and Replicas as configured.
	Storage, Retention string
	Replicas           int
	// Duplicates is the stream's duplicate window (Nats-Msg-Id).
	Duplicates time.Duration
	// Consumers are the stream's consumers, by name.
	Consumers []Consumer
	// Advisories, when not nil, says the stream captures dead-letter
	// advisories.
	Advisories *Capture
}

// Consumer is one consumer of a stream.
type Consumer struct {
	Stream, Name string
	// Durable is set for a durable consumer (else ephemeral).
	Durable bool
	// Push is set for a push consumer (else pull).
	Push bool
	// FilterSubject is the subject filter ("" for all).
	FilterSubject string
	// MaxDeliver is the delivery limit (-1: none).
	MaxDeliver int
	// Pending is how many messages are not yet delivered; AckPending how
	// many are delivered and not yet acknowledged; Redelivered how many
	// of those were delivered more than once.
	Pending, AckPending, Redelivered uint64
	// Waiting is the number of pull requests waiting (pull consumers).
	Waiting int
	// Bound reports a push consumer with an active subscriber.
	Bound bool
	// Delivered and AckFloor are stream sequences: the last delivered and
	// the last acknowledged with everything before it.
	Delivered, AckFloor uint64
}

// Streams lists every stream of the account with its consumers.
func (c *Conn) Streams(ctx context.Context) ([]Stream, error) {
	lister := c.js.ListStreams(ctx)
	var infos []*jetstream.StreamInfo
	for si := range lister.Info() {
		infos = append(infos, si)
	}
	if err := lister.Err(); err != nil {
		return nil, fmt.Errorf("list streams on %s: %w", c.address, err)
	}
	out := make([]Stream, 0, len(infos))
	for _, si := range infos {
		st, err := c.described(ctx, si)
		if err != nil {
			if errors.Is(err, sources.ErrUnknownStream) {
				continue // deleted while listed
			}
			return nil, err
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// described is a stream with its consumers and, for a dead-letter stream,
// what its advisories capture.
func (c *Conn) described(ctx context.Context, si *jetstream.StreamInfo) (Stream, error) {
	st := streamOf(si)
	cons, err := c.consumers(ctx, si.Config.Name)
	if err != nil {
		return Stream{}, err
	}
	st.Consumers = cons
	if capt := captureOf(si.Config.Subjects); capt != nil {
		if err := c.fillCapture(ctx, si.Config.Name, capt); err != nil {
			return Stream{}, err
		}
		st.Advisories = capt
	}
	return st, nil
}

// Locate is one stream as ListStreams lists it, without listing the
// others; a name that is a subject is told which stream stores it.
func (c *Conn) Locate(ctx context.Context, name string) (sources.StreamInfo, error) {
	s, err := c.stream(ctx, name)
	if err != nil {
		return sources.StreamInfo{}, err
	}
	si, err := s.Info(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			c.forget(name)
			return sources.StreamInfo{}, fmt.Errorf("stream %q on %s: %w", name, c.address, sources.ErrUnknownStream)
		}
		return sources.StreamInfo{}, fmt.Errorf("stream %q on %s: %w", name, c.address, err)
	}
	st, err := c.described(ctx, si)
	if err != nil {
		return sources.StreamInfo{}, err
	}
	return st.Info(), nil
}

func streamOf(si *jetstream.StreamInfo) Stream {
	return Stream{
		Name:       si.Config.Name,
		Subjects:   si.Config.Subjects,
		Messages:   si.State.Msgs,
		Bytes:      si.State.Bytes,
		FirstSeq:   si.State.FirstSeq,
		LastSeq:    si.State.LastSeq,
		FirstTime:  si.State.FirstTime,
		LastTime:   si.State.LastTime,
		Storage:    si.Config.Storage.String(),
		Retention:  si.Config.Retention.String(),
		Replicas:   si.Config.Replicas,
		Duplicates: si.Config.Duplicates,
	}
}

// consumers lists one stream's consumers.
func (c *Conn) consumers(ctx context.Context, stream string) ([]Consumer, error) {
	s, err := c.stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	lister := s.ListConsumers(ctx)
	var out []Consumer
	for ci := range lister.Info() {
		out = append(out, consumerOf(ci))
	}
	if err := lister.Err(); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			c.forget(stream)
			return nil, fmt.Errorf("stream %q: %w", stream, sources.ErrUnknownStream)
		}
		return nil, fmt.Errorf("list the consumers of %s: %w", stream, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func consumerOf(ci *jetstream.ConsumerInfo) Consumer {
	k := Consumer{
		Stream:        ci.Stream,
		Name:          ci.Name,
		Durable:       ci.Config.Durable != "",
		Push:          ci.Config.DeliverSubject != "",
		FilterSubject: ci.Config.FilterSubject,
		MaxDeliver:    ci.Config.MaxDeliver,
		Pending:       ci.NumPending,
		AckPending:    uint64(ci.NumAckPending),
		Redelivered:   uint64(ci.NumRedelivered),
		Waiting:       ci.NumWaiting,
		Bound:         ci.PushBound,
		Delivered:     ci.Delivered.Stream,
		AckFloor:      ci.AckFloor.Stream,
	}
	if k.FilterSubject == "" && len(ci.Config.FilterSubjects) > 0 {
		k.FilterSubject = strings.Join(ci.Config.FilterSubjects, ",")
	}
	return k
}

// ListStreams lists every stream: subjects, counts, sequences and times,
// and each consumer's pending, ack-pending and redelivered counts. A
// stream that captures dead-letter advisories is a dead-letter stream for
// the streams whose advisories it holds.
func (c *Conn) ListStreams(ctx context.Context) ([]sources.StreamInfo, error) {
	streams, err := c.Streams(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]sources.StreamInfo, 0, len(streams))
	for i := range streams {
		out = append(out, streams[i].Info())
	}
	return out, nil
}

// Info is the stream as the rest of mqscope lists it.
func (s *Stream) Info() sources.StreamInfo {
	si := sources.StreamInfo{
		Name:       s.Name,
		Kind:       StreamKind,
		Partitions: []sources.PartitionInfo{{ID: sources.NoPartition, Low: int64(s.FirstSeq), High: int64(s.LastSeq) + 1}},
		Messages:   int64(s.Messages),
		High:       int64(s.LastSeq) + 1,
		Consumers:  len(s.Consumers),
		Reading:    sources.Reading{HasPositions: true, Live: true, SubjectKeys: true},
		Span:       sources.Span{Bytes: sources.KnownCount(int64(s.Bytes))},
		Subjects:   slices.Clone(s.Subjects),
	}
	if s.Messages > 0 {
		si.Span.First = sources.Edge{Seq: int64(s.FirstSeq), Time: s.FirstTime, Known: true}
		si.Span.Last = sources.Edge{Seq: int64(s.LastSeq), Time: s.LastTime, Known: true}
	}
	add := func(name, value string) { si.Info = append(si.Info, sources.Property{Name: name, Value: value}) }
	add("subjects", strings.Join(s.Subjects, ", "))
	for _, k := range s.Consumers { // first: what the list's columns do not show
		add("consumer "+k.Name, k.Summary())
	}
	add("bytes", strconv.FormatUint(s.Bytes, 10))
	add("first", seqTime(s.FirstSeq, s.FirstTime, s.Messages))
	add("last", seqTime(s.LastSeq, s.LastTime, s.Messages))
	add("storage", s.Storage)
	add("retention", s.Retention)
	add("replicas", strconv.Itoa(s.Replicas))
	if s.Duplicates > 0 {
		add("duplicate window", s.Duplicates.String())
	}
	if s.Advisories != nil {
		si.DeadLetter = true
		si.DeadLetterFor = strings.Join(s.Advisories.For, ", ")
		add("captures", strings.Join(s.Advisories.Subjects, ", "))
	}
	return si
}

// Summary is one line of a consumer's state.
func (k *Consumer) Summary() string {
	kind := "pull"
	if k.Push {
		kind = "push"
	}
	if k.Durable {
		kind = "durable " + kind
	} else {
		kind = "ephemeral " + kind
	}
	s := fmt.Sprintf("%s, pending %d, ack pending %d, redelivered %d", kind, k.Pending, k.AckPending, k.Redelivered)
	if k.MaxDeliver > 0 {
		s += ", max deliver " + strconv.Itoa(k.MaxDeliver)
	}
	if k.FilterSubject != "" {
		s += ", filter " + k.FilterSubject
	}
	return s
}

func seqTime(seq uint64, t time.Time, msgs uint64) string {
	if msgs == 0 {
		return "-"
	}
	return "#" + strconv.FormatUint(seq, 10) + " " + t.UTC().Format(time.RFC3339Nano)
}

// GroupName names a consumer as a group: "stream/consumer" (a stream name
// cannot hold a "/").
func GroupName(stream, consumer string) string { return stream + "/" + consumer }

// ListGroups lists every consumer of every stream as a group: its lag is
// the number of messages not yet delivered to it.
func (c *Conn) ListGroups(ctx context.Context) ([]sources.GroupInfo, error) {
	streams, err := c.Streams(ctx)
	if err != nil {
		return nil, err
	}
	var out []sources.GroupInfo
	for _, s := range streams {
		for _, k := range s.Consumers {
			out = append(out, groupOf(k))
		}
	}
	return out, nil
}

func groupOf(k Consumer) sources.GroupInfo {
	g := sources.GroupInfo{Name: GroupName(k.Stream, k.Name), Protocol: "pull", Topics: []string{k.Stream}, Lag: int64(k.Pending), Members: k.Waiting,
		Internal: sources.InternalGroup(k.Name)}
	if k.Push {
		g.Protocol, g.Members = "push", 0
		if k.Bound {
			g.Members = 1
		}
	}
	g.State = "ephemeral"
	if k.Durable {
		g.State = "durable"
	}
	return g
}

// DescribeGroup describes one consumer, named "stream/consumer" (or by its
// name alone when only one stream has a consumer of that name).
func (c *Conn) DescribeGroup(ctx context.Context, group string) (sources.GroupDetail, error) {
	stream, name, ok := strings.Cut(group, "/")
	if !ok {
		streams, err := c.Streams(ctx)
		if err != nil {
			return sources.GroupDetail{}, err
		}
		var found []string
		for _, s := range streams {
			for _, k := range s.Consumers {
				if k.Name == group {
					found = append(found, s.Name)
				}
			}
		}
		switch len(found) {
		case 0:
			return sources.GroupDetail{}, fmt.Errorf("no consumer %q on %s", group, c.address)
		case 1:
			stream, name = found[0], group
		default:
			return sources.GroupDetail{}, fmt.Errorf("consumer %q is on several streams (%s): name it stream/consumer", group, strings.Join(found, ", "))
		}
	}
	s, err := c.stream(ctx, stream)
	if err != nil {
		return sources.GroupDetail{}, err
	}
	ci, err := s.Consumer(ctx, name)
	if err != nil {
		return sources.GroupDetail{}, fmt.Errorf("consumer %s: %w", GroupName(stream, name), err)
	}
	info := ci.CachedInfo()
	si, err := s.Info(ctx)
	if err != nil {
		return sources.GroupDetail{}, fmt.Errorf("stream %s: %w", stream, err)
	}
	k := consumerOf(info)
	return sources.GroupDetail{
		GroupInfo: groupOf(k),
		Offsets: []sources.GroupOffset{{
			Topic: stream, Partition: sources.NoPartition,
			Committed: int64(k.AckFloor), High: int64(si.State.LastSeq), Lag: int64(k.Pending),
		}},
	}, nil
}
