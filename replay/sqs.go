package replay

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/sqs"
)

const (
	// sqsMaxMessage is SQS's limit on a message: body and attributes.
	sqsMaxMessage = 256 << 10
	// sqsMaxAttributes is SQS's limit on message attributes.
	sqsMaxAttributes = 10
	// sqsHold is how long the messages a redrive received stay hidden.
	sqsHold = 120
)

// RedriveSQS moves messages out of an SQS dead-letter queue: receive,
// SendMessageBatch to the target (attributes, FIFO group and dedup ids
// kept), journal, and delete only what was sent. Batches stay under SQS's
// 256 KiB; a message that cannot be sent (too large with the provenance
// attributes, more than 10 attributes) stays in the DLQ and is reported.
// The run takes at most the messages the queue held when it started and
// stops when a message comes round again. With all, every message is
// taken; otherwise only those of the plan (by Fingerprint), the others
// are made visible again at the end.
func RedriveSQS(ctx context.Context, c *sqs.Conn, p *Plan, all bool, o RunOptions) (res Result, err error) {
	defer func() { _ = o.Audit.Write(summary("redrive", p.ID, c.Name(), p.Source, targetsOf(p, res), res, err)) }()
	return redriveSQS(ctx, c, p, all, o)
}

// sqsPending is a message received and planned, waiting to be sent.
type sqsPending struct {
	raw types.Message
	msg sources.Message
	it  Item
	fp  string
}

