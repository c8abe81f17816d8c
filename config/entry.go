package config

import (
	"fmt"
	"reflect"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/sources"
)

// EntryError is what a driver finds wrong with one key of a connection's
// config entry. Parse turns it into an Error with the file, the line and
// the field (connection.key).
type EntryError struct {
	// Key is the entry's key ("brokers"); "" for the entry as a whole.
	Key string
	// Line is where it is (0: the key's line, else the entry's).
	Line int
	// Msg says what is wrong.
	Msg string
	// Unknown marks a key the driver does not know: the field is shown as
	// the key alone, as for any unknown key of the file.
	Unknown bool
}

// Error says what is wrong with the key.
func (e *EntryError) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

// Refuse is a driver's complaint about key of an entry (see EntryError).
func Refuse(key, msg string) error { return &EntryError{Key: key, Msg: msg} }

// DecodeEntry decodes the keys of a connection's entry that are not
// common to every kind (sources.CommonConfigKey) into v, a pointer to a
// struct with yaml tags (Secret inlined for password_*, *TLS for tls). A
// key v has no field for, at any depth, is an *EntryError with its line,
// as is a value of the wrong type.
func DecodeEntry(node *yaml.Node, v any) error {
	return decodeKeys(node, v, "connection", func(k string) bool { return !sources.CommonConfigKey(k) })
}

// decodeKeys decodes the keys of node that keep reports into v, refusing
// unknown keys (what names v's place in the message).
func decodeKeys(node *yaml.Node, v any, what string, keep func(string) bool) error {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	sub := *node
	sub.Content = nil
	for i := 0; i+1 < len(node.Content); i += 2 {
		if keep(node.Content[i].Value) {
			sub.Content = append(sub.Content, node.Content[i], node.Content[i+1])
		}
	}
	if err := checkKnown(&sub, reflect.TypeOf(v), what); err != nil {
		return err
	}
	if err := sub.Decode(v); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		e := &EntryError{Msg: msg, Unknown: true}
		if m := yamlLine().FindStringSubmatch(msg); m != nil {
			fmt.Sscan(m[1], &e.Line)
			e.Msg = m[2]
		}
		return e
	}
	return nil
}

// checkKnown refuses a key of a mapping that t (a struct, through pointers
// and slices) has no yaml field for, as the strict YAML decoder would.
func checkKnown(node *yaml.Node, t reflect.Type, what string) error {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice {
			if node.Kind != yaml.SequenceNode {
				return nil
			}
			for _, item := range node.Content {
				if err := checkKnown(item, t.Elem(), what); err != nil {
					return err
				}
			}
			return nil
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || node.Kind != yaml.MappingNode {
		return nil
	}
	fields := map[string]reflect.Type{}
	yamlFields(t, fields)
	for i := 0; i+1 < len(node.Content); i += 2 {
		k := node.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			return &EntryError{Key: k.Value, Line: k.Line, Msg: "unknown field (in " + what + "; see mqscope config init)", Unknown: true}
		}
		if err := checkKnown(node.Content[i+1], ft, strings.ToLower(baseName(ft))); err != nil {
			return err
		}
	}
	return nil
}

// yamlFields collects a struct's yaml keys and their types (inline
// structs' keys included).
func yamlFields(t reflect.Type, out map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-" || !f.IsExported():
		case strings.Contains(opts, "inline"):
			yamlFields(f.Type, out)
		case name == "":
			out[strings.ToLower(f.Name)] = f.Type
		default:
			out[name] = f.Type
		}
	}
}

// baseName is a type's name without pointers and slices.
func baseName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t.Name()
}

// Check refuses a TLS whose client certificate lacks its key (or the key
// its certificate).
func (t *TLS) Check() error {
	if t != nil && (t.Cert == "") != (t.Key == "") {
		return Refuse("tls", "cert and key go together (mutual TLS)")
	}
	return nil
}

// Describe is the Spec.Auth text of a username and a password (by source
// only): "mqscope / password $RABBIT_PASSWORD"; "" without a username.
func Describe(username string, password Secret) string {
	if username == "" {
		return ""
	}
	return username + " / password " + password.String()
}
