// Package trace follows one correlation value (a correlation id, a trace
// id, or a message key) across every stream of every connection and puts
// what it finds on one timeline: which service's topic or queue saw the
// message when, and where it died.
package trace

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/schema"
)

// DefaultHeaders are the headers (and AMQP properties) a correlation value
// is looked for in, in this order.
var DefaultHeaders = []string{
	"correlation-id", "correlationId", "x-correlation-id", "X-Correlation-ID",
	"traceparent", "trace-id", "x-trace-id", "X-B3-TraceId", "uber-trace-id",
}

// Options say what to follow and where.
type Options struct {
	// Headers are the header (or AMQP property) names holding the value;
	// nil means DefaultHeaders.
	Headers []string
	// Key also matches messages whose key is the value.
	Key bool
	// Since skips messages older than this (zero: from the oldest).
	Since time.Time
	// Budget bounds how many messages are read per stream (0: no bound).
	Budget int64
	// Parallel is how many streams are read at once (0: 4).
	Parallel int
	// AcceptPeekCost reads queues where a read raises a count a limit
	// watches (a quorum queue's delivery limit, an SQS maxReceiveCount);
	// without it they are skipped and named in Result.Costly.
	AcceptPeekCost bool
	// Decoders decode schema-framed values by connection name: a value in
	// the Confluent wire format (or mapped to a local schema) whose bytes
	// hold the value is decoded, and matches when a string field of the
	// decoded JSON is the value (Hit.Via names its path: "value.orderId").
	// nil: values are not looked into.
	Decoders map[string]*schema.Decoder
}

func (o Options) headers() []string {
	if len(o.Headers) == 0 {
		return DefaultHeaders
	}
	return o.Headers
}

// Correlation finds the correlation value of a message: the first of the
// headers (or AMQP properties) it has, else its key. The trace id of a
// W3C traceparent is used, not the whole header.
func Correlation(m *sources.Message, headers []string) (name, value string, ok bool) {
	if len(headers) == 0 {
		headers = DefaultHeaders
	}
	for _, h := range headers {
		if v, found := m.Header(h); found && len(v) > 0 {
			return h, traceID(h, string(v)), true
		}
		for _, p := range m.Properties {
			if p.Name == h && p.Value != "" {
				return h, p.Value, true
			}
		}
	}
	if len(m.Key) > 0 {
		return "key", string(m.Key), true
	}
	return "", "", false
}

// traceID is the trace id of a traceparent ("00-<trace id>-<span>-01").
func traceID(header, v string) string {
	if strings.EqualFold(header, "traceparent") {
		if parts := strings.Split(v, "-"); len(parts) == 4 && len(parts[1]) == 32 {
			return parts[1]
		}
	}
	return v
}

