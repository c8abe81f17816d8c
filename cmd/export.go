package cmd

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
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
{id, kind, error} (id where the value is framed, 0 too); likewise key_decoded, key_schema, key_schema_error. A
document that is not the whole truth of its bytes (encoding it again would
write other bytes: a string that is not UTF-8, a NaN's payload, bytes not
in the encoder's form) has value_decoded_lossy {kind, path, why, more}
(invalid_utf8, nan_payload, non_canonical, union_branch, duplicate_key). The bytes stay:
a decoded export replays byte-exact. --format kcat adds kcat's
key_schema_id and value_schema_id; kcat -J itself cannot carry bytes that
are not UTF-8, so where a key, payload or header is not, the line adds
key_b64, payload_b64 or headers_b64 (null where an entry is UTF-8) with
its bytes, and replay reads those (and kcat's own raw bytes) byte-exact. --decode=false skips decoding.

A record batch that cannot be read (its checksum or lengths wrong, or it
does not decompress) ends its partition there: every record before it and
the other partitions are exported, and export exits 1 with a last line on
stderr saying which offsets were not exported and why.

Ctrl-C before the end stops the export at once (a registry that does not
answer included), says how many lines it wrote and exits 130; with
--follow, Ctrl-C is how an export ends.`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, r, closeConn, err := e.openRead(cmd.Context(), &f)
			if err != nil {
				return err
			}
			defer closeConn()
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
			mw := newWriter(&f, w, e.stderr)
			restoreGC := collectForExport(opts.InFlight, gcPacingOf(mw))
			res, err := copyStream(cmd.Context(), r, args[0], opts, &f, mw, f.follow)
			restoreGC()
			res.report(e, args[0])
			if said := res.undecoded.summary(); said != "" {
				fmt.Fprintf(e.stderr, "mqscope: %s\n", said)
			}
			where := "stdout"
			if file != nil {
				if cerr := file.Close(); cerr != nil && err == nil {
					err = fmt.Errorf("export: %w", cerr)
				}
				where = out
				if !res.interrupted {
					fmt.Fprintf(e.stderr, "exported %s from %s to %s\n", counted(res.written, "message"), safetext.String(args[0]), safetext.String(out))
				}
			}
			err = incompleteOr(err, fmt.Sprintf("the export of %s (%s written to %s)", safetext.String(args[0]), counted(res.written, "message"), safetext.String(where)), "exported")
			if res.skipped > 0 && err == nil { // every message delivered was written, but not every one of the stream
				return fmt.Errorf("the export of %s (%s written to %s) is incomplete: %s skipped (%s)", safetext.String(args[0]), counted(res.written, "message"),
					safetext.String(where), counted(res.skipped, "message"), safetext.String(res.first))
			}
			if res.interrupted && err == nil {
				return &interruptedError{detail: fmt.Sprintf("the export of %s stopped before its end: %d lines written to %s", safetext.String(args[0]), res.written, safetext.String(where))}
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
// times the live heap halves them.
const exportGCPercent = 200

// exportLimitFactor is how many times its --in-flight budget an export may
// add to what the process held before it, as a soft memory limit: the
// read holds its budget in the feed, up to half of it more in the fetches
// being decoded and a piece on the way, and the rest is room for garbage
// (twice the budget made a decoded Avro export collect so often that it
// cost 15% more CPU).
// Without a limit the heap goal follows the live heap's highest moments,
// three times over (exportGCPercent), and a longer export meets higher
// ones: peak RSS grew by half from 100,000 to 1,000,000 records.
const exportLimitFactor = 4

// rawLimitFactor is exportLimitFactor for --format raw, which decodes
// nothing: its garbage is the fetched batches and their Messages, and a
// limit of twice the budget costs it no CPU time to speak of (0.52 s for
// 1,000,000 records at either factor) while its peak RSS falls by a tenth
// or more (74 to 66 MiB at 1,000,000 records, 83 to 67 at 5,000,000).
const rawLimitFactor = 2

// rawGCPercent is exportGCPercent for --format raw. Its live heap is the
// feed's Messages and the batches they point into, all of a size known
// ahead (the budget), so the memory limit alone can pace its collections:
// at exportGCPercent a raw export of 1,000,000 records ran 40 collections,
// whose marking write barriers took a sixth of its CPU time, against 23
// at 400 (a fifth less CPU time in all, for 2 to 3 MiB more peak RSS).
// A heap goal that still follows the live heap keeps a record larger
// than the budget from making the collector run back to back.
const rawGCPercent = 400

// gcPacing is how an export paces the garbage collector: a GOGC and a
// memory limit factor (see collectForExport).
type gcPacing struct {
	percent     int
	limitFactor int64
}

// gcPacingOf is the pacing of an export written by w.
func gcPacingOf(w messageWriter) gcPacing {
	if _, raw := w.(*rawWriter); raw {
		return gcPacing{percent: rawGCPercent, limitFactor: rawLimitFactor}
	}
	return gcPacing{percent: exportGCPercent, limitFactor: exportLimitFactor}
}

// collectForExport sets the garbage collector for an export reading with
// in-flight budget inFlight (0: sources.DefaultInFlight): p's GOGC
// unless GOGC is set, and a soft memory limit of what the process holds
// now plus p's factor times the budget, unless GOMEMLIMIT is set.
// The limit only makes collections come earlier as the heap nears it;
// a live heap above it (a record batch larger than the budget) is
// collected at most half the time (Go's limiter) and still read. It
// returns what puts the previous settings back.
func collectForExport(inFlight int64, p gcPacing) (restore func()) {
	if inFlight <= 0 {
		inFlight = sources.DefaultInFlight
	}
	restoreGC, restoreLimit := func() {}, func() {}
	if _, set := os.LookupEnv("GOGC"); !set {
		prev := debug.SetGCPercent(p.percent)
		restoreGC = func() { debug.SetGCPercent(prev) }
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		prev := debug.SetMemoryLimit(heldMemory() + p.limitFactor*inFlight)
		restoreLimit = func() { debug.SetMemoryLimit(prev) }
	}
	return func() { restoreLimit(); restoreGC() }
}

// heldMemory is the memory the Go runtime holds from the system and has
// not given back: what a soft memory limit counts.
func heldMemory() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}
