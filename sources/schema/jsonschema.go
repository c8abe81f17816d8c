package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// jsonSchemaCodec reads JSON Schema framed values: the body is JSON, shown
// as it is, and validated against the schema (santhosh-tekuri/jsonschema).
type jsonSchemaCodec struct{}

// Format implements Codec.
func (jsonSchemaCodec) Format() Format { return FormatJSONSchema }

// noLoader refuses every $ref the references did not supply, so compiling
// never reaches the network or the file system.
type noLoader struct{}

// Load implements jsonschema.URLLoader.
func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not among the schema's references", url)
}

func jsonSchemaURL(name string) string {
	if strings.Contains(name, "://") {
		return name
	}
	return "mem:///" + strings.TrimPrefix(name, "/")
}

// Compile implements Codec.
func (jsonSchemaCodec) Compile(main Named, refs []Named) (Compiled, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(main.Text))
	if err != nil {
		return nil, err
	}
	if m, ok := doc.(map[string]any); ok && m["$schema"] == nil {
		// Without $schema the compiler reads draft 2020-12, where format is
		// an annotation; Confluent's serialisers (draft-07 by default)
		// assert it, as draft-07 schemas here do.
		c.AssertFormat()
	}
	base := schemaID(doc)
	for _, r := range refs {
		rdoc, err := jsonschema.UnmarshalJSON(strings.NewReader(r.Text))
		if err != nil {
			return nil, fmt.Errorf("reference %q: %w", r.Name, err)
		}
		at := jsonSchemaURL(r.Name)
		if u, ok := resolveRef(base, r.Name); ok {
			// A relative name is where the main schema's $id puts it, as
			// Confluent's serialisers resolve it.
			at = u
		}
		if err := c.AddResource(at, rdoc); err != nil {
			return nil, fmt.Errorf("reference %q: %w", r.Name, err)
		}
	}
	name := main.Name
	if name == "" {
		name = "schema.json"
	}
	url := jsonSchemaURL(name)
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	title := ""
	if m, ok := doc.(map[string]any); ok {
		title, _ = m["title"].(string)
	}
	return &jsonSchema{s: s, title: title}, nil
}

// schemaID is a schema document's absolute $id (nil when it has none).
func schemaID(doc any) *url.URL {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	id, _ := m["$id"].(string)
	u, err := url.Parse(id)
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}

// resolveRef is a reference's name resolved against the main schema's
// $id, when the name is relative and the $id absolute.
func resolveRef(base *url.URL, name string) (string, bool) {
	if base == nil || strings.Contains(name, "://") {
		return "", false
	}
	ref, err := url.Parse(name)
	if err != nil {
		return "", false
	}
	return base.ResolveReference(ref).String(), true
}

type jsonSchema struct {
	s     *jsonschema.Schema
	title string
}

// Message implements Compiled.
func (s *jsonSchema) Message(Selector) (string, error) { return s.title, nil }

// validate checks doc against the schema; the error names the place.
func (s *jsonSchema) validate(doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.s.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			p := message.NewPrinter(language.English)
			var all []Violation
			seen := map[Violation]bool{}
			var leaves func(e *jsonschema.ValidationError)
			leaves = func(e *jsonschema.ValidationError) {
				if len(e.Causes) == 0 {
					v := Violation{Path: strings.Join(e.InstanceLocation, "."), Reason: capNumbers(e.ErrorKind.LocalizedString(p))}
					if !seen[v] {
						seen[v] = true
						all = append(all, v)
					}
					return
				}
				for _, c := range e.Causes {
					leaves(c)
				}
			}
			leaves(ve)
			sort.SliceStable(all, func(i, j int) bool { return all[i].Path < all[j].Path }) // the validator's order follows a map's
			fe := &fieldError{path: all[0].Path, reason: errors.New(all[0].Reason)}
			if len(all) > 1 {
				fe.all = all
			}
			return fe
		}
		return err
	}
	return nil
}

// Decode implements Compiled.
func (s *jsonSchema) Decode(body []byte, _ Selector) ([]byte, error) {
	out, _, err := s.decodeLoss(body)
	return out, err
}

// decodeLoss is Decode that also says where the document is not the
// whole truth of body: an object naming a member twice (at the second),
// a string that is not UTF-8 (the document, always UTF-8, shows U+FFFD
// for its bytes), or a body that is not compact JSON.
func (s *jsonSchema) decodeLoss(body []byte) ([]byte, *Loss, error) {
	if !json.Valid(body) {
		return nil, nil, errors.New("the body is not JSON")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, nil, err
	}
	out := buf.Bytes()
	var loss *Loss
	dupPath, dupMore, dup := duplicateKeys(out)
	if !utf8.Valid(out) {
		path, more, _ := invalidUTF8Strings(out)
		out = bytes.ToValidUTF8(out, replacementChar)
		loss = &Loss{Kind: LossInvalidUTF8, Path: path, More: more}
	}
	if dup { // no edit of a path can keep both members: it goes first
		loss = &Loss{Kind: LossDuplicateKey, Path: dupPath, More: dupMore}
	} else if loss == nil && !sameJSONBytes(out, body) {
		loss = &Loss{Kind: LossNonCanonical}
	}
	return out, loss, s.validate(out)
}

// Encode implements Compiled.
func (s *jsonSchema) Encode(ctx context.Context, doc []byte, _ Selector) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("encoding stopped: %w", err)
	}
	if err := s.validate(doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
