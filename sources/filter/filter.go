// Package filter compiles message filter expressions (expr-lang) once and
// runs them per message. An expression sees:
//
//	key, value      the key and value as text; key == nil and value == nil
//	                match a null key and a null value (a tombstone)
//	tombstone       true when the value is null (a tombstone), nullKey when
//	                the key is
//	json            the value parsed as JSON (nil when it is not JSON); parsed
//	                only when the expression uses it. Where a schema decoded
//	                the value (Avro, Protobuf, JSON Schema: MatchDecoded, a
//	                Scanner with a Decoder), json is the decoded document
//	schema          the schema that decoded the value: {id, subject, version,
//	                format, message, error}; a field the message has not is
//	                nil: id where the value carries no wire-format framing
//	                (a value framed with id 0 has id 0), subject and
//	                version where no registry named them, format and
//	                message where no schema decoded the value, error where
//	                nothing failed (else it says why the value did not
//	                decode). schema.version > 2 is false where it is nil
//	headers         map of header name to text value (the last one wins); a
//	                missing header is nil, so headers["x"] != nil means the
//	                message has header x and headers["x"] == "" matches only
//	                an empty value
//	partition, offset, timestamp, stream, id
//	deadLetter      nil, or {origin, reason, exception, message, scheme, count,
//	                group, fingerprint} (fingerprint: the failure's id, as in
//	                mqscope triage)
//
// for example: json.status == "FAILED" && headers["tenant"] == "acme", or a
// range: offset >= 100 && timestamp < date("2026-11-29T09:00:00Z"), or
// schema.version == 3 && json.amount > 100. A JSON field compared with a
// number literal is read as a number when it is a numeric string (Avro
// decimals decode to exact strings such as "120.5000"); number(x) does the
// same anywhere. Numbers compare exactly: a JSON integer is an integer
// (json.id == 9007199254740993 does not match 9007199254740992), and an
// integer literal may go beyond int64 (json.u64 > 18446744073709551614);
// a decimal literal compared with a json field is its decimal value, not a
// float64 (json.amount > 99999999999999999.99 tells an Avro decimal
// 100000000000000000.00 from 99999999999999999.99).
// Numbers are finite and in plain decimal: Inf and NaN in
// an expression are a syntax error, and text such as "NaN", "Inf" or
// "0x10" stays text.
// key, value and header values are the message's bytes as text (invalid
// UTF-8 is kept as it is). A string literal is text: "\xcc" is the
// character U+00CC (two bytes in UTF-8), not the byte 0xcc, so a byte
// prefix of a framed value cannot be written as one; schema.id == 204
// selects the values framed with id 204 (the framing is read even where
// no registry decoded the value).
package filter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/schema"
)

// Filter is a compiled expression. Match reuses one environment, so a
// Filter is for one goroutine at a time.
type Filter struct {
	src string
	// exactSrc is src with its exact literals rewritten (exactLiterals),
	// edits the rewrites: an evaluation error's place is mapped back.
	exactSrc string
	edits    rewrites
	prog     *vm.Program
	uses     map[string]bool // the identifiers the expression reads
	// jsonKeys, when set, are the only top-level fields the expression
	// reads from json: the rest of the value is skipped, not decoded.
	jsonKeys map[string]bool
	// fingerprint is set when the expression reads deadLetter.fingerprint
	// (normalising a failure costs more than the other fields).
	fingerprint bool
	// native decides most messages without the VM (nil: the expression
	// has a shape it does not compile).
	native native
	env    Env
	sch    schemaValues // what env.Schema points at
	in     input
	vm     vm.VM
}

// Env is what an expression sees of one message.
type Env struct {
	Key        string         `expr:"key"`
	Value      string         `expr:"value"`
	JSON       any            `expr:"json"`
	Headers    map[string]any `expr:"headers"` // a missing header reads as nil, a present one as its text
	Partition  int            `expr:"partition"`
	Offset     int            `expr:"offset"`
	Timestamp  time.Time      `expr:"timestamp"`
	Stream     string         `expr:"stream"`
	ID         string         `expr:"id"`
	DeadLetter map[string]any `expr:"deadLetter"`
	Tombstone  bool           `expr:"tombstone"` // the value is null (value == nil reads it)
	NullKey    bool           `expr:"nullKey"`   // the key is null (key == nil reads it)
	Schema     Schema         `expr:"schema"`
}

// Schema is what an expression sees of the schema that decoded a value;
// a nil field is one the message has not (expr reads a pointer's value).
type Schema struct {
	// ID is the schema id of the value's wire-format framing (nil: not framed).
	ID *int `expr:"id"`
	// Subject and Version are the subject version that has the id (nil:
	// the registry named none).
	Subject *string `expr:"subject"`
	Version *int    `expr:"version"`
	// Format is avro, protobuf or jsonschema (nil when no schema decoded it).
	Format *string `expr:"format"`
	// Message is the Protobuf message's (or Avro record's) full name.
	Message *string `expr:"message"`
	// Error says why the value could not be decoded (nil when it was, or
	// needed no schema).
	Error *string `expr:"error"`
}

