package ui

import (
	"strings"
	"unicode"
)

// fuzzyScore matches pattern as a case-insensitive subsequence of s. It
// returns -1 for no match; higher scores are better matches (consecutive
// runs, matches at word starts, shorter names).
func fuzzyScore(pattern, s string) int {
	if pattern == "" {
		return 0
	}
	p := []rune(strings.ToLower(pattern))
	score, pi, run := 0, 0, 0
	prev := rune(0)
	for i, r := range strings.ToLower(s) {
		if pi < len(p) && r == p[pi] {
			pi++
			run++
			score += 1 + run*2
			if i == 0 || !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
				score += 5
			}
		} else {
			run = 0
		}
		prev = r
	}
	if pi < len(p) {
		return -1
	}
	return score*10 - len(s)
}
