package cmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// produceFlags are the flags of the produce command.
type produceFlags struct {
	in                   produceInput
	key, value, file     string
	keySet, valueSet     bool
	headers, props       []string
	partition            int32
	routingKey, exchange string
	yes, json            bool
}

func newProduceCmd(e *env) *cobra.Command {
	var f produceFlags
	c := &cobra.Command{
		Use:   "produce STREAM",
		Short: "Publish messages: one value, or many from a JSON Lines or kcat-style file",
		Long: `produce publishes to a topic, queue, JetStream stream or Redis stream and says
where each message went, once the broker acknowledged it: Kafka's partition and
offset (acks=all, idempotent, placed by key as the Java client does unless
--partition), RabbitMQ's "routed to N queues" or "unroutable" (publisher
confirms and mandatory: a returned message is reported and makes the exit
status 1), SQS's message id, JetStream's stream and sequence, Redis's entry id.

The value is the input exactly, byte for byte: a trailing newline is part of
it (echo adds one; use printf, --value, or -f on a file without one). The input
is -f FILE, or standard input (-f -, the default); --value TEXT gives it on the
command line.

--format jsonl publishes every line of an mqscope export (key, value,
headers, AMQP properties, raw bytes kept): without STREAM, each line to the
stream it names (a RabbitMQ line naming none: through its exchange, its key
the routing key); with STREAM, a line naming another stream is refused
(replay FILE --to STREAM writes a capture elsewhere); --format kcat publishes a message a
line (or ending with -D DELIM), as kcat -P does, the key before the first -K
delimiter. Publishing more
than one message asks you to type the count (or the stream's name) on a
terminal; without one, --yes is needed.

RabbitMQ: STREAM is a queue, published to through the default exchange
(its name the routing key: a key of its own, --key or -K, is refused; give
it as a --header); --exchange X publishes to exchange X with --routing-key
(default STREAM, or each message's key when no STREAM is given). NATS: --routing-key is the
subject (default each message's key, else the stream's one subject).`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.keySet, f.valueSet = cmd.Flags().Changed("key"), cmd.Flags().Changed("value")
			stream := ""
			if len(args) == 1 {
				stream = args[0]
			}
			return e.produce(cmd.Context(), stream, &f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.key, "key", "", "the message's key (Kafka; the routing key on RabbitMQ with --exchange and no --routing-key; a RabbitMQ queue and Redis entries have none: use --header key=...)")
	fl.StringVar(&f.value, "value", "", "the value, exactly as given (instead of -f)")
	fl.StringVarP(&f.file, "file", "f", "-", "read the value (or the lines of --format) from FILE; - is standard input")
	fl.StringVar(&f.in.format, "format", "value", "value (the input is one value), jsonl (mqscope export's lines) or kcat (a message a line)")
	fl.StringVarP(&f.in.keyDelim, "key-delimiter", "K", "", "--format kcat: the key is what comes before the first DELIM of a message")
	fl.StringVarP(&f.in.delim, "delimiter", "D", "", "--format kcat: messages end with DELIM (default a newline)")
	fl.StringArrayVar(&f.headers, "header", nil, "add a header NAME=VALUE (repeatable; RabbitMQ headers, SQS message attributes, Redis fields)")
	fl.StringArrayVar(&f.props, "property", nil, "set a broker property NAME=VALUE (repeatable): AMQP content-type, message-id, delivery-mode...; SQS attribute type NAME, MessageGroupId")
	fl.Int32Var(&f.partition, "partition", sources.NoPartition, "Kafka: write to this partition (default: placed by key)")
	fl.StringVar(&f.routingKey, "routing-key", "", "RabbitMQ: the routing key; NATS: the subject")
	fl.StringVar(&f.exchange, "exchange", "", "RabbitMQ: publish to this exchange")
	fl.BoolVarP(&f.yes, "yes", "y", false, "publish many messages without asking")
	fl.BoolVar(&f.json, "json", false, "print each message's placement as a JSON line")
	return c
}

// produce publishes the messages f names to stream (or, for lines of
// --format jsonl without one, to the stream each line names).
func (e *env) produce(ctx context.Context, stream string, f *produceFlags) error {
	msgs, source, err := f.messages(e.stdin)
	if err != nil {
		return err
	}
	if f.in.skipped > 0 {
		fmt.Fprintf(e.stderr, "mqscope: skipped %s (as kcat -P does)\n", counted(f.in.skipped, "empty line"))
	}
	lost := f.in.lostError()
	if len(msgs) == 0 && lost != nil {
		return fmt.Errorf("nothing to publish: %s: %w", replay.LineList(f.in.lost), &replay.LostLineError{Reason: f.in.lostReason})
	}
	if len(msgs) == 0 {
		return errors.New("nothing to publish: the input holds no message")
	}
	if lost != nil {
		fmt.Fprintf(e.stderr, "mqscope: %s not to be published: %s\n", replay.LineList(f.in.lost), safetext.String((&replay.LostLineError{Reason: f.in.lostReason}).Error()))
	}
	tombstones := countTombstones(msgs)
	runs, err := f.runs(stream, msgs)
	if err != nil {
		return err
	}
	conns, err := e.connectForWrite(ctx)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	found := map[sources.Target]*publishRun{}
	for i := range runs {
		r := &runs[i]
		if prev, ok := found[r.target]; ok {
			r.conn, r.pub = prev.conn, prev.pub
			continue
		}
		found[r.target] = r
		if r.conn, err = publishConn(ctx, conns, r.target.Stream, r.target); err != nil {
			return err
		}
		if err := e.refuseWrites(r.conn); err != nil {
			return err
		}
		var ok bool
		if r.pub, ok = r.conn.(sources.Publisher); !ok {
			return fmt.Errorf("connection %s cannot publish", r.conn.Name())
		}
	}
	if len(msgs) > 1 && !f.yes {
		ok, err := askBeforeWrite(e.stdin, e.stderr, publishAsk(runs, len(msgs), tombstones, stream))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not confirmed: nothing published")
		}
	}
	var placed []sources.Placement
	for _, r := range runs {
		p, err := e.publishRun(ctx, f, source, r)
		if err != nil {
			return f.notAttempted(err, len(placed)+handed(p, err), len(msgs))
		}
		placed = append(placed, p...)
	}
	if n := countTombstones(msgs[:len(placed)]); n > 0 && !f.json {
		fmt.Fprintf(e.stdout, "%d of them %s (no value)\n", n, map[bool]string{true: "is a tombstone", false: "are tombstones"}[n == 1])
	}
	if n := unroutable(placed); n > 0 {
		return errors.Join(fmt.Errorf("%d of %d messages unroutable: the broker returned them, no queue is bound to take them", n, len(placed)), lost)
	}
	if n := sources.CountDuplicates(placed); n > 0 {
		return errors.Join(errors.New(sources.DuplicatesNotWritten(n)), lost)
	}
	return lost
}

