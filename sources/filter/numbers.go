package filter

import (
	"math"
	"strconv"
	"strings"
)

// plainNumber is the number s spells in plain decimal: an optional sign,
// digits with an optional fraction, an optional exponent ("120.5000",
// "-3", "1e6"). Go's other spellings are not numbers here: Inf, NaN,
// Infinity, hexadecimal ("0x1p4") and digits with underscores ("1_000").
// A number too large for a float64 is not one either.
func plainNumber(s string) (float64, bool) {
	if !plainDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// plainDecimal reports s in plainNumber's grammar, of any size.
func plainDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	end := skipDigits(s, i)
	digits := end - i
	i = end
	if i < len(s) && s[i] == '.' {
		end = skipDigits(s, i+1)
		digits += end - i - 1
		i = end
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		end = skipDigits(s, i)
		if end == i {
			return false
		}
		i = end
	}
	return i == len(s)
}

// skipDigits is the index after the run of ASCII digits s has at i.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// jsonNumber reports a token in JSON's number grammar: no sign but a
// leading minus, no leading zeros, digits on both sides of a point.
func jsonNumber(tok []byte) bool {
	i := 0
	if i < len(tok) && tok[i] == '-' {
		i++
	}
	switch {
	case i < len(tok) && tok[i] == '0':
		i++
	case i < len(tok) && tok[i] >= '1' && tok[i] <= '9':
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(tok) && tok[i] == '.' {
		i++
		n := i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		if i == n {
			return false
		}
	}
	if i < len(tok) && (tok[i] == 'e' || tok[i] == 'E') {
		i++
		if i < len(tok) && (tok[i] == '+' || tok[i] == '-') {
			i++
		}
		n := i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		if i == n {
			return false
		}
	}
	return i == len(tok)
}

// notFinite names an identifier that reads as a number that is not
// finite (Inf, NaN, Infinity in any case): expr knows no such name, and
// a filter compares finite numbers only.
func notFinite(name string) bool {
	switch strings.ToLower(name) {
	case "inf", "infinity", "nan":
		return true
	}
	return false
}
