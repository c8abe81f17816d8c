package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// exitStatus is an outcome that is no error but calls for a status of
// its own; it prints nothing more.
type exitStatus struct {
	code int
	why  string
}

func (e *exitStatus) Error() string { return e.why }

// sequenceNone asks a check for no sequence: event time only.
const sequenceNone = "none"

// checkFlags are check's own flags.
type checkFlags struct {
	idHeader, idPath, keyPath string
	sequence, sequenceHeader  string
	window, memory            string
	fpRate                    float64
	tolerance                 time.Duration
	examples                  int
	asJSON, flow, accept      bool
}

// options turns the flags into the engine's options.
func (c *checkFlags) options() (health.Options, error) {
	o := health.Options{IDHeader: c.idHeader, SequenceHeader: c.sequenceHeader, FalsePositive: c.fpRate, Tolerance: c.tolerance, Examples: c.examples}
	var err error
	if o.IDPath, err = health.ParsePath(c.idPath); err != nil {
		return o, fmt.Errorf("--id-path: %w", err)
	}
	if o.KeyPath, err = health.ParsePath(c.keyPath); err != nil {
		return o, fmt.Errorf("--key-path: %w", err)
	}
	switch {
	case c.sequence == "" && c.sequenceHeader == "":
		o.Auto = true // as the TUI's check: the sequence the messages carry, said in the output
	case c.sequence == sequenceNone:
	case c.sequence != "":
		if err := o.SetSequence(c.sequence); err != nil {
			return o, fmt.Errorf("--sequence: %w", err)
		}
	}
	if o.Window, o.WindowTime, err = health.ParseWindow(c.window); err != nil {
		return o, fmt.Errorf("--window: %w", err)
	}
	if o.Memory, err = config.ParseSize(c.memory); err != nil || o.Memory <= 0 {
		return o, fmt.Errorf("--memory %q: want a size such as 64MiB", c.memory)
	}
	if c.fpRate <= 0 || c.fpRate >= 0.5 {
		return o, fmt.Errorf("--fp-rate %v: want a rate between 0 and 0.5, such as 0.001", c.fpRate)
	}
	switch {
	case c.examples < 0:
		return o, fmt.Errorf("--examples %d: want 0 (none) or more", c.examples)
	case c.examples == 0:
		o.Examples = -1 // none
	}
	if c.tolerance < 0 {
		return o, fmt.Errorf("--tolerance %v: want 0 or more", c.tolerance)
	}
	if c.tolerance == 0 {
		o.Tolerance = -1 // none
	}
	switch {
	case c.examples < 0:
		return o, fmt.Errorf("--examples %d: want 0 or more", c.examples)
	case c.examples == 0:
		o.Examples = -1 // none
	}
	return o, nil
}

