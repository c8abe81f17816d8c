package nats

import (
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// The headers a dead letter read from a capture stream carries after its
// original's own: its death as the advisory tells it, so that an export
// line, which writes headers, holds it too (the advisory is not part of
// the original message). A redriven copy leaves them out.
const (
	// HeaderDeathPrefix begins every such header's name.
	HeaderDeathPrefix = "x-mqscope-dead-letter-"
	// HeaderDeathReason is ReasonMaxDeliveries or ReasonTerminated.
	HeaderDeathReason = HeaderDeathPrefix + "reason"
	// HeaderDeathConsumer is the consumer the message died in.
	HeaderDeathConsumer = HeaderDeathPrefix + "consumer"
	// HeaderDeathDeliveries is how many times it was delivered.
	HeaderDeathDeliveries = HeaderDeathPrefix + "deliveries"
	// HeaderDeathTime is when it died (RFC 3339, UTC).
	HeaderDeathTime = HeaderDeathPrefix + "time"
	// HeaderDeathMessage is the reason a consumer gave its AckTerm, when
	// it gave one.
	HeaderDeathMessage = HeaderDeathPrefix + "message"
)

// deathHeader reports a header withDeath adds.
func deathHeader(key string) bool { return strings.HasPrefix(key, HeaderDeathPrefix) }

// withDeath appends the death headers of advisory a to hs, leaving out
// any the stored message carries already (they would be of another death).
func withDeath(hs []sources.Header, a *advisory, reason string) []sources.Header {
	out := hs[:0:0]
	for _, h := range hs {
		if !deathHeader(h.Key) {
			out = append(out, h)
		}
	}
	out = append(out,
		sources.Header{Key: HeaderDeathReason, Value: []byte(reason)},
		sources.Header{Key: HeaderDeathConsumer, Value: []byte(a.Consumer)},
		sources.Header{Key: HeaderDeathDeliveries, Value: strconv.AppendUint(nil, a.Deliveries, 10)},
		sources.Header{Key: HeaderDeathTime, Value: a.Time.UTC().AppendFormat(nil, time.RFC3339Nano)})
	if a.Reason != "" {
		out = append(out, sources.Header{Key: HeaderDeathMessage, Value: []byte(a.Reason)})
	}
	return out
}