// ValueDecoder decodes a message's value for json and schema: a
// *schema.Decoder does (fetching schemas from the registry as needed); the
// TUI's filter over held messages uses one that reads only the schemas
// already fetched.
type ValueDecoder interface {
	Value(ctx context.Context, m *sources.Message) schema.Decoded
}

// Compile parses and type-checks an expression that must yield a bool.
func Compile(src string) (*Filter, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, fmt.Errorf("filter: empty expression")
	}
	exactSrc, edits := exactLiterals(src)
	prog, err := compileExpr(exactSrc)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			msg := fe.Message
			if name, ok := strings.CutPrefix(msg, "unknown name "); ok && notFinite(name) {
				msg = name + " is not a number a filter compares with: only finite numbers are (JSON has no Inf or NaN, and a text value such as \"NaN\" compares as text)"
			}
			line, col := edits.original(exactSrc, src, fe.Line, fe.Column)
			return nil, &SyntaxError{Expr: src, Line: line, Column: col + 1, Msg: msg}
		}
		return nil, fmt.Errorf("filter %q: %w", src, err)
	}
	f := &Filter{src: src, exactSrc: exactSrc, edits: edits, prog: prog, uses: map[string]bool{}, fingerprint: strings.Contains(src, "fingerprint")}
	node := prog.Node()
	ast.Walk(&node, identifiers(f.uses))
	ju := &jsonUse{keys: map[string]bool{}}
	ast.Walk(&node, ju)
	if ju.idents > 0 && ju.idents == ju.members {
		f.jsonKeys = ju.keys
	}
	jsonKey := ""
	if len(f.jsonKeys) == 1 {
		for k := range f.jsonKeys {
			jsonKey = k
		}
	}
	f.native = compileNative(node, jsonKey)
	f.env.Headers = map[string]any{}
	return f, nil
}

// compileExpr compiles an expression (its literals beyond int64 already
// rewritten by exactLiterals) with the filter's environment, patches and
// functions.
func compileExpr(src string) (*vm.Program, error) {
	return expr.Compile(src, expr.Env(&Env{}), expr.AsBool(), expr.Patch(nullPatch{}), expr.Patch(exactPatch{}), expr.Patch(orderPatch{}), expr.Patch(missingPatch{}),
		expr.Function("number", number, new(func(any) any)),
		expr.Function("exact", exact, new(func(string) any)),
		expr.Function("decimal", decimal, new(func(string) float64)),
		expr.Function("compareNumbers", compareNumbers, new(func(any, any, string) bool)))
}

// nullPatch rewrites key == nil and value == nil (and !=) to nullKey and
// tombstone: key and value are text, which is never nil, but a message's
// key or value can be null, and that is what such a comparison means.
type nullPatch struct{}

func (nullPatch) Visit(n *ast.Node) {
	b, ok := (*n).(*ast.BinaryNode)
	if !ok || b.Operator != "==" && b.Operator != "!=" {
		return
	}
	side := b.Left
	if _, isNil := b.Left.(*ast.NilNode); isNil {
		side = b.Right
	} else if _, isNil := b.Right.(*ast.NilNode); !isNil {
		return
	}
	id, ok := side.(*ast.IdentifierNode)
	if !ok {
		return
	}
	var to ast.Node
	switch id.Value {
	case "value":
		to = &ast.IdentifierNode{Value: "tombstone"}
	case "key":
		to = &ast.IdentifierNode{Value: "nullKey"}
	default:
		return
	}
	if b.Operator == "!=" {
		to = &ast.UnaryNode{Operator: "not", Node: to}
	}
	ast.Patch(n, to)
}

// missingPatch makes every member access rooted at json optional (as
// json?.a?.b): a path whose parent the message has not (a value that is
// not JSON, a null or missing member) reads as nil, not an error. The
// accesses of one path share one chain, at its outermost access.
type missingPatch struct{}

func (missingPatch) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok || !fromJSON(m) {
		return
	}
	if c, ok := m.Node.(*ast.ChainNode); ok { // the inner path's chain: this one takes it on
		m.Node = c.Node
	}
	m.Optional = true
	ast.Patch(n, &ast.ChainNode{Node: m})
}

// isNumber reports a number literal (negative too).
func isNumber(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return true
	case *ast.CallNode:
		return isDecimal(n)
	case *ast.UnaryNode:
		return x.Operator == "-" && isNumber(x.Node)
	}
	return false
}

// fromJSON reports a member access rooted at json (json.a.b, json["a"][0]).
func fromJSON(n ast.Node) bool {
	for {
		switch x := n.(type) {
		case *ast.MemberNode:
			n = x.Node
		case *ast.ChainNode:
			n = x.Node
		case *ast.IdentifierNode:
			return x.Value == "json"
		default:
			return false
		}
	}
}

// number is the number a numeric string holds (in plain decimal:
// plainNumber), else its argument as it is: "NaN", "Inf" or "0x10" stay
// text, and compare as text.
func number(params ...any) (any, error) {
	if len(params) != 1 {
		return nil, fmt.Errorf("number takes one argument, got %d", len(params))
	}
	s, ok := params[0].(string)
	if !ok || s == "" || strings.TrimSpace(s) != s {
		return params[0], nil
	}
	if f, ok := plainNumber(s); ok {
		return f, nil
	}
	return params[0], nil
}

