package cmd

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
)

func newExportCmd(e *env) *cobra.Command {
	var (
		f      readFlags
		out    string
		accept bool
	)
	c := &cobra.Command{
		Use:   "export STREAM",
		Short: "Write a topic's messages as JSON lines (key, value, headers byte-exact) to stdout or a file",
		Long: `export reads a stream from --from up to the end it has when the export starts
(or on, with --follow) and writes one JSON object per message: stream,
partition, offset, timestamp, key, value and headers. Keys, values and header
values are kept byte-exact: as text where they are UTF-8, as key_b64, value_b64
(base64) where they are not. Nothing is committed and no consumer group is
joined.

Where the connection has schemas (--schema-registry, the config's
schema_registry and schemas), each line also has the key and value as the
schema decoded them: value_decoded (the JSON document), value_schema {id,
subject, version, format} and, when decoding failed, value_schema_error
{id, kind, error}; likewise key_decoded, key_schema, key_schema_error. A
document that is not the whole truth of its bytes (encoding it again would
write other bytes: a string that is not UTF-8, a NaN's payload, bytes not
in the encoder's form) has value_decoded_lossy {kind, path, why, more}
(invalid_utf8, nan_payload, non_canonical, union_branch). The bytes stay:
a decoded export replays byte-exact. --format kcat adds kcat's
key_schema_id and value_schema_id. --decode=false skips decoding.`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, r, closeConn, err := e.openRead(cmd.Context(), &f)
			if err != nil {
				return err
			}
			defer closeConn()
			collectLessOften()
			r = guard(r, accept, e.stderr)
			w := e.stdout
			var file *os.File
			if out != "" && out != "-" {
				if file, err = os.Create(out); err != nil {
					return fmt.Errorf("export: %w", err)
				}
				w = file
			}
			f.stderr = e.stderr
			res, err := copyStream(cmd.Context(), r, args[0], opts, &f, newWriter(&f, w, e.stderr), f.follow)
			res.report(e, args[0])
			if file != nil {
				if cerr := file.Close(); cerr != nil && err == nil {
					err = fmt.Errorf("export: %w", cerr)
				}
				fmt.Fprintf(e.stderr, "exported %d messages from %s to %s\n", res.written, safetext.String(args[0]), safetext.String(out))
			}
			return err
		},
	}
	f.register(c, "oldest", "jsonl")
	f.keepOldTo(c)
	c.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep exporting new messages (Ctrl-C stops)")
	c.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	registerAcceptPeekCost(c, &accept)
	return c
}

// exportGCPercent is the garbage collector's GOGC during an export. An
// export's live heap is bounded by its --in-flight budget (plus the fetch
// being decoded), yet it turns that heap over every few milliseconds: at
// Go's default of 100 it spends about a quarter more CPU than a read
// whose heap grows with the topic, in collections. A heap goal of three
// times the live heap halves them and stays bounded.
const exportGCPercent = 200

// collectLessOften sets exportGCPercent, unless GOGC says otherwise.
func collectLessOften() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(exportGCPercent)
	}
}
