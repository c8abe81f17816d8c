package filter

import (
	"context"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// Selection is what a filter kept of a list of messages, and what it could
// not evaluate (each counted as no match).
type Selection struct {
	Kept []sources.Message
	// Failed is how many messages the expression could not be evaluated
	// on; First is the error on the first of them (nil when none).
	Failed int64
	First  error
	// Scanned is how many of the messages were looked at: all, or up to
	// the last one SelectFirst kept.
	Scanned int
}

// Select runs f on each message, decoding values through dec where the
// expression reads json or schema (dec nil: not decoded), as a Scanner
// does: an expression that fails on a message is no match there, counted.
// It keeps msgs' order and reuses its array.
func (f *Filter) Select(ctx context.Context, msgs []sources.Message, dec ValueDecoder) Selection {
	return f.SelectFirst(ctx, msgs, dec, 0)
}

// SelectFirst is Select that stops at the n-th match (n 0: none).
func (f *Filter) SelectFirst(ctx context.Context, msgs []sources.Message, dec ValueDecoder, n int) Selection {
	var sel Selection
	decode := dec != nil && f.UsesDecoded()
	kept := msgs[:0]
	for i := range msgs {
		if n > 0 && len(kept) >= n {
			break
		}
		sel.Scanned++
		var ok bool
		var err error
		if decode {
			d := dec.Value(ctx, &msgs[i])
			ok, err = f.MatchDecoded(&msgs[i], &d)
		} else {
			ok, err = f.Match(&msgs[i])
		}
		if err != nil {
			sel.Failed++
			if sel.First == nil {
				sel.First = err
			}
		}
		if ok {
			kept = append(kept, msgs[i])
		}
	}
	clear(msgs[len(kept):sel.Scanned])
	sel.Kept = kept
	return sel
}

// Unevaluated says how many messages a filter could not be evaluated on
// (each taken as no match) and why for the first of them, in one line (""
// when none): "3 messages could not be evaluated: first at orders@4:
// cannot fetch amount from <nil>".
func Unevaluated(n int64, first error) string {
	if n == 0 || first == nil {
		return ""
	}
	reason, _, _ := strings.Cut(first.Error(), "\n") // expr adds the expression and a caret on more lines
	reason = strings.TrimPrefix(reason, "filter on ")
	noun := "messages"
	if n == 1 {
		noun = "message"
	}
	return fmt.Sprintf("%d %s could not be evaluated: first at %s", n, noun, reason)
}