// Hit is one message that carries the value (in a header, its key, or a
// field of its decoded value).
type Hit struct {
	Conn      string    `json:"conn"`
	Stream    string    `json:"stream"`
	Kind      string    `json:"kind,omitempty"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Timestamp time.Time `json:"timestamp"`
	Key       string    `json:"key,omitempty"`
	// Via is the header (or "key", or the decoded value's field path such
	// as "value.orderId") the value was found in.
	Via string `json:"via"`
	// Event is the value's "type" (or "event", "eventType") field when it
	// (or the document a schema decoded it to) is a JSON object.
	Event string `json:"event,omitempty"`
	// Decoded is the value as a schema decoded it (the JSON document), nil
	// when no schema did (or it could not be decoded).
	Decoded []byte `json:"-"`
	// Died is the failure when the message is a dead letter.
	Died string `json:"died,omitempty"`
	// Redriven says whose copy it is when the message is a redriven copy
	// ("Redriven copy of orders.DLT@0/17 by rd-… (hop 1)"): not a death.
	Redriven string `json:"redriven,omitempty"`
	// Message is the whole message, for the TUI to open.
	Message sources.Message `json:"-"`
}

// Result is a trace: the hits in time order and what was read.
type Result struct {
	Value   string   `json:"value"`
	Hits    []Hit    `json:"hits"`
	Streams int      `json:"streams"`
	Scanned int64    `json:"scanned"`
	Skipped []string `json:"skipped,omitempty"`
	// Costly are the queues where a read costs something, with what it
	// costs: left unread, or read when Options.AcceptPeekCost accepted it
	// (dead-letter queues only; Skipped holds the other work queues).
	Costly []Costly `json:"costly,omitempty"`
	Errors []string `json:"errors,omitempty"`
	// Unread are the ranges of streams read that could not be read (a
	// corrupt record batch): their messages were not searched.
	Unread []sources.Unread `json:"unread,omitempty"`
}

// Costly is a queue where a read costs something, and whether it was read.
type Costly struct {
	Stream string `json:"stream"`
	Cost   string `json:"cost"`
	Read   bool   `json:"read"`
	// WorkQueue marks a queue that is not a dead-letter queue: never
	// read, whatever a read costs (a peek would mark its messages
	// redelivered).
	WorkQueue bool `json:"work_queue,omitempty"`
}

// Progress is reported as streams finish.
type Progress struct {
	Done, Total int
	Scanned     int64
	Hits        int
}

// target is one stream to read.
type target struct {
	conn   sources.Conn
	reader sources.Reader
	stream sources.StreamInfo
}

// Run reads every stream of conns (Kafka topics and RabbitMQ streams in
// full, RabbitMQ dead-letter queues by a peek; other queues are skipped,
// since a peek marks their messages redelivered, and exchanges have no
// past) and returns the messages that carry value. progress (may be nil)
// is called from Run's goroutines, one call at a time.
func Run(ctx context.Context, conns []sources.Conn, value string, o Options, progress func(Progress)) (Result, error) {
	res := Result{Value: value}
	if strings.TrimSpace(value) == "" {
		return res, errors.New("trace: no value to follow")
	}
	var targets []target
	for _, c := range conns {
		l, lok := c.(sources.Lister)
		r, rok := c.(sources.Reader)
		if !lok || !rok {
			continue
		}
		streams, err := l.ListStreams(ctx)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", c.Name(), err))
			continue
		}
		for _, st := range streams {
			switch {
			case st.Tap:
			case st.PeekCost != nil:
				work := st.Queue && !st.DeadLetter
				read := o.AcceptPeekCost && !work
				res.Costly = append(res.Costly, Costly{Stream: c.Name() + "/" + st.Name, Cost: st.PeekCost.String(), Read: read, WorkQueue: work})
				if read {
					targets = append(targets, target{conn: c, reader: r, stream: st})
				}
			case st.Queue && !st.DeadLetter:
				res.Skipped = append(res.Skipped, c.Name()+"/"+st.Name)
			default:
				targets = append(targets, target{conn: c, reader: r, stream: st})
			}
		}
	}
	res.Streams = len(targets)
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
		sem  = make(chan struct{}, cmp.Or(o.Parallel, 4))
	)
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			hits, scanned, err := scan(ctx, t, value, o)
			mu.Lock()
			defer mu.Unlock()
			done++
			res.Scanned += scanned
			res.Hits = append(res.Hits, hits...)
			if inc, ok := sources.AsIncomplete(err); ok {
				res.Unread = append(res.Unread, inc.Unread...)
			} else if err != nil && ctx.Err() == nil {
				res.Errors = append(res.Errors, fmt.Sprintf("%s/%s: %v", t.conn.Name(), t.stream.Name, err))
			}
			if progress != nil {
				progress(Progress{Done: done, Total: len(targets), Scanned: res.Scanned, Hits: len(res.Hits)})
			}
		}()
	}
	wg.Wait()
	slices.SortStableFunc(res.Hits, func(a, b Hit) int {
		return cmp.Or(a.Timestamp.Compare(b.Timestamp), cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.Offset, b.Offset))
	})
	slices.Sort(res.Skipped)
	slices.SortFunc(res.Costly, func(a, b Costly) int { return cmp.Compare(a.Stream, b.Stream) })
	slices.Sort(res.Errors)
	slices.SortFunc(res.Unread, func(a, b sources.Unread) int {
		return cmp.Or(cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.From, b.From))
	})
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("trace: %w", err)
	}
	return res, nil
}

// scan reads one stream to its end and keeps the messages with the value.
func scan(ctx context.Context, t target, value string, o Options) ([]Hit, int64, error) {
	start := sources.Start{Kind: sources.StartOldest}
	if !o.Since.IsZero() && !t.stream.Queue {
		start = sources.Start{Kind: sources.StartTime, Time: o.Since}
	}
	sub, err := t.reader.Read(ctx, t.stream.Name, sources.ReadOptions{Start: start})
	if err != nil {
		return nil, 0, err
	}
	defer sub.Close()
	headers := o.headers()
	dec := o.Decoders[t.conn.Name()]
	var hits []Hit
	var scanned int64
	for o.Budget == 0 || scanned < o.Budget {
		batch, err := sub.Next(ctx, 5000)
		for i := range batch {
			scanned++
			if via, ok := carries(&batch[i], value, headers, o.Key); ok {
				hits = append(hits, hitOf(t, &batch[i], via, decoded(ctx, dec, &batch[i])))
			} else if via, doc, ok := inDecoded(ctx, dec, &batch[i], value); ok {
				hits = append(hits, hitOf(t, &batch[i], via, doc))
			}
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			return hits, scanned, nil
		}
		if err != nil {
			return hits, scanned, err
		}
	}
	return hits, scanned, nil
}

// carries reports whether a message holds the value in one of the headers
// (or AMQP properties), or as its key when key is set.
func carries(m *sources.Message, value string, headers []string, key bool) (string, bool) {
	for _, h := range headers {
		for _, mh := range m.Headers {
			if mh.Key == h && (string(mh.Value) == value || traceID(h, string(mh.Value)) == value) {
				return h, true
			}
		}
		for _, p := range m.Properties {
			if p.Name == h && p.Value == value {
				return h, true
			}
		}
	}
	if key && string(m.Key) == value {
		return "key", true
	}
	return "", false
}

// inDecoded looks for value in m's decoded value: only a schema-framed
// value (registry or local schema) whose bytes hold the value's bytes is
// decoded (Avro and Protobuf keep strings as they are). It returns the
// path of the first string field equal to value, and the document.
func inDecoded(ctx context.Context, dec *schema.Decoder, m *sources.Message, value string) (string, []byte, bool) {
	if dec == nil || !bytes.Contains(m.Value, []byte(value)) {
		return "", nil, false
	}
	c := dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	if c.Origin == schema.OriginContent {
		return "", nil, false
	}
	d := dec.Decode(ctx, c)
	if d.JSON == nil {
		return "", nil, false
	}
	var doc any
	jd := json.NewDecoder(bytes.NewReader(d.JSON))
	jd.UseNumber()
	if jd.Decode(&doc) != nil {
		return "", nil, false
	}
	if path, ok := findString(doc, "value", value); ok {
		if d.Err != nil {
			return path, nil, true // read, but not what its schema says: no document to show
		}
		return path, d.JSON, true
	}
	return "", nil, false
}

// decoded is m's value as a schema decoded it: the document, nil when
// no schema frames or maps the value (or it did not decode).
func decoded(ctx context.Context, dec *schema.Decoder, m *sources.Message) []byte {
	if dec == nil {
		return nil
	}
	c := dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	if c.Origin == schema.OriginContent {
		return nil
	}
	if d := dec.Decode(ctx, c); d.Err == nil {
		return d.JSON
	}
	return nil
}

// findString returns the path of the first string leaf equal to value
// (object fields in name order, so the answer is stable).
func findString(x any, path, value string) (string, bool) {
	switch t := x.(type) {
	case string:
		return path, t == value
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if p, ok := findString(t[k], path+"."+k, value); ok {
				return p, true
			}
		}
	case []any:
		for i, v := range t {
			if p, ok := findString(v, fmt.Sprintf("%s[%d]", path, i), value); ok {
				return p, true
			}
		}
	}
	return "", false
}

// hitOf makes the hit of m; doc is its value as a schema decoded it (nil:
// none), which the event type is read from then.
func hitOf(t target, m *sources.Message, via string, doc []byte) Hit {
	h := Hit{Conn: t.conn.Name(), Stream: m.Stream, Kind: t.stream.Kind, Partition: m.Partition, Offset: m.Offset,
		Timestamp: m.Timestamp, Key: string(m.Key), Via: via, Message: *m, Decoded: doc}
	h.Event = eventOf(h.Preview())
	if d := m.DeadLetter; d != nil {
		h.Died = dlq.FailureOf(d).String()
	}
	if r := m.Redriven; r != nil {
		h.Redriven = r.Summary()
	}
	return h
}

// Preview is what a hit's value shows: the document a schema decoded it
// to, else its bytes.
func (h *Hit) Preview() []byte {
	if h.Decoded != nil {
		return h.Decoded
	}
	return h.Message.Value
}

// eventOf reads the event type of a JSON value, "" when it has none.
func eventOf(v []byte) string {
	if len(v) == 0 || v[0] != '{' {
		return ""
	}
	var e struct {
		Type      string `json:"type"`
		Event     string `json:"event"`
		EventType string `json:"eventType"`
	}
	if json.Unmarshal(v, &e) != nil {
		return ""
	}
	return cmp.Or(e.Type, e.EventType, e.Event)
}
