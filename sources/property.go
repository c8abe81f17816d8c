package sources

import (
	"strconv"
	"time"
)

// PropertyNumber is the number a message property rendered as text holds
// (as the connectors fill Message.Properties): "2 (persistent)" is 2, a
// timestamp (RFC 3339) its seconds since the epoch; ok is false when there
// is none.
func PropertyNumber(name, text string) (n int64, ok bool) {
	if name == "timestamp" {
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return 0, false
		}
		return t.Unix(), true
	}
	end := 0
	for end < len(text) && text[end] >= '0' && text[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(text[:end], 10, 64)
	return n, err == nil
}
