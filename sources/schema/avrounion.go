package schema

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
)

// branchName is how a union branch is named in Avro's JSON encoding: a
// named type's full name, else its type's name.
func branchName(n *anode) string {
	if n.name != "" {
		return n.name
	}
	switch n.kind {
	case aNull:
		return "null"
	case aBool:
		return "boolean"
	case aInt, aDate, aTimeMillis:
		return "int"
	case aLong, aTimeMicros, aTimestampMillis, aTimestampMicros, aLocalTimestampMillis, aLocalTimestampMicros, aTimestampNanos, aLocalTimestampNanos:
		return "long"
	case aFloat:
		return "float"
	case aDouble:
		return "double"
	case aBytes, aDecimal:
		return "bytes"
	case aString:
		return "string"
	case aArray:
		return "array"
	case aMap:
		return "map"
	}
	return "fixed"
}

// namesBranch reports whether name names branch b: its full name, or
// its name without the namespace.
func namesBranch(b *anode, name string) bool {
	full := branchName(b)
	if name == full {
		return true
	}
	i := strings.LastIndexByte(full, '.')
	return i >= 0 && name == full[i+1:]
}

// fitsEarlierBranch reports a union value, decoded as js from branch
// taken, that an earlier branch would take too: encoding the document
// again would write that branch, so the document does not tell the
// branch.
func fitsEarlierBranch(n *anode, taken int, js []byte) bool {
	if taken == 0 {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	v, err := parseOrdered(d, 0)
	if err != nil {
		return false
	}
	w := awriter{memo: map[fitKey]error{}}
	for _, b := range n.branches[:taken] {
		if w.fits(b, v, 0) == nil {
			return true
		}
	}
	return false
}

// fits tries v as branch b of a union at depth, writing nothing: nil
// when it fits, else why not.
func (w *awriter) fits(b *anode, v any, depth int) error {
	if w.memo == nil {
		w.memo = map[fitKey]error{}
	}
	m, dry := w.mark(), w.dry
	w.dry = true
	err := w.value(b, v, depth+1)
	w.dry = dry
	w.reset(m)
	return err
}

// unionBranches writes v into a union without a branch from the decode
// (or whose branch from the decode, skip, does not fit it: skipErr): the
// one branch v fits; with more than one, the branch v names in Avro's
// JSON encoding ({"B": {...}}), or an error asking for that. The first
// branch that fits is written in place; only an ambiguous union's other
// branches are tried, to see whether they fit too.
func (w *awriter) unionBranches(n *anode, v any, depth int, skip int, skipErr error) error {
	// The reason given when no branch fits is a branch's of v's JSON
	// kind (the last record's among them), else the first branch's.
	var first error
	firstRank, kind := 0, valueClass(v)
	note := func(i int, err error) {
		rank := 0
		if jsonClass(n.branches[i].kind) == kind {
			rank = 1
		}
		if first == nil || rank > firstRank || rank == firstRank && n.branches[i].kind == aRecord {
			first, firstRank = err, rank
		}
	}
	fits := []int{}
	var written wmark
	for i, b := range n.branches {
		if i == skip {
			note(i, skipErr)
			continue
		}
		if len(fits) > 0 {
			if !n.ambig {
				break
			}
			if err := w.fits(b, v, depth); err == nil {
				fits = append(fits, i)
			} else if stop := w.stopped(); stop != nil {
				return stop
			}
			continue
		}
		m := w.mark()
		w.b = binary.AppendVarint(w.b, int64(i))
		err := w.value(b, v, depth+1)
		if err == nil {
			fits, written = append(fits, i), m
			continue
		}
		w.reset(m)
		if stop := w.stopped(); stop != nil {
			return stop
		}
		note(i, err)
	}
	if len(fits) == 1 || len(fits) > 1 && !n.ambig {
		return nil // written
	}
	if len(fits) > 1 {
		w.reset(written)
	}
	if o, ok := v.(*object); ok && len(o.keys) == 1 {
		for i, b := range n.branches {
			if namesBranch(b, o.keys[0]) {
				if err := w.branch(n, i, o.vals[o.keys[0]], depth); err == nil || len(fits) == 0 {
					return err
				}
			}
		}
	}
	if len(fits) > 1 {
		names := make([]string, len(fits))
		for i, f := range fits {
			names[i] = branchName(n.branches[f])
		}
		return wfail("the value fits union branches %s alike: name the branch as Avro's JSON does ({%q: ...})", strings.Join(names, ", "), names[len(names)-1])
	}
	if first == nil {
		return wfail("empty union")
	}
	return first
}

// branch writes v as branch i of union n.
func (w *awriter) branch(n *anode, i int, v any, depth int) error {
	m := w.mark()
	w.b = binary.AppendVarint(w.b, int64(i))
	if err := w.value(n.branches[i], v, depth+1); err != nil {
		w.reset(m)
		return err
	}
	return nil
}

// valueClass is the kind of a document's value as jsonClass names a
// type's.
func valueClass(v any) byte {
	switch v.(type) {
	case nil:
		return 'z'
	case bool:
		return 'b'
	case json.Number:
		return 'n'
	case *object:
		return 'o'
	case []any:
		return 'a'
	}
	return 's'
}
