package ui

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mqscope/mqscope/sources"
)

// fuzzyScore matches pattern as a case-insensitive subsequence of s. It
// returns -1 for no match, else a score of 0 or more; higher scores are
// better matches (consecutive runs, matches at word starts, shorter names).
func fuzzyScore(pattern, s string) int {
	if pattern == "" {
		return 0
	}
	return fuzzyLower([]rune(strings.ToLower(pattern)), strings.ToLower(s), len(s))
}

// fuzzyLower is fuzzyScore of the lower-case pattern p in lower, the
// lower-case form of a name n bytes long.
func fuzzyLower(p []rune, lower string, n int) int {
	if len(p) == 0 {
		return 0
	}
	score, pi, run := 0, 0, 0
	prev := rune(0)
	for i := 0; i < len(lower) && pi < len(p); { // past the last match nothing scores
		r, size := rune(lower[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(lower[i:])
		}
		if r == p[pi] {
			pi++
			run++
			score += 1 + run*2
			if i == 0 || !isWordRune(prev) {
				score += 5
			}
		} else {
			run = 0
		}
		prev = r
		i += size
	}
	if pi < len(p) {
		return -1
	}
	return score*10 - min(n, 1000) + 1000 // never negative: a long name with a short match is still a match
}

// isWordRune reports a letter or a digit.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scoredRow is a row the filter matched, with its score.
type scoredRow struct{ index, score int }

// fuzzyRows scores pattern against the rows' lower-case names: every row
// when all is set, else only those in candidates (the rows a shorter
// prefix of pattern matched: a longer pattern matches no others). It
// appends the matches to out, best first, ties in list order.
func fuzzyRows(pattern string, rows []streamRow, streams []sources.StreamInfo, candidates []int, all bool, out []scoredRow) []scoredRow {
	p := []rune(strings.ToLower(pattern))
	score := func(i int) {
		if sc := fuzzyLower(p, rows[i].lower, len(streams[i].Name)); sc >= 0 {
			out = append(out, scoredRow{i, sc})
		}
	}
	if all {
		for i := range rows {
			score(i)
		}
	} else {
		for _, i := range candidates {
			score(i)
		}
	}
	slices.SortFunc(out, func(a, b scoredRow) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return a.index - b.index
	})
	return out
}
