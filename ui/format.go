package ui

import (
	"strconv"
	"strings"
)

// countOrPending is a count with grouped digits, or "…" while it is not
// known yet (negative).
func countOrPending(n int64) string {
	if n < 0 {
		return "…"
	}
	return groupDigits(n)
}

// groupDigits renders n with thousands separators: 1234567 -> 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate renders a per-second rate compactly: "—" for none, 3.4/s, 12/s, 1.2k/s.
func rate(r float64) string {
	switch {
	case r <= 0:
		return "—"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
	case r < 1000:
		return strconv.FormatFloat(r, 'f', 0, 64) + "/s"
	case r < 1e6:
		return strconv.FormatFloat(r/1000, 'f', 1, 64) + "k/s"
	default:
		return strconv.FormatFloat(r/1e6, 'f', 1, 64) + "M/s"
	}
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }

// plural renders a count and its noun: "1 partition", "3 partitions",
// "1,204 messages", "2 matches" (digits grouped).
func plural[N ~int | ~int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") || strings.HasSuffix(noun, "sh") || strings.HasSuffix(noun, "s") || strings.HasSuffix(noun, "x") {
		return groupDigits(int64(n)) + " " + noun + "es"
	}
	return groupDigits(int64(n)) + " " + noun + "s"
}
