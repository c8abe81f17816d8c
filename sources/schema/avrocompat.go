package schema

import (
	"fmt"

	"github.com/hamba/avro/v2"
)

// avroCompatible is hamba/avro's schema compatibility (can reader read
// what writer wrote?) with what it leaves out: the decimal logical type.
// A decimal's bytes are an unscaled integer, so a reader whose scale is
// not the writer's reads another number from them, and a reader whose
// precision is less than the writer's cannot hold every value written.
func avroCompatible(reader, writer avro.Schema) error {
	if err := avro.NewSchemaCompatibility().Compatible(reader, writer); err != nil {
		return err
	}
	var w decimalWalk
	w.walk(reader, writer, "")
	return w.err
}

// decimalWalk walks a reader and a writer schema side by side, as a
// reader resolves the writer's data, and keeps the first decimal they
// disagree on.
type decimalWalk struct {
	seen map[[2]string]bool // the named pairs walked already (recursive records)
	err  error
}

func (w *decimalWalk) walk(reader, writer avro.Schema, path string) {
	reader, writer = derefAvro(reader), derefAvro(writer)
	if w.err != nil || reader == nil || writer == nil {
		return
	}
	if wu, ok := writer.(*avro.UnionSchema); ok {
		for _, b := range wu.Types() {
			w.walk(reader, b, path)
		}
		return
	}
	if ru, ok := reader.(*avro.UnionSchema); ok {
		if b := readerBranch(ru, writer); b != nil {
			w.walk(b, writer, path)
		}
		return
	}
	rn, rNamed := reader.(avro.NamedSchema)
	wn, wNamed := writer.(avro.NamedSchema)
	if rNamed && wNamed {
		key := [2]string{rn.FullName(), wn.FullName()}
		if w.seen[key] {
			return
		}
		if w.seen == nil {
			w.seen = map[[2]string]bool{}
		}
		w.seen[key] = true
	}
	switch r := reader.(type) {
	case *avro.RecordSchema:
		wr, ok := writer.(*avro.RecordSchema)
		if !ok {
			return
		}
		for _, rf := range r.Fields() {
			if wf := writerField(wr, rf); wf != nil {
				w.walk(rf.Type(), wf.Type(), joinPath(path, rf.Name()))
			}
		}
	case *avro.ArraySchema:
		if wa, ok := writer.(*avro.ArraySchema); ok {
			w.walk(r.Items(), wa.Items(), path+"[]")
		}
	case *avro.MapSchema:
		if wm, ok := writer.(*avro.MapSchema); ok {
			w.walk(r.Values(), wm.Values(), path+"{}")
		}
	default:
		rd, wd := decimalOf(reader), decimalOf(writer)
		if rd == nil || wd == nil {
			return
		}
		where := path
		if where == "" {
			where = "the value"
		}
		switch {
		case rd.Scale() != wd.Scale():
			w.err = fmt.Errorf("%s: a decimal of scale %d read as scale %d: the same bytes are another number", where, wd.Scale(), rd.Scale())
		case rd.Precision() < wd.Precision():
			w.err = fmt.Errorf("%s: a decimal of precision %d read as precision %d: it cannot hold every value written", where, wd.Precision(), rd.Precision())
		}
	}
}

// derefAvro is s, or the schema a reference to a named type names.
func derefAvro(s avro.Schema) avro.Schema {
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema()
	}
	return s
}

// decimalOf is the decimal logical type of a bytes or fixed schema (nil:
// none).
func decimalOf(s avro.Schema) *avro.DecimalLogicalSchema {
	var l avro.LogicalSchema
	switch t := s.(type) {
	case *avro.PrimitiveSchema:
		l = t.Logical()
	case *avro.FixedSchema:
		l = t.Logical()
	}
	d, _ := l.(*avro.DecimalLogicalSchema)
	return d
}

// writerField is the writer's field a reader's field reads: the same
// name, or one of the reader field's aliases.
func writerField(wr *avro.RecordSchema, rf *avro.Field) *avro.Field {
	for _, wf := range wr.Fields() {
		if wf.Name() == rf.Name() {
			return wf
		}
	}
	for _, a := range rf.Aliases() {
		for _, wf := range wr.Fields() {
			if wf.Name() == a {
				return wf
			}
		}
	}
	return nil
}

// readerBranch is the branch of a reader's union that data written as
// writer is read with: the same named type, else the same type.
func readerBranch(ru *avro.UnionSchema, writer avro.Schema) avro.Schema {
	wn, wNamed := writer.(avro.NamedSchema)
	var sameType avro.Schema
	for _, b := range ru.Types() {
		b = derefAvro(b)
		if b.Type() != writer.Type() {
			continue
		}
		if bn, ok := b.(avro.NamedSchema); ok && wNamed && bn.FullName() == wn.FullName() {
			return b
		}
		if sameType == nil {
			sameType = b
		}
	}
	return sameType
}
