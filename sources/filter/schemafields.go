package filter

import (
	"github.com/expr-lang/expr/ast"

	"github.com/mqscope/mqscope/sources/schema"
)

// A schema field an expression reads is nil where the message has none:
// schema.id where the value carries no wire-format framing, schema.subject
// and schema.version where no registry named a subject version,
// schema.format and schema.message where no schema decoded the value,
// schema.error where it decoded (or needed no schema). These functions say
// what each field is for one input, for the VM's environment and the
// native path alike.

// schemaID is the framing's schema id (also when the registry did not
// answer for it) and whether the value is framed.
// Where nothing decoded the value, the framing itself says it: a value
// that starts with the magic byte and a schema id.
func (in *input) schemaID() (int, bool) {
	if in.d == nil {
		if v := in.m.Value; len(v) < schema.HeaderSize || v[0] != schema.Magic {
			return 0, false // most values: no error built to say so
		}
		id, _, err := schema.ParseHeader(in.m.Value)
		return id, err == nil
	}
	if in.d.Ref.Origin != schema.OriginRegistry && in.d.Ref.Unresolved == 0 {
		return 0, false // a framed value a local schema decoded keeps its id
	}
	return in.d.Ref.ID, true
}

// schemaVersion is the subject version the registry named for the id.
func (in *input) schemaVersion() (int, bool) {
	r := in.schemaRef()
	if r.Subject == "" {
		return 0, false
	}
	return r.Version, true
}

// schemaString is schema.subject, .format, .message or .error and whether
// the message has it.
func (in *input) schemaString(field string) (string, bool) {
	switch field {
	case "subject":
		r := in.schemaRef()
		return r.Subject, r.Subject != ""
	case "format":
		switch f := in.schemaRef().Format; f {
		case schema.FormatAvro, schema.FormatProtobuf, schema.FormatJSONSchema:
			return string(f), true
		}
	case "message":
		r := in.schemaRef()
		return r.Message, r.Message != ""
	case "error":
		if in.d != nil && in.d.Err != nil {
			return in.d.Err.Error(), true
		}
	}
	return "", false
}

// schemaValues holds what the environment's Schema points at, so filling
// it for a message allocates nothing.
type schemaValues struct {
	id, version                     int
	subject, format, message, error string
}

// fill sets s to the schema fields of in, pointing into v.
func (s *Schema) fill(in *input, v *schemaValues) {
	*s = Schema{}
	var ok bool
	if v.id, ok = in.schemaID(); ok {
		s.ID = &v.id
	}
	if v.version, ok = in.schemaVersion(); ok {
		s.Version = &v.version
	}
	if v.subject, ok = in.schemaString("subject"); ok {
		s.Subject = &v.subject
	}
	if v.format, ok = in.schemaString("format"); ok {
		s.Format = &v.format
	}
	if v.message, ok = in.schemaString("message"); ok {
		s.Message = &v.message
	}
	if v.error, ok = in.schemaString("error"); ok {
		s.Error = &v.error
	}
}

// schemaMember is the field name of schema.name (schema["name"]).
func schemaMember(n ast.Node) (string, bool) {
	x, ok := n.(*ast.MemberNode)
	if !ok || x.Optional {
		return "", false
	}
	id, ok := x.Node.(*ast.IdentifierNode)
	prop, pok := x.Property.(*ast.StringNode)
	if !ok || !pok || id.Value != "schema" {
		return "", false
	}
	return prop.Value, true
}

// orderPatch makes an ordering of schema.id or schema.version (<, <=, >,
// >=) false where the field is nil, as == is, instead of an error on every
// message that has no schema: schema.version > 2 becomes
// schema.version != nil && schema.version > 2.
type orderPatch struct{}

func (orderPatch) Visit(n *ast.Node) {
	b, ok := (*n).(*ast.BinaryNode)
	if !ok {
		return
	}
	switch b.Operator {
	case "<", "<=", ">", ">=":
	default:
		return
	}
	var field ast.Node
	for _, side := range []ast.Node{b.Left, b.Right} {
		if name, ok := schemaMember(side); ok && (name == "id" || name == "version") {
			field = side
			break
		}
	}
	if field == nil {
		return
	}
	present := &ast.BinaryNode{Operator: "!=", Left: copyMember(field), Right: &ast.NilNode{}}
	ast.Patch(n, &ast.BinaryNode{Operator: "&&", Left: present, Right: b})
}

// copyMember is a fresh schema.name node (a node has one parent).
func copyMember(n ast.Node) ast.Node {
	x := n.(*ast.MemberNode)
	return &ast.MemberNode{Node: &ast.IdentifierNode{Value: "schema"}, Property: &ast.StringNode{Value: x.Property.(*ast.StringNode).Value}}
}

// schemaPresence compiles schema.x == nil and schema.x != nil (nil on
// either side) natively.
func schemaPresence(x *ast.BinaryNode) native {
	field, ok := nilCompared(x)
	if !ok {
		return nil
	}
	name, ok := schemaMember(field)
	if !ok {
		return nil
	}
	var has func(in *input) bool
	switch name {
	case "id":
		has = func(in *input) bool { _, ok := in.schemaID(); return ok }
	case "version":
		has = func(in *input) bool { _, ok := in.schemaVersion(); return ok }
	case "subject", "format", "message":
		has = func(in *input) bool { _, ok := in.schemaString(name); return ok }
	case "error":
		has = func(in *input) bool { return in.d != nil && in.d.Err != nil }
	default:
		return nil
	}
	want := x.Operator == "!="
	return func(in *input) (bool, bool) { return has(in) == want, true }
}
