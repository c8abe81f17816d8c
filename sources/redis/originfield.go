package redis

import (
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// OriginFields are the entry fields in which an application writing a
// dead letter names the stream it came from, in the order they are looked
// for (names compared without case). The first with a text is the dead
// letter's origin: triage groups by it and a redrive goes back to it. The
// bare "source" and "stream" are not among them: applications use them
// for other things (a client, a feed), and a redrive would write there.
var OriginFields = [...]string{"origin", "origin_stream", "original_stream", "originStream", "originalStream", "source_stream", "dlq_origin"}

// originField is the text of the first of OriginFields among headers,
// trimmed of space, or "".
func originField(headers []sources.Header) string {
	for _, n := range OriginFields {
		for _, h := range headers {
			if !strings.EqualFold(h.Key, n) {
				continue
			}
			if v := strings.TrimSpace(string(h.Value)); v != "" {
				return v
			}
		}
	}
	return ""
}

// withEntryOrigin sets d's origin stream from m's origin fields
// (OriginFields): a dead-letter stream's entry that names its stream
// comes from there, whatever the stream's name guesses; provenance headers
// that name one already keep theirs.
func withEntryOrigin(d *sources.DeadLetter, m *sources.Message, guessed bool) {
	if d.OriginStream != "" && !guessed {
		return
	}
	if o := originField(m.Headers); o != "" {
		d.OriginStream = o
	}
}