// handed counts the messages of a publish that failed with err that went
// to the broker: those placed (written or not delivered), those it may
// have written unconfirmed, and one it rejected.
func handed(placed []sources.Placement, err error) int {
	if rej, ok := sources.Rejected(err); ok {
		return max(len(placed), rej.Index+1)
	}
	return len(placed) + sources.Unconfirmed(err)
}

// notAttempted is err, ended a publish of total messages of which the
// first sent went to the broker, saying which of the rest were not sent
// (none was: sending them now writes them once).
func (f *produceFlags) notAttempted(err error, sent, total int) error {
	if sent >= total {
		return err
	}
	what := fmt.Sprintf("message %d", sent+1)
	if total-sent > 1 {
		what = fmt.Sprintf("messages %d to %d", sent+1, total)
	}
	if len(f.in.lines) == total {
		if total-sent > 1 {
			what += fmt.Sprintf(" (lines %d to %d)", f.in.lines[sent], f.in.lines[total-1])
		} else {
			what += fmt.Sprintf(" (line %d)", f.in.lines[sent])
		}
	}
	return fmt.Errorf("%w; %s not attempted: nothing of them sent", err, what)
}

// published counts the placements of messages written: not those the
// broker returned (unroutable), did not take, or took for duplicates.
func published(placed []sources.Placement) int {
	return len(placed) - unroutable(placed) - sources.CountDuplicates(placed) - sources.CountNotDelivered(placed)
}

