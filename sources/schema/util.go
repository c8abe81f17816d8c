package schema

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shownDigits is how many characters of a long number an error message
// quotes.
const shownDigits = 20

// capDigits shortens a long number (or any long text) an error message
// quotes to its first characters and its length: a 1000-digit decimal
// becomes "12345678901234567890… 1000 digits".
func capDigits(s string) string {
	if len(s) <= shownDigits+8 {
		return s
	}
	cut := shownDigits
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	if n*2 < len(s) { // mostly not digits: say how long it is
		return s[:cut] + "… " + strconv.Itoa(utf8.RuneCountInString(s)) + " characters"
	}
	return s[:cut] + "… " + strconv.Itoa(n) + " digits"
}

// capNumbers caps every long number quoted in msg as capDigits does.
func capNumbers(msg string) string {
	isNum := func(c byte) bool { return c >= '0' && c <= '9' || c == '.' }
	var b []byte
	last := 0
	for i := 0; i < len(msg); {
		if !isNum(msg[i]) {
			i++
			continue
		}
		j := i
		for j < len(msg) && isNum(msg[j]) {
			j++
		}
		if j-i > shownDigits+8 {
			b = append(b, msg[last:i]...)
			b = append(b, capDigits(msg[i:j])...)
			last = j
		}
		i = j
	}
	if b == nil {
		return msg
	}
	return string(append(b, msg[last:]...))
}

func sortStrings(s []string) { sort.Strings(s) }
