package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

func newSchemasCmd(e *env) *cobra.Command {
	var (
		f      readFlags
		asJSON bool
		accept bool
	)
	c := &cobra.Command{
		Use:   "schemas STREAM",
		Short: "Which schema versions a stream's values carry: count, share, first/last seen, partitions, compatibility",
		Long: `schemas reads a stream (from --from, oldest by default, up to its end or
--until; --max-scan bounds it) and counts its values per schema: subject,
version, registry id and format, with their share, first and last time,
partitions, and the compatibility of each version with the subject's latest
(the registry's compatibility check). Values are classified by their framing
(the Confluent wire format's id), not decoded.

For a dead-letter stream it takes the same census of the origin stream the
dead letters name, over the time their originals were written, and compares
them: "payments.avro.DLT: 90% carry v3; payments.avro: 17% v3". A stream
whose dead letters name no origin (no provenance headers) but whose name
does (orders.DLT, orders-dlq, orders.dead-letter: orders) is compared with
that stream over the time its own messages were written.

An id whose subject version was soft-deleted in the registry is named from
the registry's deleted versions and marked (deleted); an id whose schema
does not compile, or whose values do not decode, is still named by its
subject and version, with the failure.`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			budget := f.maxScan
			f.maxScan = 0 // --max-scan bounds the census here, not a filter
			opts, readers, closeConn, err := e.openRead(cmd.Context(), &f)
			if err != nil {
				return err
			}
			defer closeConn()
			if opts, err = f.positioned(cmd.Context(), readers, args[0], opts); err != nil {
				return err
			}
			readers = guard(readers, accept, e.stderr)
			open, dec, err := e.openerFor(cmd.Context(), readers, args[0], opts)
			if err != nil {
				return err
			}
			var watched unreadWatches
			rep, err := versions.Run(cmd.Context(), versions.Params{Open: watched.opener(open), Decoder: dec, Stream: args[0], Options: opts, Budget: budget})
			if err != nil {
				return err
			}
			if asJSON {
				err = writeJSON(e.stdout, rep)
			} else {
				err = printCensus(e.stdout, rep)
			}
			if err != nil {
				return err
			}
			return watched.failure("the census of "+safetext.String(args[0]), "read")
		},
	}
	f.register(c, "oldest", "jsonl")
	for _, name := range []string{"format", "template", "filter", "limit", "retry"} {
		_ = c.Flags().MarkHidden(name)
	}
	c.Flags().Lookup("max-scan").Usage = "stop each census after reading this many messages (0: no limit)"
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (every schema of the stream and of its origin, with compatibility)")
	registerAcceptPeekCost(c, &accept)
	return c
}

// openerFor finds the connection that has stream (a read of it opened and
// closed) and returns its reads and its schema decoder (nil: none).
func (e *env) openerFor(ctx context.Context, readers []sources.Reader, stream string, opts sources.ReadOptions) (versions.Opener, *schema.Decoder, error) {
	sub, r, err := openFrom(ctx, readers, stream, opts)
	if err != nil {
		return nil, nil, err
	}
	_ = sub.Close()
	dec, err := e.readerDecoder(r)
	return r.Read, dec, err
}

// openFrom opens stream on the first reader that has it, and names it.
func openFrom(ctx context.Context, readers []sources.Reader, stream string, opts sources.ReadOptions) (sources.Subscription, sources.Reader, error) {
	var unknown error
	for _, r := range readers {
		sub, err := r.Read(ctx, stream, opts)
		if err == nil {
			return sub, r, nil
		}
		if !errors.Is(err, sources.ErrUnknownStream) {
			return nil, nil, err
		}
		if unknown == nil {
			unknown = err
		}
	}
	return nil, nil, unknown
}

// readerDecoder is the schema decoder of the connection behind a reader
// (nil: none).
func (e *env) readerDecoder(r sources.Reader) (*schema.Decoder, error) {
	for {
		w, ok := r.(interface{ Unwrap() sources.Reader })
		if !ok {
			break
		}
		r = w.Unwrap() // a reader guarded for its peek costs
	}
	conn, ok := r.(sources.Conn)
	if !ok {
		return nil, nil
	}
	return e.decoder(conn)
}

// printCensus writes a census as a table, the origin's after it, and the
// comparison line.
func printCensus(w io.Writer, r versions.Report) error {
	if err := printOneCensus(w, r.Census, r.DeadLetters); err != nil {
		return err
	}
	if r.Origin != nil {
		by := ""
		if r.OriginByName {
			by = " (by the stream's name, over the dead letters' span)"
		}
		fmt.Fprintf(w, "\norigin%s, %s to %s:\n", by, stampFull(r.OriginFrom), stampFull(r.OriginTo))
		if err := printOneCensus(w, *r.Origin, 0); err != nil {
			return err
		}
	}
	if r.Comparison != "" {
		fmt.Fprintf(w, "\n%s\n", safetext.String(r.Comparison))
	}
	return nil
}

func printOneCensus(w io.Writer, c versions.Census, dead int64) error {
	fmt.Fprintf(w, "%s: %s read", safetext.String(c.Stream), counted(c.Scanned, "message"))
	if dead > 0 {
		fmt.Fprintf(w, " (%d dead letters)", dead)
	}
	if !c.From.IsZero() {
		fmt.Fprintf(w, ", %s to %s", stampFull(c.From), stampFull(c.To))
	}
	if c.Budget {
		fmt.Fprint(w, ", stopped at --max-scan")
	}
	fmt.Fprintf(w, ", %d schemas\n", len(c.Rows))
	if len(c.Rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNT\tSHARE\tSUBJECT\tVERSION\tID\tFORMAT\tFIRST\tLAST\tPARTITIONS\tCOMPATIBILITY")
	for _, r := range c.Rows {
		subject, version, id := "—", "—", "—"
		if r.Subject != "" {
			subject, version = safetext.String(r.Subject), "v"+strconv.Itoa(r.Version)+r.DeletedMark()
		}
		if r.Framed || r.ID > 0 {
			id = strconv.Itoa(r.ID)
		}
		compat := r.Compat()
		switch {
		case r.Err != "":
			compat = oneLine(r.Err)
		case len(r.Incompatibilities) > 0:
			compat += ": " + oneLine(strings.Join(r.Incompatibilities, "; "))
		}
		if r.Err == "" && len(r.Subjects) > 0 {
			if r.Subject == "" {
				compat = oneLine(r.Note())
			} else {
				compat = oneLine(r.Note()) + "; " + compat
			}
		}
		fmt.Fprintf(tw, "%d\t%d%%\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Count, versions.Percent(r.Share), subject, version, id, r.Format,
			stamp(r.First), stamp(r.Last), partitionList(r.Partitions), compat)
	}
	return tw.Flush()
}

func partitionList(ps []int32) string {
	if len(ps) == 0 {
		return "—"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}

func stampFull(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format(time.DateTime)
}