// withoutEntryShape is msgs without the shape of the Redis stream entry
// they were exported from (its "value field" and "value pair"
// properties): only a Redis stream writes by them, and another broker
// would refuse them as properties it does not have.
func withoutEntryShape(msgs []sources.Message) []sources.Message {
	shaped := func(p sources.Property) bool { return p.Name == redis.PropValueField || p.Name == redis.PropValuePair }
	var out []sources.Message
	for i := range msgs {
		if !slices.ContainsFunc(msgs[i].Properties, shaped) {
			continue
		}
		if out == nil {
			out = slices.Clone(msgs)
		}
		out[i].Properties = slices.DeleteFunc(slices.Clone(msgs[i].Properties), shaped)
	}
	if out == nil {
		return msgs
	}
	return out
}

// publishRun is messages of the input in a row that go to one target.
type publishRun struct {
	target sources.Target
	msgs   []sources.Message
	conn   sources.Conn
	pub    sources.Publisher
}

// publishRun publishes r's messages, audits them and says where they went.
func (e *env) publishRun(ctx context.Context, f *produceFlags, source string, r publishRun) ([]sources.Placement, error) {
	if _, ok := r.conn.(*redis.Conn); !ok {
		r.msgs = withoutEntryShape(r.msgs)
	}
	placed, err := r.pub.Publish(ctx, sources.PublishRequest{Target: r.target, Partition: f.partition, Messages: r.msgs, MessagePartitions: f.in.format == "jsonl"})
	if err != nil {
		err = publishError(r.target, err, placed, len(r.msgs))
	}
	if aerr := e.auditPublish(r.conn.Name(), source, r.target, r.msgs, placed, err); aerr != nil && err == nil {
		err = aerr
	}
	if len(placed) > 0 && placed[0].Created {
		fmt.Fprintf(e.stderr, "mqscope: %s did not exist: the first message created it\n", safetext.String(placed[0].Stream))
	}
	if perr := e.printPlacements(placed, r.target, f.json); perr != nil && err == nil {
		err = perr
	}
	return placed, err
}

// publishAsk is the question before a publish of n messages in runs:
// every target and how many go to it.
func publishAsk(runs []publishRun, n, tombstones int, stream string) writeAsk {
	type share struct {
		target sources.Target
		conn   string
		n      int
	}
	var shares []share
	for _, r := range runs {
		i := slices.IndexFunc(shares, func(s share) bool { return s.target == r.target && s.conn == r.conn.Name() })
		if i < 0 {
			shares = append(shares, share{target: r.target, conn: r.conn.Name()})
			i = len(shares) - 1
		}
		shares[i].n += len(r.msgs)
	}
	w := writeAsk{Verb: "publish many messages", Action: "publish", Count: n}
	if len(shares) == 1 {
		w.Question = fmt.Sprintf("Publish %d messages%s to %s on %s?", n, tombstoneNote(tombstones), safetext.String(shares[0].target.String()), shares[0].conn)
		w.Names = []string{shares[0].target.Stream, stream}
		return w
	}
	parts := make([]string, len(shares))
	for i, s := range shares {
		parts[i] = fmt.Sprintf("%d to %s on %s", s.n, safetext.String(s.target.String()), s.conn)
	}
	w.Question = fmt.Sprintf("Publish %d messages%s to %d targets: %s?", n, tombstoneNote(tombstones), len(shares), strings.Join(parts, ", "))
	return w
}

// runs splits msgs into runs of messages in a row with the same target:
// the one the flags and stream name, or, for lines of --format jsonl with
// neither STREAM nor --exchange, each line's own. A line naming a stream
// other than STREAM is refused, before anything is written.
func (f *produceFlags) runs(stream string, msgs []sources.Message) ([]publishRun, error) {
	if f.in.format != "jsonl" || f.exchange != "" {
		t, err := f.target(stream)
		if err != nil {
			return nil, err
		}
		return []publishRun{{target: t, msgs: msgs}}, nil
	}
	var out []publishRun
	start := 0
	for i := range msgs {
		t, err := f.lineTarget(stream, &msgs[i])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w: nothing published", f.in.lines[i], err)
		}
		if n := len(out); n > 0 && out[n-1].target == t {
			out[n-1].msgs = msgs[start : i+1]
			continue
		}
		start = i
		out = append(out, publishRun{target: t, msgs: msgs[i : i+1]})
	}
	return out, nil
}

