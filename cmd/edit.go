package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

func newEditCmd(e *env) *cobra.Command {
	var f redriveFlags
	c := &cobra.Command{
		Use:   "edit STREAM POSITION",
		Short: "Edit one message in $EDITOR, see the diff, and redrive the edited version",
		Long: `edit reads one message (POSITION is partition/offset on a topic, the offset on
a RabbitMQ stream, or the place in a peek on a queue: 0 is the head), opens its
key, headers and value in $VISUAL or $EDITOR (JSON values as JSON), shows
what changed, asks, and publishes the edited version to the message's origin
(or --to) with the redrive's provenance headers and
x-mqscope-redrive-edited. The original is handled as in any redrive: a
Kafka DLT commits past it in the same transaction, a RabbitMQ DLQ
acknowledges it after the broker confirmed the edited copy.

A value decoded with a schema is edited as its document (value_decoded). A
document left as it was keeps the value's bytes exactly (an edit of the key
or the headers only); an edited one is encoded with the same schema id, and
when that changes bytes the edit does not show (a string that was not
UTF-8, a NaN's payload, bytes not in the encoder's form), the review says
which, how many bytes and why, and the question says so; --yes then needs
--accept-reencoding.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.conn = connectionCommand(cmd, e.adHocFlags)
			return e.edit(cmd.Context(), args[0], args[1], &f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.opts.To, "to", "", "send the edited message to this topic or exchange instead of its origin")
	fl.StringVar(&f.opts.ID, "id", "", "redrive id (default: a new one)")
	fl.BoolVar(&f.opts.Again, "again", false, "Kafka: publish the edited version of a dead letter an earlier redrive copied already")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask before writing")
	fl.BoolVar(&f.acceptReencoding, "accept-reencoding", false, "with --yes: publish even when encoding the edited value changes bytes the edit does not show (invalid UTF-8, a NaN's payload)")
	fl.StringVar(&f.journal, "journal-dir", "", "where journals go (default $XDG_STATE_HOME/mqscope/redrive)")
	registerAcceptPeekCost(c, &f.acceptCost)
	f.batch = 1
	return c
}

// edit runs one edit-then-redrive.
func (e *env) edit(ctx context.Context, stream, pos string, f *redriveFlags) error {
	if e.flags.readOnly {
		return errors.New("read-only (--read-only): refusing to write")
	}
	if _, _, err := replay.ParsePosition(pos); err != nil && !positionLike().MatchString(pos) {
		return err
	}
	conns, err := e.connectForWrite(ctx)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	conn, effect, err := locate(ctx, conns, stream)
	if err != nil {
		return err
	}
	if err := e.refuseBeforeRead(conn, effect, false); err != nil {
		return err
	}
	if err := e.checkSource(ctx, conn, stream, f); err != nil { // before the editor opens
		return err
	}
	var part int32
	var off int64
	if r, ok := conn.(sources.Reader); ok {
		if part, off, err = replay.StreamPosition(ctx, r, stream, pos); err != nil {
			return err
		}
	} else if part, off, err = replay.ParsePosition(pos); err != nil {
		return err
	}
	conn, orig, err := e.messageAt(ctx, []sources.Conn{conn}, stream, part, off, f.acceptCost)
	if err != nil {
		return err
	}
	dec, err := e.decoder(conn)
	if err != nil {
		return err
	}
	da := msgdiff.Decode(ctx, dec, &orig)
	edit, err := editInEditor(orig, da)
	if err != nil {
		return err
	}
	if edit == nil {
		fmt.Fprintln(e.stdout, "the file was not changed: nothing redriven")
		return nil
	}
	var db *schema.Decoded
	var re replay.Reencoding
	typedValue := edit.Decoded != nil
	if typedValue {
		if da == nil {
			return errors.New("the edited message: value_decoded, but the value was not decoded with a schema")
		}
		if db, re, err = edit.EncodeValue(ctx, dec, orig, da); err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return &interruptedError{detail: "the edited value was not encoded: nothing written"}
			}
			return fmt.Errorf("%w: nothing written", err)
		}
	}
	edited := edit.Edited(orig)
	rows := msgdiff.MessagesDecoded(&orig, &edited, da, db)
	kept := rows[:0]
	for _, r := range rows {
		if r.Change != msgdiff.Same {
			kept = append(kept, r)
		}
	}
	if err := printDiff(e.stdout, &orig, &edited, kept); err != nil {
		return err
	}
	if typedValue {
		fmt.Fprintln(e.stdout, safetext.String(re.String()))
	}
	if f.yes {
		if err := re.Refusal(f.acceptReencoding); err != nil {
			return fmt.Errorf("not redriven: %s", safetext.String(err.Error()))
		}
	}
	f.opts.Edits = map[string]replay.Edit{replay.Fingerprint(orig): *edit}
	if err := resolveTargets(ctx, conn, &f.opts); err != nil {
		return fmt.Errorf("%w (nothing was written)", err)
	}
	plan, err := replay.NewPlan(stream, []sources.Message{orig}, f.opts)
	if err != nil {
		return err
	}
	if cf, ok := conn.(replay.CopyFinder); ok { // Kafka: was it redriven before?
		if err := plan.CheckCopies(ctx, cf); err != nil {
			return err
		}
	}
	if err := plan.Write(e.stdout); err != nil {
		return err
	}
	if len(plan.AlreadyRedriven) > 0 {
		l := plan.AlreadyRedriven[0]
		return fmt.Errorf("not redriven: %s@%s was %s (--again publishes the edited version anyway)", l.Msg.Stream, replay.Position(l.Msg), l.Copy)
	}
	if plan.Items[0].Action != replay.Redrive {
		return fmt.Errorf("not redriven: %s (--to sets a target)", plan.Items[0].Reason)
	}
	if !f.yes {
		q := fmt.Sprintf("Publish the edited message to %s?", plan.Items[0].Target)
		if re.Surprising() {
			q = fmt.Sprintf("Publish the edited message to %s, with its %s bytes changed beyond the edit (above)?", plan.Items[0].Target, re.Part)
		}
		ok, err := askBeforeWrite(e.stdin, e.stderr, writeAsk{Question: q, Verb: "publish", Action: "publish", Count: 1})
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not confirmed: nothing written")
		}
	}
	return e.runPlan(ctx, conn, plan, false, f)
}

// messageAt reads one message: at a position of a topic or stream, or the
// n-th of a queue's peek.
func (e *env) messageAt(ctx context.Context, conns []sources.Conn, stream string, part int32, off int64, acceptCost bool) (sources.Conn, sources.Message, error) {
	var last error
	for _, c := range conns {
		r, ok := c.(sources.Reader)
		if !ok {
			continue
		}
		if part == sources.NoPartition && isQueue(ctx, c, stream) { // a queue's position is its place in a peek
			_, sel, err := e.selection(ctx, []sources.Conn{c}, stream, sources.ReadOptions{}, off+1, nil, acceptCost, false)
			msgs := sel.Kept
			if errors.Is(err, sources.ErrUnknownStream) {
				last = err
				continue
			}
			if err != nil {
				return nil, sources.Message{}, err
			}
			if int64(len(msgs)) <= off {
				return nil, sources.Message{}, fmt.Errorf("%s holds %s: no #%d", stream, counted(len(msgs), "message"), off)
			}
			return c, msgs[off], nil
		}
		m, err := sources.FetchAt(ctx, r, stream, part, off)
		if err == nil {
			return c, m, nil
		}
		last = err
	}
	if last == nil {
		last = fmt.Errorf("%q: %w", stream, sources.ErrUnknownStream)
	}
	return nil, sources.Message{}, last
}

// editInEditor opens a message in $VISUAL or $EDITOR on the terminal (its
// value as decoded when d is a schema's) and returns the edit, or nil when
// the file was not changed.
func editInEditor(m sources.Message, d *schema.Decoded) (*replay.Edit, error) {
	doc := replay.EditDocumentDecoded(m, d)
	path, err := editor.TempFile(doc)
	if err != nil {
		return nil, err
	}
	run := editor.Command(path)
	run.Stdin, run.Stdout, run.Stderr = os.Stdin, os.Stdout, os.Stderr
	runErr := run.Run()
	after, changed, err := editor.ReadBack(path, doc) // removes the file either way
	switch {
	case runErr != nil:
		return nil, fmt.Errorf("the editor %s failed (set $EDITOR): %w", run.Path, runErr)
	case err != nil:
		return nil, err
	case !changed:
		return nil, nil
	}
	ed, err := replay.ParseEdit(after)
	if err != nil {
		return nil, err
	}
	ed.KeepValueBytes(m.Value)
	return &ed, nil
}