func newCheckCmd(e *env) *cobra.Command {
	var (
		f  readFlags
		cf checkFlags
	)
	c := &cobra.Command{
		Use:   "check STREAM",
		Short: "Is this flow healthy? Duplicates, ordering, split keys, sequence gaps and consumer lag",
		Long: `check reads a stream once (from --from, oldest by default, up to its end or
--until: no consumer group, no commit; a RabbitMQ queue is peeked) and reports:

  duplicates  a message whose identity was already seen in the scan; N
              duplicates are N extra copies. Identity: --id-header or --id-path
              (compared as JSON values: 1 and 1.0 are one, 1 and "1" are not;
              an empty or null id is lacking), else the publisher's id (AMQP
              message-id, SQS MessageDeduplicationId), else a hash of key and
              value. Kinds: retry (within 5 messages of the first copy in one
              partition), re-publish (further apart), redrive (the copy
              carries any x-mqscope-redrive-* header, or another tool's
              redrive or dead-letter provenance). A duplicate is not also an
              ordering finding; its sequence number counts as seen for gaps.
  ordering    per entity (the key, or --key-path; a RabbitMQ queue or a Redis
              stream as a whole, an SQS FIFO queue's message group) within a
              partition, a sequence lower than the highest seen; without one,
              event time going back by more than --tolerance. The sequence is
              found in the messages by default (the headers sequence, seq,
              event-sequence, x-sequence, the fields seq, sequence,
              sequenceNumber, eventSequence), or --sequence json.PATH, or
              --sequence none for event time only.
  split keys  an entity whose distinct messages (duplicates left out) are in
              more than one partition.
  gaps        sequence numbers between an entity's lowest and highest never
              seen (counted at the end: a late message is no gap); a hole of
              more than 1,000,000 numbers is one suspicious jump.
  flow        consumer groups' lag now, and the retry chain (orders,
              orders-retry-0, orders-dlt) with what each hop holds and
              received over the scan's span; the main stream's produce rate
              and the dead letters' inflow per minute over the scan, by the
              messages' own timestamps; lag (a queue: depth, consumers, in
              flight) sampled every second while the check runs, since
              brokers keep no history of committed offsets.

Identities are held exactly over --window (default: the whole scan, up to
--memory), older ones in a Bloom filter sized for --fp-rate: the output
says when it switched and the rate.

A RabbitMQ exchange (a tap: no history) is refused. A reversed range and
--from newest are errors.

Exit status: 0 healthy (every message asked for read, nothing found);
3 something found (in a partial read too); 4 nothing found but the check is
incomplete: a partial read (a queue larger than one peek holds, a record batch
that could not be read: the report and stderr say which offsets) or no
message read at all; 130 interrupted (the report of what was read is printed first);
1 an error (a write error on stdout too, but a reader that went away keeps
the status above). --json has verdict (healthy, findings, partial,
nothing_checked, interrupted), findings (the total) and complete.`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := cf.options()
			if err != nil {
				return err
			}
			rep, unread, err := e.check(cmd.Context(), &f, &cf, o, args[0])
			if err != nil {
				return interruptedOr(cmd.Context(), e.stderr, err)
			}
			rep.Conclude()
			if cf.asJSON {
				if rep.Flow != nil && rep.Flow.Groups == nil {
					rep.Flow.Groups = []health.GroupLag{} // [] in JSON
				}
				err = writeJSON(e.stdout, rep)
			} else {
				err = printCheck(e.stdout, rep)
			}
			if unread != nil { // the report says it too, as partial
				fmt.Fprintln(e.stderr, "mqscope: "+oneLine((&incompleteRead{what: "the check of " + args[0], verb: "checked", inc: unread}).Error()))
			}
			return checkExit(rep, err)
		},
	}
	f.register(c, "oldest", "jsonl")
	for _, name := range []string{"format", "template", "limit"} {
		_ = c.Flags().MarkHidden(name)
	}
	fl := c.Flags()
	fl.StringVar(&cf.idHeader, "id-header", "", "the header that names a message's identity (as event-id)")
	fl.StringVar(&cf.idPath, "id-path", "", "the field of the value that names a message's identity (json.eventId; decoded Avro and Protobuf too)")
	fl.StringVar(&cf.keyPath, "key-path", "", "the field of the value that names the entity order is checked per (json.orderId; default: the key)")
	fl.StringVar(&cf.sequence, "sequence", "", "the field of the value that numbers an entity's events (json.seq), or none for event time only; default: auto, the first of the headers sequence, seq, event-sequence, x-sequence and the fields seq, sequence, sequenceNumber, eventSequence a message carries")
	fl.StringVar(&cf.sequenceHeader, "sequence-header", "", "the header that numbers an entity's events")
	fl.StringVar(&cf.window, "window", "", "hold identities exactly over at least this many messages (100000, 1M) or this much event time (10m); default: the whole scan, up to --memory")
	fl.StringVar(&cf.memory, "memory", "64MiB", "the memory identities held exactly may take; older ones go to a Bloom filter")
	fl.Float64Var(&cf.fpRate, "fp-rate", health.DefaultFalsePositive, "the false-positive rate the Bloom filter is sized for")
	fl.DurationVar(&cf.tolerance, "tolerance", health.DefaultTolerance, "how far event time may go back within an entity (checks without a sequence)")
	fl.IntVar(&cf.examples, "examples", health.DefaultExamples, "examples per finding, and top entities (0: none; the text says how many more there are, the JSON has each total)")
	fl.BoolVar(&cf.asJSON, "json", false, "print JSON (every finding with its definition and examples, offenders, memory, flow)")
	fl.BoolVar(&cf.flow, "flow", true, "report consumer lag and the retry chain (--flow=false: the stream only)")
	registerAcceptPeekCost(c, &cf.accept)
	return c
}

