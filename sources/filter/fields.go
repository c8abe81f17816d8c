package filter

import (
	"reflect"
	"sort"
)

// Field is one name an expression can read, with a one-line doc.
type Field struct {
	Name string // key, json.*, headers["x"], deadLetter.reason, schema.version
	Doc  string
}

// fieldDocs documents the top-level names of Env (by their expr tags).
var fieldDocs = map[string]struct{ name, doc string }{
	"key":        {"key", `the key as text; key == nil matches a null key`},
	"value":      {"value", `the value as text; value == nil matches a tombstone`},
	"json":       {"json.*", `the value parsed as JSON (or decoded with its schema); nil when not JSON`},
	"headers":    {`headers["x"]`, `header x as text; nil when the message has none`},
	"partition":  {"partition", "the partition number"},
	"offset":     {"offset", "the offset (sequence) within the partition"},
	"timestamp":  {"timestamp", `the time, e.g. timestamp > date("2026-11-29T08:00:00Z")`},
	"stream":     {"stream", "the topic, queue or stream name"},
	"id":         {"id", "the broker's message id"},
	"deadLetter": {"deadLetter.*", "the dead-letter provenance; nil for a message that is not one"},
	"tombstone":  {"tombstone", "true when the value is null"},
	"nullKey":    {"nullKey", "true when the key is null"},
	"schema":     {"schema.*", "the schema that decoded the value (zero values when none)"},
}

// schemaDocs documents the fields of Schema (by their expr tags).
var schemaDocs = map[string]string{
	"id":      "the registry's schema id (0: none)",
	"subject": "the subject of the schema",
	"version": "the subject version",
	"format":  "avro, protobuf or jsonschema",
	"message": "the Protobuf message's or Avro record's full name",
	"error":   `why the value did not decode ("" when it did)`,
}

// deadLetterDocs documents the keys of deadLetter (see deadLetterOf).
var deadLetterDocs = map[string]string{
	"origin":      "the stream the message failed on",
	"reason":      "why it was dead-lettered",
	"exception":   "the exception class",
	"message":     "the exception message",
	"scheme":      "the dead-letter convention (spring, connect, rabbitmq…)",
	"count":       "how many times it died",
	"group":       "the consumer group that failed it",
	"fingerprint": "the failure's id, as in mqscope triage",
}

// Fields lists every name an expression can read, with a doc each: the
// names of Env and the fields of schema and deadLetter, in the order a
// prompt shows them.
func Fields() []Field {
	var out []Field
	env := reflect.TypeFor[Env]()
	for i := range env.NumField() {
		tag := env.Field(i).Tag.Get("expr")
		d := fieldDocs[tag]
		out = append(out, Field{Name: d.name, Doc: d.doc})
		switch tag {
		case "schema":
			st := reflect.TypeFor[Schema]()
			for j := range st.NumField() {
				sub := st.Field(j).Tag.Get("expr")
				out = append(out, Field{Name: "schema." + sub, Doc: schemaDocs[sub]})
			}
		case "deadLetter":
			for _, k := range sortedKeys(deadLetterDocs) {
				out = append(out, Field{Name: "deadLetter." + k, Doc: deadLetterDocs[k]})
			}
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Operator is one operator or function of the expression language, with
// an example.
type Operator struct {
	Name, Example string
}

// Operators lists what expressions are written with, each with an example.
func Operators() []Operator {
	return []Operator{
		{"== != < <= > >=", `json.status == "FAILED"`},
		{"&& || !  (and or not)", `json.amount > 100 && headers["tenant"] == "acme"`},
		{"in", `json.status in ["FAILED", "RETRY"]`},
		{"contains startsWith endsWith", `key startsWith "ord-"`},
		{"matches", `value matches "timeout|refused"`},
		{"nil", `headers["traceparent"] != nil`},
		{"date()", `timestamp >= date("2026-11-29T08:00:00Z")`},
		{"number()", `number(json.total) > 99.5`},
		{"len()", `len(value) > 1000`},
	}
}