func redriveSQS(ctx context.Context, c *sqs.Conn, p *Plan, all bool, o RunOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	selected := map[string]bool{}
	for _, it := range p.Items {
		selected[Fingerprint(it.Msg)] = true
	}
	dlqURL, err := c.QueueURL(ctx, p.Source)
	if err != nil {
		return res, err
	}
	total, err := c.Depth(ctx, p.Source)
	if err != nil {
		return res, err
	}
	res.Total = total
	if !all {
		res.Total = len(p.Items)
	}
	origin := ""
	if srcs, err := c.DeadLetterSources(ctx, p.Source); err == nil && len(srcs) == 1 {
		origin = srcs[0]
	}
	var held []types.Message
	defer func() { c.Release(dlqURL, held) }()
	seen := map[string]bool{}
	lim := newLimiter(o.Rate)
	taken, empty, seq := 0, 0, int64(0)
	batchSize := min(o.batch(), 10)
	for taken < total+res.Returned && empty < 2 && !res.Stop.Early() {
		if !o.Guard.Wait(ctx) || ctx.Err() != nil {
			res.Stop = o.Guard.stopOr(Cancelled, "")
			break
		}
		out, err := c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: int32(min(batchSize, total-taken)), VisibilityTimeout: sqsHold, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if ctx.Err() != nil {
				res.stopped(Cancelled, "")
				break
			}
			return res, fmt.Errorf("redrive %s: receive: %w", p.ID, err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		empty = 0
		var send []sqsPending
		for _, raw := range out.Messages {
			taken++
			m := sqs.Convert(c.Name(), p.Source, seq, raw, origin)
			seq++
			fp := Fingerprint(m)
			id := aws.ToString(raw.MessageId)
			switch v, redriven := m.Header(HeaderID); {
			case seen[id]:
				res.stopped(CameRound, "")
				held = append(held, raw)
				continue
			case redriven && string(v) == p.ID:
				res.Returned++ // redriven by this run and dead again: left in place, and the breaker hears of it
				o.Guard.Returned(1)
				held = append(held, raw)
				continue
			case !all && !selected[fp]:
				held = append(held, raw)
				continue
			}
			seen[id] = true
			if o.Journal != nil && o.Journal.HasFingerprint(fp) { // sent by an earlier run whose delete was lost
				if err := c.DeleteMessages(ctx, dlqURL, []types.Message{raw}); err != nil {
					return res, fmt.Errorf("redrive %s: %w", p.ID, err)
				}
				res.Duplicates++
				continue
			}
			it := p.Decide(m)
			if it.Action == Unresolved || it.Action == Park && p.opts.ParkTo == "" {
				held = append(held, raw)
				if it.Action == Park {
					res.Parked++
				} else {
					res.Skipped++
				}
				continue
			}
			if err := lim.wait(ctx); err != nil {
				held = append(held, raw)
				continue
			}
			send = append(send, sqsPending{raw: raw, msg: m, it: it, fp: fp})
		}
		failed, err := sendSQS(ctx, c, p, o, dlqURL, send, &res)
		held = append(held, failed...)
		if err != nil {
			return res, err
		}
		res.Elapsed = time.Since(start)
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
	}
	res.Elapsed = time.Since(start)
	if !res.Stop.Complete() {
		return res, nil
	}
	c.Release(dlqURL, held) // this run's own are visible again before the DLQ is asked what is in flight
	held = nil
	if err := checkInFlight(ctx, c, p, &res); err != nil {
		return res, err
	}
	return res, nil
}

// checkInFlight ends a run that took everything it could see (finished,
// or a message came round) with a HeldByOthers stop when the DLQ still
// has messages in flight: received by another consumer, or by a run that
// was stopped (their copies may be in the target; a resume then tells),
// so they come back later.
func checkInFlight(ctx context.Context, c *sqs.Conn, p *Plan, res *Result) error {
	n, visibility, err := c.InFlight(ctx, p.Source)
	if err != nil {
		return fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	if n == 0 {
		return nil
	}
	res.Stop = Stop{Reason: HeldByOthers, Detail: fmt.Sprintf("%d messages of %s are in flight (received by another consumer or by a run that was stopped): they come back after their visibility timeout (%s; %s for a stopped redrive); run again then",
		n, p.Source, visibility, time.Duration(sqsHold)*time.Second)} // over a message come round: the run is complete only once those are back
	return nil
}

// sendSQS sends planned messages to their targets in batches under the
// limits, journals and deletes what was sent; it returns the received
// messages that stay (failures).
func sendSQS(ctx context.Context, c *sqs.Conn, p *Plan, o RunOptions, dlqURL string, send []sqsPending, res *Result) ([]types.Message, error) {
	var stay []types.Message
	fail := func(pd sqsPending, why string) {
		stay = append(stay, pd.raw)
		res.Failed++
		res.Failures = append(res.Failures, Failure{Position: aws.ToString(pd.raw.MessageId), Err: why})
	}
	byTarget := map[string][]sqsPending{}
	var order []string
	for _, pd := range send {
		t := pd.it.Target.Stream
		if _, ok := byTarget[t]; !ok {
			order = append(order, t)
		}
		byTarget[t] = append(byTarget[t], pd)
	}
	for _, target := range order {
		url, err := c.QueueURL(ctx, target)
		if err != nil {
			for _, pd := range byTarget[target] {
				fail(pd, "target: "+err.Error())
			}
			continue
		}
		fifo := len(target) > 5 && target[len(target)-5:] == ".fifo"
		var chunk []sqsPending
		var entries []types.SendMessageBatchRequestEntry
		size := 0
		flush := func() error {
			if len(entries) == 0 {
				return nil
			}
			out, err := c.Client().SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err != nil {
				return fmt.Errorf("redrive %s: send to %s: %w (what was not sent stays in %s)", p.ID, target, err, p.Source)
			}
			bad := map[string]string{}
			for _, f := range out.Failed {
				bad[aws.ToString(f.Id)] = aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
			}
			var sent []sqsPending
			for i, pd := range chunk {
				if why, ok := bad[strconv.Itoa(i)]; ok {
					fail(pd, why)
					continue
				}
				sent = append(sent, pd)
			}
			if err := recordSent(ctx, c, p, o, dlqURL, sent, res); err != nil {
				return err
			}
			chunk, entries, size = nil, nil, 0
			return nil
		}
		for _, pd := range byTarget[target] {
			e, n, why := sqsEntry(pd, len(entries), fifo)
			if why != "" {
				fail(pd, why)
				continue
			}
			if len(entries) == 10 || size+n > sqsMaxMessage {
				if err := flush(); err != nil {
					return stay, err
				}
				e.Id = aws.String("0")
			}
			chunk, entries, size = append(chunk, pd), append(entries, e), size+n
		}
		if err := flush(); err != nil {
			return stay, err
		}
	}
	return stay, nil
}

// sqsEntry builds one batch entry; it returns its size, or why it cannot
// be sent.
func sqsEntry(pd sqsPending, idx int, fifo bool) (types.SendMessageBatchRequestEntry, int, string) {
	body := pd.it.Value()
	if !utf8.Valid(body) {
		return types.SendMessageBatchRequestEntry{}, 0, "the body is not valid UTF-8: SQS cannot carry it"
	}
	e := types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(idx)), MessageBody: aws.String(string(body)), MessageAttributes: map[string]types.MessageAttributeValue{}}
	size := len(body)
	for _, h := range pd.it.Headers {
		typ := sqs.AttributeType(&pd.msg, h.Key)
		v := types.MessageAttributeValue{DataType: aws.String(typ)}
		if typ == "Binary" || len(typ) > 7 && typ[:7] == "Binary." {
			v.BinaryValue = h.Value
		} else {
			v.StringValue = aws.String(string(h.Value))
		}
		e.MessageAttributes[h.Key] = v
		size += len(h.Key) + len(typ) + len(h.Value)
	}
	if len(e.MessageAttributes) > sqsMaxAttributes {
		return e, 0, fmt.Sprintf("%d message attributes with the redrive's provenance: SQS allows %d (drop some with --drop-header)", len(e.MessageAttributes), sqsMaxAttributes)
	}
	if size > sqsMaxMessage {
		return e, 0, fmt.Sprintf("%d bytes with the redrive's provenance attributes: over SQS's 256 KiB", size)
	}
	if fifo {
		attrs := pd.raw.Attributes
		group := cmp.Or(attrs["MessageGroupId"], "mqscope-redrive")
		e.MessageGroupId = aws.String(group)
		e.MessageDeduplicationId = aws.String(cmp.Or(attrs["MessageDeduplicationId"], aws.ToString(pd.raw.MessageId)))
	}
	return e, size, ""
}

