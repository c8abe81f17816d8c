package health

import (
	"math/big"
)

// exactInt reads a number token (1, -3, 1e3, 2.0, 1.50e2) as an integer
// when it is one exactly; 1.5, 1e-3 and what overflows int64 are not.
func exactInt(tok []byte) (int64, bool) {
	if n, ok := parseInt(tok); ok {
		return n, true
	}
	if !isNumber(tok) {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(string(tok))
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// isNumber reports a token that starts as a JSON number does.
func isNumber(tok []byte) bool {
	return len(tok) > 0 && (tok[0] == '-' || tok[0] >= '0' && tok[0] <= '9')
}

// sequenceOf reads a sequence token: a JSON number that is an exact
// integer, or a string of one ("12"). ok false: it is not an integer
// (1.5, true, null, "abc", an object).
func sequenceOf(tok []byte) (int64, bool) {
	if len(tok) >= 2 && tok[0] == '"' {
		tok = tok[1 : len(tok)-1]
	}
	return exactInt(tok)
}

// identityOf is an identity token's tag and canonical bytes: identities
// compare by JSON type and value, so 1 and "1" differ and 1, 1.0 and
// 1e0 are one number. ok false: the token names no identity (null, "").
func identityOf(tok []byte) (byte, []byte, bool) {
	switch {
	case len(tok) == 0, string(tok) == "null", string(tok) == `""`:
		return 0, nil, false
	case tok[0] == '"':
		return 's', tok[1 : len(tok)-1], true
	case isNumber(tok):
		if n, ok := parseInt(tok); ok && (tok[0] != '-' || n != 0) {
			return 'n', tok, true // the common case: an integer as written
		}
		if r, ok := new(big.Rat).SetString(string(tok)); ok {
			if r.IsInt() {
				return 'n', []byte(r.Num().String()), true
			}
			return 'n', []byte(r.RatString()), true
		}
	}
	return 'j', tok, true // true, false, an object, an array: as written
}
