package health

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// maxEntityName bounds an entity's name in bytes (of the key, or of the
// bytes a binary key's base64 shows).
const maxEntityName = 80

// binaryPrefix starts the name of an entity whose key is not UTF-8: its
// bytes in base64, so that two binary keys never look alike.
const binaryPrefix = "base64:"

// entityName is how a report names the entity of key: the key as text
// (cut at a character boundary, "…" marking the cut), or for a key that
// is not UTF-8 binaryPrefix and its bytes in base64.
func entityName(key []byte) string {
	if len(key) == 0 {
		return wholeStream
	}
	if !utf8.Valid(key) {
		cut := ""
		if len(key) > maxEntityName*3/4 {
			key, cut = key[:maxEntityName*3/4], "…"
		}
		return binaryPrefix + base64.StdEncoding.EncodeToString(key) + cut
	}
	if len(key) <= maxEntityName {
		return string(key)
	}
	n := maxEntityName
	for n > 0 && !utf8.RuneStart(key[n]) {
		n--
	}
	return string(key[:n]) + "…"
}

// pathKey is the entity a --key-path token names: a JSON string decoded
// (its escapes read, so \u001b is the character, shown as any key's
// is), any other token as written.
func pathKey(tok []byte) []byte {
	if len(tok) < 2 || tok[0] != '"' {
		return tok
	}
	inner := tok[1 : len(tok)-1]
	if !strings.Contains(string(inner), `\`) {
		return inner
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return inner
	}
	return []byte(s)
}
