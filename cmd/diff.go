package cmd

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

func newDiffCmd(e *env) *cobra.Command {
	var only, asJSON bool
	c := &cobra.Command{
		Use:   "diff STREAM POSITION [STREAM POSITION]",
		Short: "Compare two messages field by field, or a message with its redriven copy",
		Long: `diff reads two messages (POSITION is partition/offset, or a sequence number on
a stream without partitions) and compares them field by field: stream and
position, key, headers, AMQP properties, and the value, JSON field by JSON
field (text line by line). Given one message, it compares a redriven message
with the dead letter it came from, or a dead letter with its redriven copy
(found in its origin topic).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 && len(args) != 4 {
				return fmt.Errorf("want STREAM POSITION, or two of them; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			conns, err := e.connect(ctx)
			if err != nil {
				return err
			}
			defer closeAll(conns)
			var readers []sources.Reader
			for _, c := range conns {
				if r, ok := c.(sources.Reader); ok {
					readers = append(readers, r)
				}
			}
			fetch := func(stream, pos string) (sources.Message, sources.Reader, error) {
				p, o, err := replay.ParsePosition(pos)
				if err != nil {
					return sources.Message{}, nil, err
				}
				var last error
				for _, r := range readers {
					m, err := sources.FetchAt(ctx, r, stream, p, o)
					if err == nil {
						return m, r, nil
					}
					last = err
				}
				return sources.Message{}, nil, last
			}
			a, r, err := fetch(args[0], args[1])
			if err != nil {
				return err
			}
			var b sources.Message
			rb := r
			if len(args) == 4 {
				if b, rb, err = fetch(args[2], args[3]); err != nil {
					return err
				}
			} else if a, b, err = replay.OtherCopy(ctx, r, a); err != nil {
				return fmt.Errorf("diff: %w", err)
			}
			decA, err := e.readerDecoder(r)
			if err != nil {
				return err
			}
			decB, err := e.readerDecoder(rb)
			if err != nil {
				return err
			}
			rows := msgdiff.MessagesDecoded(&a, &b, msgdiff.Decode(ctx, decA, &a), msgdiff.Decode(ctx, decB, &b))
			if only {
				kept := rows[:0]
				for _, row := range rows {
					if row.Change != msgdiff.Same {
						kept = append(kept, row)
					}
				}
				rows = kept
			}
			if asJSON {
				return writeJSON(e.stdout, rows)
			}
			return printDiff(e.stdout, &a, &b, rows)
		},
	}
	c.Flags().BoolVar(&only, "only", false, "show only the fields that differ")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON rows (section, field, left, right, change)")
	return c
}

func printDiff(w io.Writer, a, b *sources.Message, rows []msgdiff.Row) error {
	fmt.Fprintf(w, "left  %s %s\nright %s %s\n%d differences\n\n", safetext.String(a.Stream), a.Where(), safetext.String(b.Stream), b.Where(), msgdiff.Differences(rows))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, " \tFIELD\tLEFT\tRIGHT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Change.Mark(), render.Sanitize(r.Section+" "+r.Field), render.Preview([]byte(r.Left), 60), render.Preview([]byte(r.Right), 60))
	}
	return tw.Flush()
}
