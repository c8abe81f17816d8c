// Package filter compiles message filter expressions (expr-lang) once and
// runs them per message. An expression sees:
//
//	key, value      the key and value as text (invalid UTF-8 replaced)
//	json            the value parsed as JSON (nil when it is not JSON); parsed
//	                only when the expression uses it
//	headers         map of header name to text value (the last one wins)
//	partition, offset, timestamp, stream, id
//	deadLetter      nil, or {origin, reason, exception, message, scheme, count, group}
//
// for example: json.status == "FAILED" && headers["tenant"] == "acme".
package filter

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/mqscope/mqscope/sources"
)

// Filter is a compiled expression.
type Filter struct {
	src      string
	prog     *vm.Program
	needJSON bool
}

// Env is what an expression sees of one message.
type Env struct {
	Key        string            `expr:"key"`
	Value      string            `expr:"value"`
	JSON       any               `expr:"json"`
	Headers    map[string]string `expr:"headers"`
	Partition  int               `expr:"partition"`
	Offset     int               `expr:"offset"`
	Timestamp  time.Time         `expr:"timestamp"`
	Stream     string            `expr:"stream"`
	ID         string            `expr:"id"`
	DeadLetter map[string]any    `expr:"deadLetter"`
}

// Compile parses and type-checks an expression that must yield a bool.
func Compile(src string) (*Filter, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, fmt.Errorf("filter: empty expression")
	}
	prog, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", src, err)
	}
	f := &Filter{src: src, prog: prog}
	v := &usesJSON{}
	node := prog.Node()
	ast.Walk(&node, v)
	f.needJSON = v.found
	return f, nil
}

// usesJSON finds the identifier json in an expression.
type usesJSON struct{ found bool }

func (u *usesJSON) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok && id.Value == "json" {
		u.found = true
	}
}

// String is the expression.
func (f *Filter) String() string { return f.src }

// Match runs the expression on a message. A runtime error (a field missing
// in a JSON value, say) is returned with the message's position.
func (f *Filter) Match(m *sources.Message) (bool, error) {
	e := Env{
		Key: strings.ToValidUTF8(string(m.Key), "\uFFFD"), Value: strings.ToValidUTF8(string(m.Value), "\uFFFD"),
		Partition: int(m.Partition), Offset: int(m.Offset), Timestamp: m.Timestamp, Stream: m.Stream, ID: m.ID,
		Headers: make(map[string]string, len(m.Headers)),
	}
	for _, h := range m.Headers {
		e.Headers[h.Key] = string(h.Value)
	}
	if f.needJSON && len(m.Value) > 0 {
		var v any
		if json.Unmarshal(m.Value, &v) == nil {
			e.JSON = v
		}
	}
	if d := m.DeadLetter; d != nil {
		e.DeadLetter = map[string]any{
			"origin": d.OriginStream, "reason": d.Reason, "exception": d.ExceptionClass, "message": d.ExceptionMessage,
			"scheme": d.Scheme, "count": int(d.Count), "group": d.ConsumerGroup,
		}
	}
	out, err := expr.Run(f.prog, e)
	if err != nil {
		return false, fmt.Errorf("filter on %s@%d: %w", m.Stream, m.Offset, err)
	}
	b, _ := out.(bool)
	return b, nil
}
