package filter

import (
	"bytes"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// native is an expression, or part of one, compiled to Go: it decides a
// message without filling the environment or running the VM. It answers
// decided=false where it cannot be sure to agree with expr (a JSON string
// with escapes, a value that is not a JSON object...);
// Match then runs the expression itself, so results never differ.
type native func(in *input) (result, decided bool)

// input is what a native expression reads of one message.
type input struct {
	m *sources.Message
	// json is what json reads: the value, or the document a schema
	// decoded it to.
	json []byte
	// d is the value as a schema decoded it (nil: not decoded).
	d *schema.Decoded
}

// schemaRef is the schema the input's value was decoded with (zero when none).
func (in *input) schemaRef() *schema.Ref {
	if in.d == nil || in.d.Ref.Origin == schema.OriginContent {
		return &noRef
	}
	return &in.d.Ref
}

var noRef schema.Ref

// compileNative compiles the shapes most filters have: comparisons of key,
// value, stream, id, a header, schema.subject, .format, .message, .error
// or one top-level JSON field with a string literal (==, !=, contains,
// startsWith, endsWith), a header or a schema field with nil (is it
// there), of partition, offset, schema.id or schema.version with an
// integer, joined by and/or/not. It returns nil for anything else.
// jsonKey is the only top-level JSON field the expression reads ("" when it
// reads none or several: then JSON comparisons are not compiled).
func compileNative(n ast.Node, jsonKey string) native {
	switch x := n.(type) {
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and", "||", "or":
			l, r := compileNative(x.Left, jsonKey), compileNative(x.Right, jsonKey)
			if l == nil || r == nil {
				return nil
			}
			and := x.Operator == "&&" || x.Operator == "and"
			return func(in *input) (bool, bool) {
				lv, ok := l(in)
				if !ok {
					return false, false
				}
				if lv != and { // false && …, true || …: decided by the left, as expr short-circuits
					return lv, true
				}
				return r(in)
			}
		case "==", "!=", "contains", "startsWith", "endsWith":
			if f := headerPresence(x); f != nil {
				return f
			}
			if f := schemaPresence(x); f != nil {
				return f
			}
			if f := stringComparison(x, jsonKey); f != nil {
				return f
			}
			if x.Operator == "==" || x.Operator == "!=" {
				return intComparison(x)
			}
		case "<", "<=", ">", ">=":
			return intComparison(x)
		}
	case *ast.UnaryNode:
		if x.Operator == "!" || x.Operator == "not" {
			inner := compileNative(x.Node, jsonKey)
			if inner == nil {
				return nil
			}
			return func(in *input) (bool, bool) {
				v, ok := inner(in)
				return !v, ok
			}
		}
	}
	return nil
}

// stringField reads one string field of a message: its bytes and whether
// they are known (false: let expr decide).
type stringField func(in *input) ([]byte, bool)

func stringComparison(x *ast.BinaryNode, jsonKey string) native {
	field, lit := x.Left, x.Right
	if _, ok := field.(*ast.StringNode); ok && (x.Operator == "==" || x.Operator == "!=") {
		field, lit = lit, field
	}
	s, ok := lit.(*ast.StringNode)
	if !ok {
		return nil
	}
	test := stringTest(x.Operator, []byte(s.Value))
	if name, ok := headerName(field); ok {
		// A missing header is nil in expr: == is false, != true, and
		// contains, startsWith and endsWith are false.
		missing := x.Operator == "!="
		return func(in *input) (bool, bool) {
			v, ok := header(in.m, name)
			if !ok {
				return missing, true
			}
			return test(v), true
		}
	}
	if name, ok := schemaMember(field); ok {
		// A schema field the message has not is nil, as a missing header.
		switch name {
		case "subject", "format", "message", "error":
		default:
			return nil
		}
		missing := x.Operator == "!="
		return func(in *input) (bool, bool) {
			v, ok := in.schemaString(name)
			if !ok {
				return missing, true
			}
			return test([]byte(v)), true
		}
	}
	get := stringFieldOf(field, jsonKey)
	if get == nil {
		return nil
	}
	return func(in *input) (bool, bool) {
		b, ok := get(in)
		if !ok {
			return false, false
		}
		return test(b), true
	}
}

// stringTest is a string operator applied to a field's bytes.
func stringTest(op string, want []byte) func(b []byte) bool {
	switch op {
	case "==":
		return func(b []byte) bool { return bytes.Equal(b, want) }
	case "!=":
		return func(b []byte) bool { return !bytes.Equal(b, want) }
	case "contains":
		return func(b []byte) bool { return bytes.Contains(b, want) }
	case "startsWith":
		return func(b []byte) bool { return bytes.HasPrefix(b, want) }
	default: // endsWith
		return func(b []byte) bool { return bytes.HasSuffix(b, want) }
	}
}

// headerName is the name in headers["name"] (or headers.name).
func headerName(n ast.Node) (string, bool) {
	x, ok := n.(*ast.MemberNode)
	if !ok || x.Optional {
		return "", false
	}
	id, ok := x.Node.(*ast.IdentifierNode)
	prop, pok := x.Property.(*ast.StringNode)
	if !ok || !pok || id.Value != "headers" {
		return "", false
	}
	return prop.Value, true
}

