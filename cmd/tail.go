package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
)

func newTailCmd(e *env) *cobra.Command {
	var (
		f      readFlags
		accept bool
	)
	c := &cobra.Command{
		Use:   "tail STREAM",
		Short: "Follow a topic: print new messages as they arrive (Ctrl-C stops)",
		Long: `tail prints a stream's messages as they arrive, without joining a consumer
group or committing anything. By default it starts with the last 10 messages of
each partition and prints one readable line per message; --format jsonl prints
byte-exact JSON lines instead. Values a schema decodes (--schema-registry, the
config's schema_registry and schemas) are printed decoded, after the schema
that decoded them: [avro orders-value v3] {...}.

A RabbitMQ queue cannot be followed without consuming it: tail peeks it once
(its messages are held, then given back, flagged redelivered), prints them,
says so on stderr and exits. Streams and exchanges are followed.`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.follow = true
			opts, r, closeConn, err := e.openRead(cmd.Context(), &f)
			if err != nil {
				return err
			}
			defer closeConn()
			r = guard(r, accept, e.stderr)
			f.stderr = e.stderr
			res, err := copyStream(cmd.Context(), r, args[0], opts, &f, newWriter(&f, e.stdout, e.stderr), true)
			res.report(e, args[0])
			return incompleteOr(err, fmt.Sprintf("the tail of %s (%s written)", safetext.String(args[0]), counted(res.written, "message")), "written")
		},
	}
	f.register(c, "last:10", "text")
	f.keepOldTo(c)
	registerAcceptPeekCost(c, &accept)
	return c
}

func exactlyOneStream(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want one topic or queue name, got %d arguments", len(args))
	}
	return nil
}
