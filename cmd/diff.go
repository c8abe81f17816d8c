package cmd

import (
	"context"
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
				if _, _, err := replay.ParsePosition(pos); err != nil && !positionLike().MatchString(pos) {
					return sources.Message{}, nil, err
				}
				var last error
				for _, r := range readers {
					if err := noPositions(ctx, r, stream); err != nil {
						return sources.Message{}, nil, err
					}
					p, o, err := replay.StreamPosition(ctx, r, stream, pos)
					if err != nil {
						last = err
						continue
					}
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
	fmt.Fprintf(w, "left  %s %s\nright %s %s\n%d differences\n", safetext.String(a.Stream), a.Where(), safetext.String(b.Stream), b.Where(), msgdiff.Differences(rows))
	for _, n := range msgdiff.Notes(rows) {
		fmt.Fprintln(w, safetext.String(n))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, " \tFIELD\tLEFT\tRIGHT")
	for _, r := range rows {
		left, right := render.Field(r.Left, 60), render.Field(r.Right, 60)
		switch r.Change { // the side that does not hold the field
		case msgdiff.Added:
			left = render.Missing
		case msgdiff.Removed:
			right = render.Missing
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Change.Mark(), render.Sanitize(r.Section+" "+r.Field), left, right)
	}
	return tw.Flush()
}

// noPositions refuses a fetch by position from a queue, before reading
// it: a queue's messages are peeked from the head, and a peek's positions
// are not stable (nor free: the messages come back redelivered).
func noPositions(ctx context.Context, r sources.Reader, stream string) error {
	p, ok := r.(sources.Peeker)
	if !ok {
		return nil
	}
	if peeks, err := p.Peeks(ctx, stream); err != nil || !peeks {
		return nil // not this connection's, or not a queue: the fetch says
	}
	name := safetext.String(stream)
	return fmt.Errorf("%s is a queue: its messages have no positions to fetch (a peek's positions are not stable); export it (mqscope export %s) and compare the lines, or mark two messages in the TUI (space) and diff them there (d)", name, name)
}