// lineTarget is where a line of --format jsonl goes: STREAM, which the
// line must not contradict, else the stream the line names, else (a
// RabbitMQ line that names no stream) its exchange, with its key as the
// routing key.
func (f *produceFlags) lineTarget(stream string, m *sources.Message) (sources.Target, error) {
	switch {
	case stream != "" && m.Stream != "" && m.Stream != stream:
		return sources.Target{}, fmt.Errorf("it names stream %q, not %q: leave out STREAM to publish each line to the stream it names, or write them all to %s with mqscope replay FILE --to %s",
			m.Stream, stream, stream, stream)
	case stream != "":
		return sources.Target{Stream: stream, RoutingKey: f.routingKey}, nil
	case m.Stream != "":
		return sources.Target{Stream: m.Stream, RoutingKey: f.routingKey}, nil
	}
	for _, p := range m.Properties {
		if p.Name != "exchange" {
			continue
		}
		exchange := strings.TrimPrefix(p.Value, capture.DefaultExchange)
		key := cmp.Or(f.routingKey, string(m.Key))
		if exchange == "" && key == "" {
			break
		}
		return sources.Target{Exchange: true, Stream: exchange, RoutingKey: key}, nil
	}
	return sources.Target{}, errors.New(`it names no stream (no "stream", nor a RabbitMQ "exchange" with a key to route by): name the STREAM to publish to`)
}

// messages reads the messages to publish, and names where they came from.
func (f *produceFlags) messages(stdin io.Reader) ([]sources.Message, string, error) {
	if err := checkFormat(f.in.format); err != nil {
		return nil, "", err
	}
	if f.keySet {
		if f.in.format == "jsonl" {
			return nil, "", errors.New("--key with --format jsonl: each line has its own key")
		}
		f.in.key = []byte(f.key)
	}
	hs, err := pairs("header", f.headers)
	if err != nil {
		return nil, "", err
	}
	for _, h := range hs {
		f.in.headers = append(f.in.headers, sources.Header{Key: h.Name, Value: []byte(h.Value)})
	}
	if f.in.props, err = pairs("property", f.props); err != nil {
		return nil, "", err
	}
	if f.valueSet {
		if f.file != "-" || f.in.format != "value" {
			return nil, "", errors.New("--value gives one value: leave out -f and --format")
		}
		return []sources.Message{{Partition: sources.NoPartition, Key: f.in.key, Value: []byte(f.value), Headers: f.in.headers, Properties: f.in.props}}, "--value", nil
	}
	var r io.Reader = stdin
	source := "stdin"
	if f.file != "-" {
		file, err := os.Open(f.file)
		if err != nil {
			return nil, "", fmt.Errorf("produce: %w", err)
		}
		defer file.Close()
		r, source = file, f.file
	} else if in, ok := stdin.(*os.File); ok && isTerminal(in) {
		return nil, "", errors.New("no value: pass --value TEXT, -f FILE, or pipe it into standard input")
	}
	msgs, err := f.in.messages(r)
	if err != nil {
		return nil, "", fmt.Errorf("produce from %s: %w", source, err)
	}
	return msgs, source, nil
}

// target is where the flags say to publish.
func (f *produceFlags) target(stream string) (sources.Target, error) {
	if f.exchange == "" {
		if stream == "" {
			return sources.Target{}, errors.New("name the stream to publish to (or --exchange X on RabbitMQ)")
		}
		return sources.Target{Stream: stream, RoutingKey: f.routingKey}, nil
	}
	key := f.routingKey
	if key == "" {
		key = stream
	}
	return sources.Target{Exchange: true, Stream: f.exchange, RoutingKey: key}, nil
}

