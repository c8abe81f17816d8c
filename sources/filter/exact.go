package filter

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/vm/runtime"
)

// Numbers compare exactly: a JSON integer is read as an int (or a uint64
// above the int64 range, or its decimal text beyond 64 bits), not as a
// float64 that rounds 2^53+1 to 2^53, and a comparison of a json field
// with a number literal (or of anything with an integer literal beyond
// int64) compares the two numbers exactly, integers as integers. A
// decimal literal (10.10, 99999999999999999.99) compared with a json field
// is its decimal value, not the float64 nearest it, so a numeric string
// (an Avro decimal) or a JSON number float64 cannot hold compares exactly;
// elsewhere (arithmetic) it is a float64 as in expr. A float64 compares as
// its shortest decimal spelling (the number a document wrote).

// decodeJSON decodes one JSON document as encoding/json does into an any,
// but with integers kept exact (exactNumbers).
func decodeJSON(data []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, false // more than one value, as json.Unmarshal refuses
	}
	return exactNumbers(v), true
}

// exactNumbers replaces the json.Numbers in v: an integer by an int (a
// uint64 above the int64 range; beyond 64 bits it stays json.Number, its
// decimal text), any other number by a float64.
func exactNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return numberOf(string(x))
	case map[string]any:
		for k, e := range x {
			x[k] = exactNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = exactNumbers(e)
		}
	}
	return v
}

// numberOf is a JSON number token as exactNumbers reads it: a number a
// float64 cannot hold (more significant digits than it keeps, beyond its
// range) stays json.Number, its decimal text.
func numberOf(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(i)
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return u
	}
	if !strings.ContainsAny(s, ".eE") {
		return json.Number(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !floatHolds(s, f) {
		return json.Number(s)
	}
	return f
}

// floatHolds reports f (s parsed) as the number s spells: its shortest
// decimal spelling has s's value. Up to 15 significant digits a float64
// always does.
func floatHolds(s string, f float64) bool {
	digits := 0
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	for _, c := range mant {
		if c >= '0' && c <= '9' && (digits > 0 || c != '0') {
			digits++
		}
	}
	if digits <= 15 {
		return true
	}
	want, ok := new(big.Rat).SetString(s)
	return ok && want.Cmp(floatRat(f)) == 0
}

// floatRat is f as the rational its shortest decimal spelling is.
func floatRat(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}

// exactLiterals rewrites the integer literals of src that do not fit an
// int64 (expr refuses them) to exact("digits"), which compareNumbers reads
// exactly. Anything the lexer does not take is left for expr to report.
func exactLiterals(src string) (string, rewrites) {
	toks, err := lexer.Lex(file.NewSource(src))
	if err != nil {
		return src, nil
	}
	var edits rewrites
	runes := []rune(src)
	var out strings.Builder
	last := 0
	for _, t := range toks {
		if t.Kind != lexer.Number {
			continue
		}
		fn := "exact"
		if strings.Trim(t.Value, "0123456789") != "" {
			if _, ok := plainNumber(t.Value); !ok || !plainDecimal(t.Value) {
				continue // 1_000.5, 0x10, 1e400: expr's to read or refuse
			}
			fn = "decimal"
		} else if _, err := strconv.ParseInt(t.Value, 10, 64); err == nil {
			continue
		}
		from, to := t.From, t.To
		if from < last || to > len(runes) || string(runes[from:to]) != t.Value {
			return src, nil // not where the lexer says: leave it to expr
		}
		out.WriteString(string(runes[last:from]))
		call := fmt.Sprintf("%s(%q)", fn, t.Value)
		out.WriteString(call)
		edits = append(edits, rewrite{at: from, n: to - from, grew: len([]rune(call)) - (to - from)})
		last = to
	}
	if last == 0 {
		return src, nil
	}
	out.WriteString(string(runes[last:]))
	return out.String(), edits
}

// rewrite is one literal exactLiterals rewrote: where it starts in the
// source and its length (in runes), and how many runes longer the
// rewrite is.
type rewrite struct{ at, n, grew int }

// rewrites are exactLiterals' rewrites, in order.
type rewrites []rewrite

// original maps a place in the rewritten expression (a 1-based line, a
// 0-based column in runes) to the same place in src.
func (rs rewrites) original(rewritten, src string, line, col int) (int, int) {
	if len(rs) == 0 {
		return line, col
	}
	at := 0 // the place as a rune offset in rewritten
	for i, l := range strings.SplitAfter(rewritten, "\n") {
		if i+1 == line {
			break
		}
		at += len([]rune(l))
	}
	at += col
	shift := 0
	for _, r := range rs {
		start := r.at + shift // where the rewrite starts in rewritten
		if at < start {
			break
		}
		if at < start+r.n+r.grew { // inside the rewrite: at the literal
			at = start
			break
		}
		shift += r.grew
	}
	at -= shift
	line, col = 1, 0
	for _, c := range []rune(src)[:min(max(at, 0), len([]rune(src)))] {
		if c == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
	}
	return line, col
}

// exact is a literal exactLiterals rewrote, as an exact number: an
// integer as a *big.Int, a decimal (exactPatch turns decimal into exact
// where it is compared with a json field) as a *big.Rat.
func exact(params ...any) (any, error) {
	s, _ := params[0].(string)
	if strings.ContainsAny(s, ".eE") {
		r, ok := new(big.Rat).SetString(s)
		if !ok || !plainDecimal(s) {
			return nil, fmt.Errorf("%q is not a decimal number", s)
		}
		return r, nil
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

// decimal is a decimal literal exactLiterals rewrote where it is not
// compared with a json field: the float64 expr would have made of it.
func decimal(params ...any) (any, error) {
	s, _ := params[0].(string)
	f, ok := plainNumber(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	return f, nil
}

// exactPatch makes a comparison of a json field with a number literal,
// and any comparison with an exact literal, call compareNumbers: json.x >
// 100 becomes compareNumbers(json.x, 100, ">"). A numeric string (an Avro
// decimal, a Protobuf int64) compares as the number it holds.
type exactPatch struct{}

func (exactPatch) Visit(n *ast.Node) {
	b, ok := (*n).(*ast.BinaryNode)
	if !ok {
		return
	}
	switch b.Operator {
	case "==", "!=", "<", "<=", ">", ">=":
	default:
		return
	}
	b.Left, b.Right = negatedExact(b.Left), negatedExact(b.Right)
	if !(isNumber(b.Right) && fromJSON(b.Left) || isNumber(b.Left) && fromJSON(b.Right) ||
		isExact(b.Left) && numeric(b.Right) || isExact(b.Right) && numeric(b.Left)) {
		return
	}
	left, right := b.Left, b.Right
	if fromJSON(b.Left) || fromJSON(b.Right) || isExact(b.Left) || isExact(b.Right) {
		left, right = exactDecimal(left), exactDecimal(right)
	}
	ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: "compareNumbers"},
		Arguments: []ast.Node{left, right, &ast.StringNode{Value: b.Operator}}})
}

// isDecimal reports a decimal("digits.digits") literal.
func isDecimal(n ast.Node) bool {
	_, ok := literalCall(n, "decimal")
	return ok
}

// literalCall is the text of a fn("text") call exactLiterals wrote.
func literalCall(n ast.Node, fn string) (string, bool) {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 1 {
		return "", false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	lit, isLit := c.Arguments[0].(*ast.StringNode)
	if !ok || !isLit || id.Value != fn {
		return "", false
	}
	return lit.Value, true
}

// exactDecimal turns a decimal literal into the exact one it spells.
func exactDecimal(n ast.Node) ast.Node {
	s, ok := literalCall(n, "decimal")
	if !ok {
		return n
	}
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: "exact"}, Arguments: []ast.Node{&ast.StringNode{Value: s}}}
}