// check reads the stream through the engine and adds the flow. What the
// read could not deliver is marked partial in the report and returned
// (nil: the read was whole).
func (e *env) check(ctx context.Context, f *readFlags, cf *checkFlags, o health.Options, stream string) (health.Report, *sources.IncompleteError, error) {
	opts, readers, closeConn, err := e.openRead(ctx, f)
	if err != nil {
		return health.Report{}, nil, err
	}
	defer closeConn()
	info, located := locateStream(ctx, readers, stream)
	if err := refuseTap(info); located && err != nil {
		return health.Report{}, nil, err
	}
	o.SparsePositions = info.SparsePositions
	// counted before the read: a broker busy with the read's fetches
	// would answer late
	for _, r := range readers {
		if l, ok := connOf(r).(sources.Lister); ok && o.Expected == 0 {
			o.Expected = expected(ctx, l, stream)
		}
	}
	// as an export, the read turns its heap over every few milliseconds:
	// collected less often it costs a quarter less CPU
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(exportGCPercent))
	}
	if opts, err = f.positioned(ctx, readers, stream, opts); err != nil {
		return health.Report{}, nil, err
	}
	if err := checkRange(opts); err != nil {
		return health.Report{}, nil, err
	}
	sub, rd, err := openFrom(ctx, guard(readers, cf.accept, e.stderr), stream, opts)
	if err != nil {
		return health.Report{}, nil, err
	}
	if f.decode {
		if o.Decoder, err = e.readerDecoder(rd); err != nil {
			_ = sub.Close()
			return health.Report{}, nil, err
		}
	}
	conn, depth := connOf(rd), queueDepth(sub)
	watch := watchUnread(sub)
	sub = watch
	o.WithConn(rd)
	o.Positions = info.Positions
	if f.compiled != nil {
		so := filter.ScanOptions{Budget: f.maxScan}
		if o.Decoder != nil {
			so.Decoder = o.Decoder
		}
		sub = filter.NewScanner(sub, f.compiled, so)
	}
	b, err := health.NewBuilder(stream, o)
	if err != nil {
		_ = sub.Close()
		return health.Report{}, nil, err
	}
	var sampling *flowSampling
	if cf.flow && conn != nil {
		sampling = startSampling(ctx, conn, stream)
		defer sampling.cancel()
	}
	limitHeap(b)
	if err := b.Read(ctx, sub, limitHeap); err != nil && ctx.Err() == nil {
		return health.Report{}, nil, err
	}
	rep := b.Report()
	if ctx.Err() != nil {
		rep.MarkInterrupted(health.InterruptedRead)
		return rep, nil, nil
	}
	markCapped(&rep, info, opts.Start, depth)
	if watch.inc != nil {
		for _, u := range watch.inc.Unread {
			rep.MarkPartial(u.Describe("checked"))
		}
	}
	if sampling != nil {
		samples := sampling.stop(ctx)
		var fl *health.Flow
		err := ctx.Err() // interrupted while sampling: the sampler may still be busy
		if err == nil {
			scanned := rep // the flow reads a copy: an interrupted flow may still be reading it
			fl, err = untilInterrupted(ctx, func() (*health.Flow, error) { return sampling.s.Flow(ctx, &scanned) })
		}
		switch {
		case ctx.Err() != nil:
			rep.MarkInterrupted(health.InterruptedFlow)
			fl = nil
		case err != nil:
			fmt.Fprintf(e.stderr, "mqscope: flow: %s\n", oneLine(err.Error()))
		case err == nil:
			fl.WithSamples(samples)
		}
		rep.Flow = fl
	}
	return rep, watch.inc, nil
}

// checkHeapRoom is the heap a check may turn over beyond its own state
// before the collector runs: about what an export's heap goal gives it.
const checkHeapRoom = 192 << 20

// limitHeap bounds the heap at the check's own state (which only grows)
// and checkHeapRoom, unless GOMEMLIMIT says otherwise: a heap goal in
// proportion to the live heap would hold two or three times the tables.
func limitHeap(b *health.Builder) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(b.HeldBytes() + checkHeapRoom)
	}
}

// connOf is the connection behind a reader (nil: none).
func connOf(r sources.Reader) sources.Conn {
	for {
		if c, ok := r.(sources.Conn); ok {
			return c
		}
		w, ok := r.(interface{ Unwrap() sources.Reader })
		if !ok {
			return nil
		}
		r = w.Unwrap()
	}
}