// publishConn is the connection that holds the stream (or, for an
// exchange, the first whose target check passes).
func publishConn(ctx context.Context, conns []sources.Conn, stream string, t sources.Target) (sources.Conn, error) {
	if !t.Exchange {
		c, _, err := locate(ctx, conns, stream)
		if err != nil && len(conns) == 1 && errors.Is(err, sources.ErrUnknownStream) {
			return conns[0], nil // a NATS subject, a Redis stream not there yet: the connector decides
		}
		return c, err
	}
	var errs []error
	for _, c := range conns {
		tc, ok := c.(sources.TargetChecker)
		if !ok {
			continue
		}
		err := tc.CheckTarget(ctx, t)
		if err == nil {
			return c, nil
		}
		errs = append(errs, fmt.Errorf("connection %s: %w", c.Name(), err))
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("no connection has exchanges to publish %s to", t)
	}
	return nil, errors.Join(errs...)
}

// auditPublish writes an audit line a message published and the line of
// counts that ends the run.
func (e *env) auditPublish(conn, source string, t sources.Target, msgs []sources.Message, placed []sources.Placement, failed error) error {
	audit, err := replay.OpenAudit(filepath.Join(stateDir(), "audit.jsonl"))
	if err != nil {
		return err
	}
	defer audit.Close()
	now := time.Now()
	return audit.Write(append(publishAudit(now, conn, source, t, msgs, placed), publishSummary(now, conn, source, t, msgs, placed, failed))...)
}

// publishSummary is the audit line that ends a publish: its counts.
func publishSummary(now time.Time, conn, source string, t sources.Target, msgs []sources.Message, placed []sources.Placement, failed error) replay.AuditRecord {
	r := replay.AuditRecord{Time: now, Action: "publish-run", Connection: conn, Source: source, Target: t.String(), Result: "finished",
		Counts: map[string]int{"total": len(msgs), "published": published(placed), "unroutable": unroutable(placed),
			"tombstones": countTombstones(msgs[:len(placed)])}}
	if n := sources.CountNotDelivered(placed); n > 0 {
		r.Counts["not_delivered"] = n
	}
	if n := sources.Unconfirmed(failed); n > 0 {
		r.Counts["unconfirmed"] = n
	}
	if n := sources.CountDuplicates(placed); n > 0 {
		r.Counts["duplicates"] = n
	}
	if failed != nil {
		r.Result = "failed: " + failed.Error()
	}
	return r
}

// publishError is a publish's error with its counts: how many the broker
// confirmed (every one written, those after a message it did not take
// included), and how many more it may have written without a confirm.
func publishError(t sources.Target, err error, placed []sources.Placement, total int) error {
	if n := sources.Unconfirmed(err); n > 0 {
		return fmt.Errorf("publish to %s: %w (%d of %d published and confirmed; up to %d more may have been written: sent, not confirmed)", t, err, published(placed), total, n)
	}
	if sources.CountNotDelivered(placed) > 0 {
		return fmt.Errorf("publish to %s: %d of %d published, %w", t, published(placed), total, err)
	}
	return fmt.Errorf("publish to %s: %w (%d of %d published)", t, err, published(placed), total)
}

// countTombstones counts the messages without a value (null, not empty).
func countTombstones(msgs []sources.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Value == nil {
			n++
		}
	}
	return n
}

// tombstoneNote is ", N of them tombstones (no value)" for a question.
func tombstoneNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d of them tombstones: no value)", n)
}

// PublishAudit is the audit lines of a publish: one a message, its place
// in the input and where it went.
func publishAudit(now time.Time, conn, source string, t sources.Target, msgs []sources.Message, placed []sources.Placement) []replay.AuditRecord {
	out := make([]replay.AuditRecord, len(placed))
	for i, p := range placed {
		result := "published: " + p.String()
		switch {
		case p.NotDelivered != nil:
			result = p.String()
		case p.Unroutable:
			result = "unroutable: returned by the broker"
		case p.Duplicate:
			result = "duplicate: " + p.String()
		}
		out[i] = replay.AuditRecord{Time: now, Action: "publish", Connection: conn, Source: source, Position: strconv.Itoa(i + 1),
			Target: t.String(), MessageID: p.ID, Result: result}
		if p.ID == "" && i < len(msgs) {
			out[i].MessageID = msgs[i].ID
		}
	}
	return out
}

