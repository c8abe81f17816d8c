package cmd

import "strconv"

// counted renders a count and its noun: "1 message", "3 messages".
func counted[N ~int | ~int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(int64(n), 10) + " " + noun + "s"
}

// countedDigits is counted with the digits grouped: "12,345 messages".
func countedDigits(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return digits(n) + " " + noun + "s"
}