// header is a message's header value (the last one wins, as in the map)
// and whether the message has it.
func header(m *sources.Message, name string) ([]byte, bool) {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == name {
			return m.Headers[i].Value, true
		}
	}
	return nil, false
}

// nilCompared is the side of x that == or != compares with nil (ok
// false: x is no such comparison).
func nilCompared(x *ast.BinaryNode) (ast.Node, bool) {
	if x.Operator != "==" && x.Operator != "!=" {
		return nil, false
	}
	if _, isNil := x.Left.(*ast.NilNode); isNil {
		return x.Right, true
	}
	if _, isNil := x.Right.(*ast.NilNode); isNil {
		return x.Left, true
	}
	return nil, false
}

// headerPresence compiles headers["x"] == nil (the message lacks header x)
// and headers["x"] != nil (it has it), with nil on either side.
func headerPresence(x *ast.BinaryNode) native {
	field, ok := nilCompared(x)
	if !ok {
		return nil
	}
	name, ok := headerName(field)
	if !ok {
		return nil
	}
	has := x.Operator == "!="
	return func(in *input) (bool, bool) {
		_, ok := header(in.m, name)
		return ok == has, true
	}
}

func stringFieldOf(n ast.Node, jsonKey string) stringField {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		switch x.Value {
		case "key":
			return func(in *input) ([]byte, bool) { return in.m.Key, true }
		case "value":
			return func(in *input) ([]byte, bool) { return in.m.Value, true }
		case "stream":
			return func(in *input) ([]byte, bool) { return []byte(in.m.Stream), true }
		case "id":
			return func(in *input) ([]byte, bool) { return []byte(in.m.ID), true }
		}
	case *ast.ChainNode: // json.a as missingPatch made it optional
		if m, ok := x.Node.(*ast.MemberNode); ok && m.Optional {
			if id, ok := m.Node.(*ast.IdentifierNode); ok && id.Value == "json" {
				if prop, ok := m.Property.(*ast.StringNode); ok && jsonKey != "" && prop.Value == jsonKey {
					return func(in *input) ([]byte, bool) { return jsonString(in.json, jsonKey) }
				}
			}
		}
	case *ast.MemberNode:
		id, ok := x.Node.(*ast.IdentifierNode)
		prop, pok := x.Property.(*ast.StringNode)
		if !ok || !pok || x.Optional {
			return nil
		}
		switch {
		case id.Value == "headers":
			name := prop.Value
			return func(in *input) ([]byte, bool) {
				hs := in.m.Headers
				for i := len(hs) - 1; i >= 0; i-- { // the last one wins, as in the map
					if hs[i].Key == name {
						return hs[i].Value, true
					}
				}
				return nil, false // missing: expr's nil, not "": let it decide
			}
		case id.Value == "json" && jsonKey != "" && prop.Value == jsonKey:
			return func(in *input) ([]byte, bool) { return jsonString(in.json, jsonKey) }
		}
	}
	return nil
}

// jsonString finds a top-level field as topLevel does and returns its text
// when it is a plain string (no escapes, valid UTF-8).
func jsonString(data []byte, key string) ([]byte, bool) {
	tok, ok := Member(data, key)
	if !ok || len(tok) < 2 || tok[0] != '"' {
		return nil, false // missing or no plain string: let expr decide
	}
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return nil, false
	}
	return inner, true
}

func intComparison(x *ast.BinaryNode) native {
	lit, lok := x.Right.(*ast.IntegerNode)
	if !lok {
		return nil
	}
	// get reads the field and whether the message has it (a schema
	// field may be nil: == is false, != true, an ordering false).
	var get func(in *input) (int, bool)
	switch id := x.Left.(type) {
	case *ast.IdentifierNode:
		switch id.Value {
		case "partition":
			get = func(in *input) (int, bool) { return int(in.m.Partition), true }
		case "offset":
			get = func(in *input) (int, bool) { return int(in.m.Offset), true }
		default:
			return nil
		}
	case *ast.MemberNode:
		root, ok := id.Node.(*ast.IdentifierNode)
		prop, pok := id.Property.(*ast.StringNode)
		if !ok || !pok || root.Value != "schema" || id.Optional {
			return nil
		}
		switch prop.Value {
		case "id":
			get = (*input).schemaID
		case "version":
			get = (*input).schemaVersion
		default:
			return nil
		}
	default:
		return nil
	}
	n := lit.Value
	var test func(v int) bool
	switch x.Operator {
	case "==":
		test = func(v int) bool { return v == n }
	case "!=":
		test = func(v int) bool { return v != n }
	case "<":
		test = func(v int) bool { return v < n }
	case "<=":
		test = func(v int) bool { return v <= n }
	case ">":
		test = func(v int) bool { return v > n }
	case ">=":
		test = func(v int) bool { return v >= n }
	default:
		return nil
	}
	missing := x.Operator == "!="
	return func(in *input) (bool, bool) {
		v, ok := get(in)
		if !ok {
			return missing, true
		}
		return test(v), true
	}
}