// expected is how many messages stream holds (0: not known).
func expected(ctx context.Context, l sources.Lister, stream string) int64 {
	streams, err := l.ListStreams(ctx)
	if err != nil {
		return 0
	}
	for _, st := range streams {
		if st.Name == stream {
			return st.Messages
		}
	}
	return 0
}

// printCheck writes a report: the counts, each finding's definition and
// examples, the top offenders, memory and flow.
func printCheck(out io.Writer, r health.Report) error {
	sw := &stickyWriter{w: out}
	writeCheck(sw, r)
	return sw.err
}

// writeCheck writes a report to w, which remembers the first error.
func writeCheck(w io.Writer, r health.Report) {
	if r.Verdict == health.VerdictInterrupted {
		fmt.Fprintf(w, "interrupted after %s messages: what was read so far (partial)\n", digits(r.Scanned))
	}
	fmt.Fprintf(w, "%s: %s read", safetext.String(r.Stream), countedDigits(r.Scanned, "message"))
	if !r.From.IsZero() {
		fmt.Fprintf(w, ", %s to %s", stampFull(r.From), stampFull(r.To))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "identity: %s; entity: %s; sequence: %s\n", safetext.String(r.Identity), safetext.String(r.Entity), safetext.String(r.Sequence))
	writeLacking(w, r)
	for _, why := range r.Partial {
		fmt.Fprintf(w, "  partial: %s\n", safetext.String(why))
	}
	fmt.Fprintln(w, memoryLine(r.Memory))
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FINDING\tCOUNT\t")
	d, o := r.Duplicates, r.Ordering
	dupDetail := fmt.Sprintf("retry %d, re-publish %d, redrive %d", d.Retry, d.Republish, d.Redrive)
	fmt.Fprintf(tw, "duplicates\t%d\t%s\n", d.Count, dupDetail)
	if !r.Memory.Exact {
		counted := "within what false positives explain: not findings"
		if d.PossibleCounted {
			counted = "more than false positives explain: findings"
		}
		fmt.Fprintf(tw, "possible duplicates\t%d\tbeyond the window, only the Bloom filter recognises them; %.1f false positives expected at its fill (%s)\n", d.Possible, d.ExpectedFalse, counted)
	}
	fmt.Fprintf(tw, "ordering\t%d\tby sequence %d, by event time %d (tolerance %s)\n", o.Count, o.BySequence, o.ByTime, o.Tolerance)
	fmt.Fprintf(tw, "split keys\t%d\tentities in more than one partition\n", r.SplitKeys.Count)
	gapDetail := fmt.Sprintf("sequence numbers missing over %d entities (jumps not among them)", r.Gaps.Entities)
	if r.Gaps.UpperBound {
		gapDetail += " (at most: some entity had too many runs to keep)"
	}
	fmt.Fprintf(tw, "gaps\t%d\t%s\n", r.Gaps.Count, gapDetail)
	if r.Gaps.Jumps > 0 {
		fmt.Fprintf(tw, "suspicious jumps\t%d\tholes of more than %s numbers, one finding each\n", r.Gaps.Jumps, digits(health.JumpSize))
	}
	_ = tw.Flush() // w remembers the error
	writeSections(w, r)
	if r.Flow != nil {
		printFlow(w, r.Flow)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, verdictLine(r))
}

// memoryLine says how identities were held.
func memoryLine(m health.Memory) string {
	if m.Exact {
		return fmt.Sprintf("memory: every identity held exactly over %s (%s held, budget %s); %s entities", m.Window, digits(m.Held), sources.SizeText(int(m.Budget)), digits(m.Entities))
	}
	return fmt.Sprintf("memory: identities held exactly over %s; after message %s (%s) older ones in a Bloom filter of %s (%s identities) sized for a false-positive rate of %s, %s at its fill now; %s entities",
		m.Window, digits(m.SwitchedAt), m.Reason, sources.SizeText(int(m.BloomBytes)), digits(m.BloomIdentities), rate(m.FalsePositive), rate(m.Estimated), digits(m.Entities))
}

func rate(p float64) string { return strconv.FormatFloat(p*100, 'g', 3, 64) + "%" }

func entityText(s string) string {
	if s == "" {
		return "(no entity)"
	}
	return safetext.String(s)
}

// digits groups a count's thousands: 1,234,567.
func digits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