// printPlacements says where the messages went: each one (a few, or
// --json), else a summary.
func (e *env) printPlacements(placed []sources.Placement, t sources.Target, asJSON bool) error {
	if asJSON {
		for _, p := range placed {
			b, err := json.Marshal(placementJSON(p, t))
			if err != nil {
				return fmt.Errorf("json: %w", err)
			}
			if _, err := e.stdout.Write(append(jsonenc.EscapeControls(b), '\n')); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		return nil
	}
	if len(placed) <= 10 {
		for _, p := range placed {
			if p.Duplicate || p.NotDelivered != nil {
				fmt.Fprintln(e.stdout, safetext.String(p.String()))
				continue
			}
			fmt.Fprintln(e.stdout, placementWord(p)+": "+safetext.String(p.String()))
		}
		return nil
	}
	dups := sources.CountDuplicates(placed)
	if n := unroutable(placed); n > 0 {
		fmt.Fprintf(e.stdout, "published %d of %d messages to %s, %d unroutable (not published)", published(placed), len(placed), safetext.String(t.String()), n)
	} else {
		fmt.Fprintf(e.stdout, "published %d messages to %s", published(placed), safetext.String(t.String()))
	}
	if dups > 0 {
		fmt.Fprintf(e.stdout, ", %d not written (duplicates)", dups)
	}
	if n := sources.CountNotDelivered(placed); n > 0 {
		fmt.Fprintf(e.stdout, ", %d not delivered", n)
	}
	fmt.Fprintf(e.stdout, ": first %s, last %s\n", safetext.String(placed[0].String()), safetext.String(placed[len(placed)-1].String()))
	return nil
}

// placementWord is how a line of produce's output begins for p: "not
// published" for a message the broker returned, which went nowhere.
func placementWord(p sources.Placement) string {
	if p.Unroutable {
		return "not published"
	}
	return "published"
}

// placementJSONLine is a placement as produce --json writes it; Published
// is false for a message the broker returned (Unroutable), which went
// nowhere, and for one the stream already had (Duplicate).
type placementJSONLine struct {
	Stream     string `json:"stream"`
	Published  bool   `json:"published"`
	Partition  *int32 `json:"partition,omitempty"`
	Offset     *int64 `json:"offset,omitempty"`
	ID         string `json:"id,omitempty"`
	Routed     *int   `json:"routed_queues,omitempty"`
	Unroutable bool   `json:"unroutable,omitempty"`
	// Duplicate marks a message the stream did not write: it had one with
	// the same Nats-Msg-Id within its duplicate window.
	Duplicate bool `json:"duplicate,omitempty"`
	// NotDelivered is why the broker did not take the message (it is not
	// in the stream).
	NotDelivered string `json:"not_delivered,omitempty"`
}

// placementJSON is p, published to t, as a JSON line's fields (the
// queue's name for RabbitMQ's default exchange).
func placementJSON(p sources.Placement, t sources.Target) placementJSONLine {
	out := placementJSONLine{Stream: p.Stream, Published: !p.Unroutable && !p.Duplicate && p.NotDelivered == nil, ID: p.ID, Unroutable: p.Unroutable, Duplicate: p.Duplicate}
	if p.NotDelivered != nil {
		out.NotDelivered = p.NotDelivered.Error()
	}
	if out.Stream == "" && p.Exchange {
		out.Stream = cmp.Or(t.RoutingKey, t.Stream)
	}
	if p.Partition != sources.NoPartition {
		out.Partition = &p.Partition
	}
	if p.Offset >= 0 {
		out.Offset = &p.Offset
	}
	if p.Exchange && p.Routed >= 0 {
		out.Routed = &p.Routed
	}
	return out
}

func unroutable(placed []sources.Placement) int {
	n := 0
	for _, p := range placed {
		if p.Unroutable {
			n++
		}
	}
	return n
}
