package sources

import (
	"context"
	"fmt"
	"time"
)

// HeaderScanner is a connection that reads a stream's record headers from
// a time to its end as it is when the scan starts, waiting for open
// transactions below that end (Kafka, read_committed): a redrive plan
// finds there the copies earlier redrives wrote. visit is handed each
// batch (headers, position and timestamp; it must not keep key and value)
// and is never called concurrently. A stream that does not exist (or
// cannot) is an error wrapping ErrUnknownStream; one holding more records
// than o.Limit from there is a *ScanTooLargeError.
type HeaderScanner interface {
	ScanHeaders(ctx context.Context, stream string, o HeaderScanOptions, visit func([]Message)) (HeaderScan, error)
}

// HeaderScanOptions say where a header scan starts and how much it may
// read.
type HeaderScanOptions struct {
	// Since starts each partition at its first record at or after this
	// time (zero: at the oldest record).
	Since time.Time
	// From starts the partitions it names at these offsets instead: a scan
	// going on from an earlier scan's Ends.
	From map[int32]int64
	// Limit refuses a scan of more records than this (0: no limit).
	Limit int64
	// OpenTxnWait bounds the wait for an open transaction below the end
	// (0: the connector's default).
	OpenTxnWait time.Duration
}

// HeaderScan is what a HeaderScanner read of a stream.
type HeaderScan struct {
	Topic string
	// Records is how many offsets the scan covered.
	Records int64
	// Ends is where the scan stopped per partition: the topic's end when
	// it started (a later scan of what came since starts there).
	Ends map[int32]int64
}

// ScanTooLargeError says a header scan would read more than its limit.
type ScanTooLargeError struct {
	Topic          string
	Records, Limit int64
	Since          time.Time
}

func (e *ScanTooLargeError) Error() string {
	from := "its oldest record"
	if !e.Since.IsZero() {
		from = e.Since.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s holds %d records from %s, more than the %d a scan may read", e.Topic, e.Records, from, e.Limit)
}
