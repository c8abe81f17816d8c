package schema

import (
	"math"
	"time"
)

// nanosKind is the kind of a long whose logicalType hamba/avro does not
// know but the Avro specification (1.12) has: timestamp-nanos and
// local-timestamp-nanos (aLong for any other or none).
func nanosKind(logical any) akind {
	switch logical {
	case "timestamp-nanos":
		return aTimestampNanos
	case "local-timestamp-nanos":
		return aLocalTimestampNanos
	}
	return aLong
}

// minNanosTime and maxNanosTime are the first and last times a long of
// nanoseconds since 1970 holds.
func minNanosTime() time.Time { return time.Unix(0, math.MinInt64).UTC() }

func maxNanosTime() time.Time { return time.Unix(0, math.MaxInt64).UTC() }