// numeric reports what an exact literal may be compared with: a json
// field, a number literal, partition, offset, schema.id or
// schema.version. (Anything else is left to expr, which names an unknown
// field where a call's argument would hide it.)
func numeric(n ast.Node) bool {
	if fromJSON(n) || isNumber(n) || isExact(n) {
		return true
	}
	if id, ok := n.(*ast.IdentifierNode); ok {
		return id.Value == "partition" || id.Value == "offset"
	}
	name, ok := schemaMember(n)
	return ok && (name == "id" || name == "version")
}

// isExact reports an exact("digits") literal.
func isExact(n ast.Node) bool {
	_, ok := literalCall(n, "exact")
	return ok
}

// negatedExact folds -exact("digits") into exact("-digits"), and
// -decimal("d.d") into decimal("-d.d").
func negatedExact(n ast.Node) ast.Node {
	u, ok := n.(*ast.UnaryNode)
	if !ok || u.Operator != "-" {
		return n
	}
	for _, fn := range []string{"exact", "decimal"} {
		if s, ok := literalCall(u.Node, fn); ok && !strings.HasPrefix(s, "-") {
			return &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: []ast.Node{&ast.StringNode{Value: "-" + s}}}
		}
	}
	return n
}

// compareNumbers compares a and b with op exactly where both are numbers
// (or numeric strings, in plain decimal); otherwise as expr's operator
// does (a text field equals no number; ordering it is an error).
func compareNumbers(params ...any) (any, error) {
	a, b := params[0], params[1]
	op, _ := params[2].(string)
	x, xok := toExact(a)
	y, yok := toExact(b)
	if !xok || !yok {
		return fallbackCompare(a, b, op)
	}
	c := x.cmp(y)
	switch op {
	case "==":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	default:
		return c >= 0, nil
	}
}