// recordSent journals what SQS accepted, then deletes it from the DLQ, and
// writes the audit lines.
func recordSent(ctx context.Context, c *sqs.Conn, p *Plan, o RunOptions, dlqURL string, sent []sqsPending, res *Result) error {
	if len(sent) == 0 {
		return nil
	}
	now := time.Now()
	entries := make([]JournalEntry, len(sent))
	audit := make([]AuditRecord, len(sent))
	raws := make([]types.Message, len(sent))
	for i, pd := range sent {
		pos := aws.ToString(pd.raw.MessageId)
		entries[i] = JournalEntry{ID: p.ID, Source: p.Source, Position: pos, Target: pd.it.Target.String(), Fingerprint: pd.fp, Time: now}
		audit[i] = AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: c.Name(), Source: p.Source, Position: pos,
			Target: pd.it.Target.String(), MessageID: pos, Edited: pd.it.Edit != nil, Result: "sent"}
		raws[i] = pd.raw
	}
	if o.Journal != nil { // journal before the delete: a crash in between is caught on resume
		if err := o.Journal.Add(entries...); err != nil {
			return err
		}
	}
	if err := c.DeleteMessages(ctx, dlqURL, raws); err != nil {
		return fmt.Errorf("redrive %s: sent, journaled, but not deleted from %s (a resume deletes them): %w", p.ID, p.Source, err)
	}
	for _, pd := range sent {
		if pd.it.Action == Park {
			res.Parked++
		} else {
			res.Done++
		}
		res.PerTarget[pd.it.Target.String()]++
	}
	o.Guard.Sent(len(sent))
	return o.Audit.Write(audit...)
}

// sqsSink writes a capture to a queue.
type sqsSink struct {
	c     *sqs.Conn
	queue string
	url   string
}

// NewSQSSink writes to an SQS queue (SendMessageBatch, attributes as the
// capture's headers, String where the type is not known).
func NewSQSSink(ctx context.Context, c *sqs.Conn, queue string) (Sink, error) {
	u, err := c.QueueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	return &sqsSink{c: c, queue: queue, url: u}, nil
}

func (s *sqsSink) Write(ctx context.Context, msgs []sources.Message) error {
	fifo := len(s.queue) > 5 && s.queue[len(s.queue)-5:] == ".fifo"
	for start := 0; start < len(msgs); {
		var entries []types.SendMessageBatchRequestEntry
		size := 0
		for start < len(msgs) && len(entries) < 10 {
			m := msgs[start]
			e, n, why := sqsEntry(sqsPending{msg: m, it: Item{Msg: m, Headers: m.Headers}, raw: types.Message{MessageId: aws.String(m.ID)}}, len(entries), fifo)
			if why != "" {
				return fmt.Errorf("message %d (%s): %s", start+1, m.ID, why)
			}
			if len(entries) > 0 && size+n > sqsMaxMessage {
				break
			}
			entries, size = append(entries, e), size+n
			start++
		}
		out, err := s.c.Client().SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(s.url), Entries: entries})
		if err != nil {
			return fmt.Errorf("send to %s: %w", s.queue, err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("send to %s: %d refused, first: %s %s", s.queue, len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return nil
}

func (s *sqsSink) Close() error { return nil }
