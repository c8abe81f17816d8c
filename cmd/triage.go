package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/triage"
	"github.com/mqscope/mqscope/ui/render"
	"github.com/mqscope/mqscope/versions"
)

func newTriageCmd(e *env) *cobra.Command {
	var (
		f       readFlags
		by      string
		asJSON  bool
		buckets int
		accept  bool
	)
	c := &cobra.Command{
		Use:   "triage DLQ",
		Short: "Group a dead-letter topic or queue by failure, origin or consumer: counts, first/last seen, trend",
		Long: `triage reads a dead-letter stream (from --from, oldest by default, up to its
end) and groups the dead letters by failure fingerprint: the exception class
and its message with numbers, ids, uuids, times, quoted values and addresses
masked, so one kind of failure is one group. --by origin or --by consumer
groups by the stream the messages came from or the consumer group (or
connector) that failed them; --by version by the schema their values are
written with (registry id, named by subject and version with
--schema-registry; else the format). Each group has its count, share, first and last
time, a histogram over the whole range, and the --filter expression that
selects it (for export, redrive or the TUI's F). --by version also takes
the census of the stream and its origin (as mqscope schemas does; not for
a queue, whose read is a peek) and prints the comparison line:
"orders.DLT: 90% carry v3; orders: 17% v3".

A RabbitMQ queue is peeked (its messages come back marked redelivered).`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			mode, err := triage.ParseMode(by)
			if err != nil {
				return fmt.Errorf("--by: %w", err)
			}
			if buckets < 1 || buckets > 200 {
				return fmt.Errorf("--buckets %d: want 1 to 200", buckets)
			}
			opts, readers, closeConn, err := e.openRead(cmd.Context(), &f)
			if err != nil {
				return err
			}
			defer closeConn()
			if opts, err = f.positioned(cmd.Context(), readers, args[0], opts); err != nil {
				return err
			}
			sub, rd, err := openFrom(cmd.Context(), guard(readers, accept, e.stderr), args[0], opts)
			if err != nil {
				return err
			}
			dec, err := e.readerDecoder(rd)
			if err != nil {
				_ = sub.Close()
				return err
			}
			watch := watchUnread(sub)
			sub = watch
			var scan *filter.Scanner
			if f.compiled != nil {
				so := filter.ScanOptions{Budget: f.maxScan}
				if dec != nil { // json and schema read the decoded value, as in export
					so.Decoder = dec
				}
				scan = filter.NewScanner(sub, f.compiled, so)
				sub = scan
			}
			st, _ := located(cmd.Context(), rd, args[0]) // unknown: the name alone says whether it is a DLQ
			b := triage.NewBuilder(args[0]).WithDecoder(dec).ForStream(st)
			if err := b.Read(cmd.Context(), sub, nil); err != nil && cmd.Context().Err() == nil {
				return err
			}
			if scan != nil {
				if line := filter.Unevaluated(scan.Failed(), scan.Err()); line != "" {
					fmt.Fprintf(e.stderr, "mqscope: filter on %s (taken as no match): %s\n", safetext.String(args[0]), safetext.String(line))
				}
			}
			r := b.Report(mode, buckets)
			if mode == triage.ByVersion && cmd.Context().Err() == nil && !peeked(cmd.Context(), rd, args[0]) {
				rep, err := versions.Run(cmd.Context(), versions.Params{Open: rd.Read, Decoder: dec, Stream: args[0], Options: opts})
				if err != nil {
					return fmt.Errorf("the census of %s's versions: %w", safetext.String(args[0]), err)
				}
				r.Comparison = rep.Comparison
			}
			if asJSON {
				err = writeJSON(e.stdout, r)
			} else {
				err = printTriage(e.stdout, r)
			}
			if err != nil {
				return err
			}
			return watch.failure(fmt.Sprintf("the triage of %s (%s read)", safetext.String(args[0]), counted(r.Scanned, "message")), "read")
		},
	}
	f.register(c, "oldest", "jsonl")
	f.keepOldTo(c)
	_ = c.Flags().MarkHidden("format")
	_ = c.Flags().MarkHidden("template")
	c.Flags().StringVar(&by, "by", "failure", "group by failure, origin, consumer or version")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (groups with histograms, breakdowns and filters)")
	c.Flags().IntVar(&buckets, "buckets", 24, "histogram buckets over the time range")
	registerAcceptPeekCost(c, &accept)
	return c
}

// peeked reports a stream whose read is a peek (a queue), or whose kind
// the reader cannot tell: it is not read a second time for a census.
func peeked(ctx context.Context, r sources.Reader, stream string) bool {
	st, ok := located(ctx, r, stream)
	return !ok || st.Queue
}

// located is what the reader's connector says of a stream (its
// Locator); ok false when it cannot tell.
func located(ctx context.Context, r sources.Reader, stream string) (sources.StreamInfo, bool) {
	for {
		w, ok := r.(interface{ Unwrap() sources.Reader })
		if !ok {
			break
		}
		r = w.Unwrap()
	}
	l, ok := r.(sources.Locator)
	if !ok {
		return sources.StreamInfo{Name: stream}, false
	}
	st, err := l.Locate(ctx, stream)
	if err != nil {
		return sources.StreamInfo{Name: stream}, false
	}
	return st, true
}

// printTriage writes a report as a table, each group followed by its
// breakdown and the filter that selects it.
func printTriage(w io.Writer, r triage.Report) error {
	fmt.Fprintf(w, "%s: %s in %s read", safetext.String(r.Stream), counted(r.DeadLetters, "dead letter"), counted(r.Scanned, "message"))
	if !r.From.IsZero() {
		fmt.Fprintf(w, ", %s to %s", r.From.Local().Format(time.DateTime), r.To.Local().Format(time.DateTime))
	}
	fmt.Fprintf(w, ", %d groups by %s\n", len(r.Groups), r.Mode)
	if line := r.Provenance(); line != "" {
		fmt.Fprintf(w, "%s\n", safetext.String(line))
	}
	fmt.Fprintln(w)
	if r.Comparison != "" {
		defer fmt.Fprintf(w, "\n%s\n", safetext.String(r.Comparison))
	}
	if len(r.Groups) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNT\tSHARE\tFIRST\tLAST\tTREND\tGROUP")
	for _, g := range r.Groups {
		trend := make([]float64, len(g.Histogram))
		for i, n := range g.Histogram {
			trend[i] = float64(n)
		}
		name := safetext.String(g.Key)
		if r.Mode == triage.ByFailure.String() {
			name = safetext.String(g.Key) + "  " + render.Line(g.Reason(), 160)
		}
		if note := r.Note(g); note != "" {
			name += "  (" + safetext.String(note) + ")"
		}
		fmt.Fprintf(tw, "%d\t%d%%\t%s\t%s\t%s\t%s\n", g.Count, g.Count*100/max(r.DeadLetters, 1),
			stamp(g.First), stamp(g.Last), render.Sparkline(trend, len(trend)), name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, g := range r.Groups {
		fmt.Fprintf(w, "%s  %d  --filter '%s'", safetext.String(g.Key), g.Count, safetext.String(g.Filter))
		if len(g.Origins) > 0 {
			fmt.Fprintf(w, "  from %s", counts(g.Origins))
		}
		if len(g.Consumers) > 0 {
			fmt.Fprintf(w, "  by %s", counts(g.Consumers))
		}
		if note := r.Note(g); note != "" {
			fmt.Fprintf(w, "  (%s)", safetext.String(note))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func counts(cs []triage.Count) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %d", render.Sanitize(c.Name), c.Count))
	}
	return strings.Join(parts, ", ")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("01-02 15:04:05")
}
