package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

func newReplayCmd(e *env) *cobra.Command {
	var (
		to, routingKey string
		speed, rate    float64
		batch          int
		yes            bool
		reencode       bool
		keepRaw        bool
		acceptReencode bool
	)
	c := &cobra.Command{
		Use:   "replay FILE --to TARGET",
		Short: "Write a capture (mqscope export or kcat -J output) to a topic or exchange",
		Long: `replay writes every message of a capture file (- reads stdin) to a Kafka topic
or a RabbitMQ exchange, in file order, keeping keys, values and headers. Each
batch is acknowledged by the broker (acks=all; publisher confirms and mandatory
on RabbitMQ, where the routing key is each message's key or --routing-key).
A JetStream subject (or a stream with one subject) and a Redis stream are
written too, each message acknowledged: a NATS message goes to --to (or
--routing-key), a Redis entry holds the headers as fields, the value as
its value field (an entry exported whole, as JSON, is its fields again).
--speed 1 keeps the original gaps between timestamps (2: twice as fast);
without it the file goes as fast as --rate allows.

A line that carries its value decoded (value_decoded, with value_schema
naming the registry id) and no raw value is encoded with that schema
(--schema-registry). A line with both is written with its raw value, byte
for byte, when its document is what the raw value decodes to. A line whose
document was edited: with --reencode the edit is encoded with the same
schema id (a Protobuf value as the message value_schema names); with
--keep-raw its raw value is written, ignoring the edit, and listed; with
neither the file is refused before anything is written, naming the edited
lines (stdin stops at the first, before writing it). A line whose encoding
changes more than the document shows (invalid UTF-8, a NaN's payload, bytes
not in the encoder's form) is listed and asked about; with --yes it is
refused unless --accept-reencoding, as mqscope edit does. A line whose
value did not decode cleanly (value_schema_error: fields its schema does
not have, a value that does not validate) is never encoded: its raw value
is written byte for byte, and an edit of its document is refused. A file
whose documents do not fit their schema is refused, with the line and the
field, before anything is written (stdin is checked line by line as it is
written).

Writing one message asks y/N; writing more asks you to type the count (or
--to's name), anything else is no. Without a terminal, and for FILE -
(standard input holds the capture), --yes is needed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return errors.New("--to names the topic, exchange, subject or stream to write to")
			}
			if reencode && keepRaw {
				return errors.New("--reencode and --keep-raw contradict each other: --reencode writes the edits of value_decoded, --keep-raw the raw values without them")
			}
			if speed < 0 || rate < 0 || batch <= 0 {
				return errors.New("--speed and --rate must not be negative, --batch must be positive")
			}
			in := e.stdin
			if args[0] == "-" && !yes {
				return errors.New("replay - reads the capture from standard input, which cannot answer the question too: pass --yes to replay without asking")
			}
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("replay: %w", err)
				}
				defer f.Close()
				in = f
			}
			conns, err := e.connectForWrite(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll(conns)
			sink, conn, where, err := openSink(cmd.Context(), conns, to, routingKey, e.refuseWrites)
			if err != nil {
				return err
			}
			defer sink.Close()
			dec, err := e.decoder(conn)
			if err != nil {
				return err
			}
			checked, beyondEdit, count := false, 0, -1
			if f, ok := in.(*os.File); ok && args[0] != "-" {
				fc, err := replay.CheckFile(cmd.Context(), f, dec, reencode)
				if err != nil {
					return fmt.Errorf("replay %s: %w: nothing written", args[0], err)
				}
				if err := fc.EditedRefusal(keepRaw); err != nil {
					return fmt.Errorf("replay %s: %w: nothing written", args[0], err)
				}
				printNotes(e.stderr, fc.Notes)
				if lost := fc.LostLines(); lost != "" {
					if fc.Messages == 0 {
						return fmt.Errorf("replay %s: %s: nothing written", args[0], safetext.String(lost))
					}
					fmt.Fprintf(e.stderr, "mqscope: %s\n", safetext.String(lost))
				}
				checked = true
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return fmt.Errorf("replay: %w", err)
				}
				if yes {
					if err := fc.Refusal(acceptReencode); err != nil {
						return fmt.Errorf("replay %s: %w: nothing written", args[0], err)
					}
				}
				beyondEdit, count = len(fc.BeyondEdit), fc.Messages
			}
			if !yes {
				what := args[0]
				if checked {
					what = counted(count, "message") + " of " + args[0]
				}
				ask := writeAsk{Question: fmt.Sprintf("Write %s to %s?", what, where), Verb: "replay", Action: "write them", Count: count, Names: []string{to}}
				if beyondEdit > 0 && !acceptReencode {
					ask.Question = fmt.Sprintf("Write %s to %s, with the bytes of %d lines changed beyond the edit (above)?", what, where, beyondEdit)
				}
				ok, err := askBeforeWrite(e.stdin, e.stderr, ask)
				if err != nil {
					return err
				}
				if !ok {
					return errors.New("not confirmed: nothing written")
				}
				acceptReencode = acceptReencode || beyondEdit > 0 // said yes to them
			}
			audit, err := replay.OpenAudit(filepath.Join(stateDir(), "audit.jsonl"))
			if err != nil {
				return err
			}
			defer audit.Close()
			var notes []replay.LineNote
			shown := newProgress(e.stderr)
			res, err := replay.ReplayFile(cmd.Context(), in, sink, replay.ReplayOptions{Speed: speed, File: args[0], Connection: conn.Name(), Target: where, Decoder: dec, Reencode: reencode, AcceptReencoding: acceptReencode, KeepRaw: keepRaw,
				OnNote: func(n replay.LineNote) { notes = append(notes, n) }, RunOptions: replay.RunOptions{
					Rate: rate, Batch: batch, Audit: audit, OnProgress: func(p replay.Progress) {
						shown.show(fmt.Sprintf("%d written  %.0f msg/s", p.Done, p.Rate()))
					}}})
			shown.end()
			fmt.Fprintf(e.stdout, "replayed %s to %s in %s\n", counted(res.Done, "message"), safetext.String(where), res.Elapsed.Round(time.Millisecond))
			if !checked {
				printNotes(e.stdout, notes)
			} else if len(notes) > 0 {
				fmt.Fprintf(e.stdout, "%d lines noted above\n", len(notes))
			}
			if res.Duplicates > 0 {
				fmt.Fprintln(e.stdout, sources.DuplicatesNotWritten(res.Duplicates))
			}
			if err == nil && res.Stop.Reason == replay.Cancelled {
				return &interruptedError{detail: fmt.Sprintf("%d messages of %s written, the rest not", res.Done, safetext.String(args[0]))}
			}
			if err == nil && res.Duplicates > 0 {
				return errors.New(sources.DuplicatesNotWritten(res.Duplicates))
			}
			return err
		},
	}
	c.Flags().StringVar(&to, "to", "", "the topic, exchange, subject or stream to write to")
	c.Flags().StringVar(&routingKey, "routing-key", "", "RabbitMQ: publish with this routing key (default: each message's key); NATS: the subject")
	c.Flags().Float64Var(&speed, "speed", 0, "keep the original timing, this many times faster (0: as fast as allowed)")
	c.Flags().Float64Var(&rate, "rate", 0, "at most this many messages per second")
	c.Flags().IntVar(&batch, "batch", 500, "messages per acknowledged batch")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before writing")
	c.Flags().BoolVar(&reencode, "reencode", false, "encode lines whose value_decoded was edited from it with their value_schema, instead of writing their raw value")
	c.Flags().BoolVar(&keepRaw, "keep-raw", false, "write the raw value of lines whose value_decoded was edited, ignoring the edits (without it, or --reencode, such a file is refused)")
	c.Flags().BoolVar(&acceptReencode, "accept-reencoding", false, "with --yes: write lines whose encoding changes bytes the edit does not show (invalid UTF-8, a NaN's payload, bytes not in the encoder's form)")
	return c
}

// printNotes says what a replay makes of the lines whose decoded value
// and raw value tell different things (at most 20, then how many more).
func printNotes(w io.Writer, notes []replay.LineNote) {
	for i, n := range notes {
		if i == 20 {
			fmt.Fprintf(w, "  … %d more lines\n", len(notes)-20)
			break
		}
		fmt.Fprintln(w, safetext.String(n.String()))
	}
}

// openSink finds the connection that has the target (a Kafka topic, a
// RabbitMQ exchange, an SQS queue) and opens a sink on it; it returns the
// sink, its connection, and where it writes, for people. A connection
// refuse refuses is not touched.
func openSink(ctx context.Context, conns []sources.Conn, to, routingKey string, refuse func(sources.Conn) error) (sources.MessageSink, sources.Conn, string, error) {
	var errs []error
	for _, c := range conns {
		if err := refuse(c); err != nil {
			errs = append(errs, err)
			continue
		}
		o, ok := c.(sources.SinkOpener)
		if !ok {
			continue
		}
		s, err := o.OpenSink(ctx, sources.Target{Stream: to, RoutingKey: routingKey})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return s, c, s.Target() + " on " + c.Name(), nil
	}
	if len(errs) == 0 {
		return nil, nil, "", errors.New("no connection can be written to")
	}
	return nil, nil, "", errors.Join(errs...)
}