// fallbackCompare is expr's own operator on values that are not both
// numbers; an exact literal (beyond int64, or a decimal) equals nothing
// else. A missing or null field is not ordered against a number: <, <=,
// > and >= are false. Ordering anything else that is not a number is an
// error that says what was compared.
func fallbackCompare(a, b any, op string) (_ any, err error) {
	ordering := op != "==" && op != "!="
	if ordering && (a == nil || b == nil) {
		return false, nil
	}
	if bigNumber(a) || bigNumber(b) {
		switch op {
		case "==":
			return false, nil
		case "!=":
			return true, nil
		}
		return nil, orderError(a, b, op)
	}
	switch op {
	case "==":
		return runtime.Equal(a, b), nil
	case "!=":
		return !runtime.Equal(a, b), nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = orderError(a, b, op)
		}
	}()
	switch op {
	case "<":
		return runtime.Less(a, b), nil
	case "<=":
		return runtime.LessOrEqual(a, b), nil
	case ">":
		return runtime.More(a, b), nil
	default:
		return runtime.MoreOrEqual(a, b), nil
	}
}

// orderError says that a and b cannot be ordered by op, in the words of
// the values they are ("text cannot be compared with a number by >").
func orderError(a, b any, op string) error {
	return fmt.Errorf("%s cannot be compared with %s by %s", kindOf(a), kindOf(b), op)
}

// kindOf is what a value a filter compares is, in a few words.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "a missing or null value"
	case string:
		return "text"
	case bool:
		return "true or false"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case *big.Int, *big.Rat, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return "a number"
	}
	return "a value"
}

// bigNumber reports an exact literal's value (*big.Int, *big.Rat).
func bigNumber(v any) bool {
	switch v.(type) {
	case *big.Int, *big.Rat:
		return true
	}
	return false
}

// exactNum is a number held exactly: an int64, a uint64, a float64 or a
// rational, by kind.
type exactNum struct {
	kind byte // 'i', 'u', 'f' or 'r'
	i    int64
	u    uint64
	f    float64
	r    *big.Rat
}

// toExact reads v as a number: an integer, a finite float, a *big.Int,
// or a string (json.Number too) in plain decimal.
func toExact(v any) (exactNum, bool) {
	switch x := v.(type) {
	case int:
		return exactNum{kind: 'i', i: int64(x)}, true
	case int64:
		return exactNum{kind: 'i', i: x}, true
	case int32:
		return exactNum{kind: 'i', i: int64(x)}, true
	case uint64:
		return exactNum{kind: 'u', u: x}, true
	case uint:
		return exactNum{kind: 'u', u: uint64(x)}, true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return exactNum{}, false
		}
		return exactNum{kind: 'f', f: x}, true
	case *big.Int:
		return exactNum{kind: 'r', r: new(big.Rat).SetInt(x)}, true
	case *big.Rat:
		return exactNum{kind: 'r', r: x}, true
	case json.Number:
		return exactText(string(x))
	case string:
		return exactText(x)
	}
	return exactNum{}, false
}

// exactText is a numeric string (what plainNumber takes: plain decimal,
// within a float64's range) as an exact number.
func exactText(s string) (exactNum, bool) {
	if s == "" || strings.TrimSpace(s) != s {
		return exactNum{}, false
	}
	if _, ok := plainNumber(s); !ok {
		return exactNum{}, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return exactNum{kind: 'i', i: i}, true
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return exactNum{kind: 'u', u: u}, true
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return exactNum{}, false
	}
	return exactNum{kind: 'r', r: r}, true
}

// rat is n as a rational (exact for every kind).
func (n exactNum) rat() *big.Rat {
	switch n.kind {
	case 'i':
		return new(big.Rat).SetInt64(n.i)
	case 'u':
		return new(big.Rat).SetUint64(n.u)
	case 'f':
		return floatRat(n.f)
	}
	return n.r
}

// cmp compares two exact numbers: -1, 0 or 1.
func (n exactNum) cmp(o exactNum) int {
	switch {
	case n.kind == 'i' && o.kind == 'i':
		return cmp.Compare(n.i, o.i)
	case n.kind == 'u' && o.kind == 'u':
		return cmp.Compare(n.u, o.u)
	case n.kind == 'i' && o.kind == 'u':
		if n.i < 0 {
			return -1
		}
		return cmp.Compare(uint64(n.i), o.u)
	case n.kind == 'u' && o.kind == 'i':
		return -o.cmp(n)
	case n.kind == 'f' && o.kind == 'f':
		return cmp.Compare(n.f, o.f)
	}
	return n.rat().Cmp(o.rat())
}
