package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/trace"
	"github.com/mqscope/mqscope/ui/render"
)

func newTraceCmd(e *env) *cobra.Command {
	var (
		o      trace.Options
		since  string
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "trace VALUE",
		Short: "Follow a correlation id (or trace id, or key) across every topic and queue: a timeline",
		Long: `trace reads every stream of every connection (Kafka topics and RabbitMQ
streams in full, RabbitMQ dead-letter queues by a peek) and prints, in time
order, the messages that carry VALUE in a correlation header or AMQP
correlation-id property (` + strings.Join(trace.DefaultHeaders, ", ") + `;
a traceparent matches by its trace id), or with --key as their key: which
service's topic or queue saw it when, and where it died.

Work queues that are not dead-letter queues are skipped: a peek would mark
their messages redelivered. So are queues where a read raises a count a
limit watches (a quorum queue's delivery limit, an SQS maxReceiveCount),
each named with what a read would cost, unless --accept-peek-cost.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if since != "" {
				st, err := sources.ParseStart("time:"+strings.TrimPrefix(since, "time:"), time.Now())
				if err != nil {
					return fmt.Errorf("--since: %w", err)
				}
				o.Since = st.Time
			}
			if o.Budget < 0 {
				return fmt.Errorf("--max-scan %d: want 0 or more", o.Budget)
			}
			if len(o.Headers) == 0 {
				o.Headers = e.flags.corrHeader
			}
			conns, err := e.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll(conns)
			for _, c := range conns {
				dec, err := e.decoder(c)
				if err != nil {
					return err
				}
				if dec != nil {
					if o.Decoders == nil {
						o.Decoders = map[string]*schema.Decoder{}
					}
					o.Decoders[c.Name()] = dec
				}
			}
			res, err := trace.Run(cmd.Context(), conns, args[0], o, nil)
			if err != nil {
				return err
			}
			for _, c := range res.Costly {
				if c.Read {
					fmt.Fprintf(e.stderr, "mqscope: read anyway (--%s): %s\n", acceptPeekCostFlag, render.Sanitize(c.Cost))
				}
			}
			if asJSON {
				err = writeJSON(e.stdout, res)
			} else {
				err = printTrace(e.stdout, res)
			}
			if err != nil || len(res.Unread) == 0 {
				return err
			}
			return &incompleteRead{what: "the trace of " + safetext.String(args[0]), verb: "searched", inc: &sources.IncompleteError{Unread: res.Unread}}
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&o.Headers, "header", nil, "header or AMQP property holding the value (repeatable; default: "+strings.Join(trace.DefaultHeaders, ", ")+")")
	fl.BoolVar(&o.Key, "key", false, "also match messages whose key is VALUE")
	fl.StringVar(&since, "since", "", "skip messages older than this: -2h, or an RFC 3339 time")
	fl.Int64Var(&o.Budget, "max-scan", 0, "read at most this many messages per stream (0: all)")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	registerAcceptPeekCost(c, &o.AcceptPeekCost)
	return c
}

// printTrace writes a trace as a timeline.
func printTrace(w io.Writer, r trace.Result) error {
	fmt.Fprintf(w, "%q: %s in %s (%s read)\n", r.Value, counted(len(r.Hits), "message"), counted(r.Streams, "stream"), counted(r.Scanned, "message"))
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d work queues (a peek would mark their messages redelivered): %s\n", len(r.Skipped), safetext.String(strings.Join(r.Skipped, ", ")))
	}
	for _, c := range r.Costly {
		switch {
		case c.Read:
		case c.WorkQueue:
			fmt.Fprintf(w, "skipped work queue %s: %s\n", render.Sanitize(c.Stream), render.Sanitize(c.Cost))
		default:
			fmt.Fprintf(w, "skipped %s: %s (--%s reads it)\n", render.Sanitize(c.Stream), render.Sanitize(c.Cost), acceptPeekCostFlag)
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "could not read %s\n", safetext.String(e))
	}
	if len(r.Hits) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\t+\tCONN\tSTREAM\tPOSITION\tVIA\tEVENT")
	first := r.Hits[0].Timestamp
	for _, h := range r.Hits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Timestamp.Local().Format("2006-01-02 15:04:05.000"), "+"+render.Elapsed(h.Timestamp.Sub(first)),
			render.Sanitize(h.Conn), render.Sanitize(h.Stream), h.Message.Where(), safetext.String(h.Via), traceEvent(h, 140))
	}
	return tw.Flush()
}

// traceEvent is a hit's EVENT: the value's event type (else a preview of
// the value, decoded where a schema decoded it), or how it died, and whose copy it is; the fields from the
// message are sanitised inside mqscope's text, on one line of at most
// width characters.
func traceEvent(h trace.Hit, width int) string {
	event := render.Sanitize(h.Event)
	if h.Event == "" {
		event = render.Preview(h.Preview(), width)
	}
	if h.Died != "" {
		event = "☠ died: " + render.Sanitize(h.Died)
	}
	if h.Redriven != "" {
		event = strings.TrimSpace(event + "  ↻ " + render.Sanitize(h.Redriven))
	}
	return render.Preview([]byte(event), width)
}