// SyntaxError is an expression that does not compile (syntax, unknown
// field, wrong types), with where: one line, fit for a prompt.
type SyntaxError struct {
	Expr         string
	Line, Column int // 1-based
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// identifiers collects the identifiers an expression reads.
type identifiers map[string]bool

func (ids identifiers) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		ids[id.Value] = true
	}
}

// text views bytes as a string without copying; the message is not
// changed while an expression runs.
func text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// String is the expression.
func (f *Filter) String() string { return f.src }

// Clone is the same filter with state of its own: a Filter decides one
// message at a time, and each clone may decide messages on a goroutine of
// its own beside it. The compiled program and its native form are shared
// (neither changes once compiled).
func (f *Filter) Clone() *Filter {
	return &Filter{src: f.src, prog: f.prog, uses: f.uses, jsonKeys: f.jsonKeys, fingerprint: f.fingerprint, native: f.native,
		env: Env{Headers: map[string]any{}}}
}

// UsesDecoded reports an expression that reads json or schema: one that
// MatchDecoded answers differently when a schema decoded the value.
func (f *Filter) UsesDecoded() bool { return f.uses["json"] || f.uses["schema"] }

// Match runs the expression on a message. A runtime error (a field missing
// in a JSON value, say) is returned with the message's position.
func (f *Filter) Match(m *sources.Message) (bool, error) { return f.MatchDecoded(m, nil) }

// MatchDecoded is Match with the message's value as a schema decoded it
// (nil: not decoded): json reads the decoded document where a schema
// decoded it, schema names that schema. It does no I/O.
func (f *Filter) MatchDecoded(m *sources.Message, d *schema.Decoded) (bool, error) {
	in := &f.in
	in.m, in.d, in.json = m, d, m.Value
	if d != nil && d.Ref.Origin != schema.OriginContent && d.JSON != nil {
		in.json = d.JSON
	}
	ok, err := f.match(in)
	*in = input{} // hold nothing of the message after the run
	return ok, err
}

// match decides one input: natively where it can, else with the VM.
func (f *Filter) match(in *input) (bool, error) {
	if f.native != nil {
		if r, ok := f.native(in); ok {
			return r, nil
		}
	}
	m := in.m
	e := &f.env
	e.Partition, e.Offset, e.Timestamp, e.Stream, e.ID = int(m.Partition), int(m.Offset), m.Timestamp, m.Stream, m.ID
	e.Tombstone, e.NullKey = m.Value == nil, m.Key == nil
	e.Key, e.Value, e.JSON, e.DeadLetter = "", "", nil, nil
	if f.uses["key"] {
		e.Key = text(m.Key)
	}
	if f.uses["value"] {
		e.Value = text(m.Value)
	}
	if f.uses["headers"] {
		clear(e.Headers)
		for _, h := range m.Headers {
			e.Headers[h.Key] = text(h.Value)
		}
	}
	if f.uses["json"] && len(in.json) > 0 {
		if f.jsonKeys != nil {
			if obj := topLevel(in.json, f.jsonKeys); obj != nil {
				e.JSON = obj
			}
		} else {
			if v, ok := decodeJSON(in.json); ok {
				e.JSON = v
			}
		}
	}
	e.Schema = Schema{}
	if f.uses["schema"] {
		e.Schema.fill(in, &f.sch)
	}
	if d := m.DeadLetter; d != nil && f.uses["deadLetter"] {
		e.DeadLetter = map[string]any{
			"origin": d.OriginStream, "reason": d.Reason, "exception": d.ExceptionClass, "message": d.ExceptionMessage,
			"scheme": d.Scheme, "count": int(d.Count), "group": d.ConsumerGroup,
		}
		if f.fingerprint {
			e.DeadLetter["fingerprint"] = dlq.FailureOf(d).Fingerprint()
		}
	}
	out, err := f.vm.Run(f.prog, e)
	e.Key, e.Value, e.JSON = "", "", nil // hold nothing of the message after the run
	clear(e.Headers)
	if err != nil {
		return false, fmt.Errorf("filter on %s@%d: %w", m.Stream, m.Offset, f.inSource(err))
	}
	b, _ := out.(bool)
	return b, nil
}

// inSource is an evaluation error placed in the expression as it was
// written, not as exactLiterals rewrote it (its snippet shows the user's
// 0.1, not the call it became).
func (f *Filter) inSource(err error) error {
	var fe *file.Error
	if len(f.edits) == 0 || !errors.As(err, &fe) || fe.Snippet == "" {
		return err
	}
	line, col := f.edits.original(f.exactSrc, f.src, fe.Line, fe.Column)
	at := 0
	for i, l := range strings.SplitAfter(f.src, "\n") {
		if i+1 == line {
			break
		}
		at += len([]rune(l))
	}
	out := &file.Error{Location: file.Location{From: at + col, To: at + col + 1}, Message: fe.Message, Prev: fe.Prev}
	return out.Bind(file.NewSource(f.src))
}
