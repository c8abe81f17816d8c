package cmd

import (
	"fmt"
	"io"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/safetext"
)

// writeLacking says how many messages lacked what the check reads of
// them: the identity, the entity, the sequence.
func writeLacking(w io.Writer, r health.Report) {
	if n := r.ByFallback; n > 0 {
		if r.IdentityAsked != "" {
			fmt.Fprintf(w, "  %s lacked %s (absent, null or empty): told apart by the fallback\n", messagesText(n), safetext.String(r.IdentityAsked))
		} else {
			fmt.Fprintf(w, "  %s had no publisher's message id: told apart by a hash of key and value\n", messagesText(n))
		}
	}
	if n := r.NoEntity; n > 0 {
		if r.EntityPath != "" {
			fmt.Fprintf(w, "  %s lacked %s (the entity): checked for duplicates only\n", messagesText(n), safetext.String(r.EntityPath))
		} else {
			fmt.Fprintf(w, "  %s have no key (no entity): checked for duplicates only\n", messagesText(n))
		}
	}
	if n := r.NoSequence; n > 0 {
		fmt.Fprintf(w, "  %s lacked the sequence: checked by event time, no gap counted of them\n", messagesText(n))
	}
	if n := r.SequenceNotInteger; n > 0 {
		fmt.Fprintf(w, "  %s had a sequence that is not an integer (1.5, true, null; 1e3 reads as 1000): checked by event time\n", messagesText(n))
	}
}

// messagesText is "1 message", "2,000 messages".
func messagesText(n int64) string {
	if n == 1 {
		return "1 message"
	}
	return digits(n) + " messages"
}
