package capture

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// rawString is the bytes a JSON string holds, its escapes resolved and
// every other byte kept as it is: a byte that is not UTF-8 (kcat -J writes
// such bytes raw inside its strings) stays that byte, where encoding/json
// would write U+FFFD for it. null is nil.
func rawString(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, fmt.Errorf("not a string: %.40s", raw)
	}
	s := raw[1 : len(raw)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errors.New("string ends in a backslash")
		}
		switch s[i] {
		case '"', '\\', '/':
			out = append(out, s[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, err := unicodeEscape(s[i+1:])
			if err != nil {
				return nil, err
			}
			out = utf8.AppendRune(out, r)
			i += n
		default:
			return nil, fmt.Errorf("bad escape \\%c", s[i])
		}
	}
	return out, nil
}

// unicodeEscape reads the four hex digits after \u (and a second \uXXXX
// when the first is a surrogate's high half) and says how many bytes it
// read; a lone surrogate is U+FFFD, as encoding/json reads it.
func unicodeEscape(s []byte) (rune, int, error) {
	r, err := hex4(s)
	if err != nil {
		return 0, 0, err
	}
	if !utf16.IsSurrogate(r) {
		return r, 4, nil
	}
	if len(s) >= 10 && s[4] == '\\' && s[5] == 'u' {
		if lo, err := hex4(s[6:]); err == nil {
			if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
				return dec, 10, nil
			}
		}
	}
	return utf8.RuneError, 4, nil
}

func hex4(s []byte) (rune, error) {
	if len(s) < 4 {
		return 0, errors.New("short \\u escape")
	}
	v, err := strconv.ParseUint(string(s[:4]), 16, 32)
	if err != nil {
		return 0, fmt.Errorf("bad \\u escape %q", s[:4])
	}
	return rune(v), nil
}

// kcatBytes is a kcat line's key or payload: its *_b64 field when the line
// has one (mqscope writes it for bytes that are not UTF-8), else the
// string's raw bytes.
func kcatBytes(probe map[string]json.RawMessage, name string) ([]byte, error) {
	if b64, ok := probe[name+"_b64"]; ok && string(b64) != "null" {
		var s string
		if err := json.Unmarshal(b64, &s); err != nil {
			return nil, fmt.Errorf("%s_b64: %w", name, err)
		}
		v, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s_b64: bad base64: %w", name, err)
		}
		return v, nil
	}
	v, err := rawString(probe[name])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}
