// Package config reads mqscope's config file: named connections (kind,
// addresses, authentication, TLS, management API, colour, read-only), the
// default connection, UI preferences and the correlation headers a trace
// follows. Secrets are never held in the clear longer than needed: a
// Secret says where the value comes from and is resolved at connect time.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/sources"
)

// EnvPath is the environment variable that names the config file.
const EnvPath = "MQSCOPE_CONFIG"

// Config is the whole file.
type Config struct {
	// Default names the connection mqscope opens without --connection.
	Default string `yaml:"default"`
	// Connections by name.
	Connections map[string]Connection `yaml:"connections"`
	// UI holds the TUI's preferences.
	UI UI `yaml:"ui"`
	// Trace says what a trace follows.
	Trace Trace `yaml:"trace"`

	// Path is the file it was read from ("" when there is none).
	Path string `yaml:"-"`
	// order is the connections' order in the file.
	order []string
}

// Connection is one named broker: the keys every kind shares, and the
// entry's YAML node, which the kind's driver read into Spec (brokers, url,
// region, authentication, TLS are the driver's).
type Connection struct {
	// Kind names the driver (kafka, rabbitmq, sqs...).
	Kind string `yaml:"kind"`
	// ReadOnly refuses writes; a configured connection is read-only unless
	// it says read_only: false.
	ReadOnly *bool `yaml:"read_only"`
	// Color marks the connection in the header (red for production...).
	Color string `yaml:"color"`
	// SchemaRegistry is the Schema Registry a connection's framed keys and
	// values are decoded with (nil: none), for kinds whose driver says
	// Registry.
	SchemaRegistry *SchemaRegistry `yaml:"schema_registry"`
	// Schemas map streams to local schema files (any kind of connection).
	Schemas []SchemaRule `yaml:"schemas"`
	// Protos are local Protobuf sources (.proto files or directories,
	// descriptor sets) whose messages a content-type and type header name.
	Protos []string `yaml:"protos"`

	// Name is the connection's key in the file.
	Name string `yaml:"-"`
	// Node is the entry's YAML mapping.
	Node *yaml.Node `yaml:"-"`
	// Spec is the connection as its driver made it from the entry: where
	// it points and how to open it.
	Spec sources.Spec `yaml:"-"`
}

// commonKeys is a Connection decoded field by field (its UnmarshalYAML
// only keeps the node).
type commonKeys Connection

// UnmarshalYAML keeps the entry's node; Parse reads it with the drivers.
func (c *Connection) UnmarshalYAML(node *yaml.Node) error {
	c.Node = node
	return nil
}

// Writable reports a connection that allows writes (read_only: false).
func (c Connection) Writable() bool { return c.ReadOnly != nil && !*c.ReadOnly }

// Secret is where a password comes from: literally (discouraged), an
// environment variable, a file, or a command's output.
type Secret struct {
	Literal string `yaml:"password"`
	Env     string `yaml:"password_env"`
	File    string `yaml:"password_file"`
	Command string `yaml:"password_cmd"`
}

// Set reports whether any source is given.
func (s Secret) Set() bool { return s.Literal != "" || s.Env != "" || s.File != "" || s.Command != "" }

// String never shows the value.
func (s Secret) String() string {
	switch {
	case s.Env != "":
		return "$" + s.Env
	case s.File != "":
		return "file " + s.File
	case s.Command != "":
		return "command"
	case s.Literal != "":
		return "(set)"
	}
	return "(none)"
}

// SchemaRegistry is how a connection reaches its Schema Registry
// (Confluent's REST API): basic auth with a username and a password from
// any secret source, or a bearer token a command prints; TLS as a
// connection's.
type SchemaRegistry struct {
	// URL is the registry's base URL (http or https).
	URL string `yaml:"url"`
	// Username and Password are basic auth.
	Username string `yaml:"username"`
	Password Secret `yaml:",inline"`
	// TokenCmd prints a bearer token.
	TokenCmd string `yaml:"token_cmd"`
	// TLS is the https connection's TLS.
	TLS *TLS `yaml:"tls"`
}

// Auth describes the registry's authentication without any secret:
// "user / password $ENV", "token command" or "-".
func (r *SchemaRegistry) Auth() string {
	switch {
	case r == nil:
		return "-"
	case r.Username != "" && r.Password.Set():
		return r.Username + " / password " + r.Password.String()
	case r.TokenCmd != "":
		return "token command"
	}
	return "-"
}

// SchemaRule maps the streams whose name matches Pattern (a glob) to a
// local schema: an .avsc, a JSON Schema .json, a .proto file or directory,
// or a descriptor set; Message names the Protobuf message.
type SchemaRule struct {
	Pattern string `yaml:"pattern"`
	// Key makes the rule decode keys instead of values.
	Key     bool   `yaml:"key"`
	Schema  string `yaml:"schema"`
	Message string `yaml:"message"`
}

// SASL is Kafka authentication.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	Password  Secret `yaml:",inline"`
	// TokenCmd prints an OAUTHBEARER token (run again when it expires).
	TokenCmd string `yaml:"token_cmd"`
}

// TLS is the transport's TLS.
type TLS struct {
	// CA is a PEM file of the authorities to trust (default: the system's).
	CA string `yaml:"ca"`
	// Cert and Key are a PEM client certificate and key (mutual TLS).
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// UI holds the TUI's preferences.
type UI struct {
	// Theme is dark (default) or light.
	Theme string `yaml:"theme"`
	// Buffer is each message list's memory budget ("256MiB").
	Buffer string `yaml:"buffer"`
	// ScanBudget is how many messages a read filter scans before it asks.
	ScanBudget int64 `yaml:"scan_budget"`
	// Breaker is the redrive breaker's percentage; 0 and -1 turn it off,
	// and nil (not in the file) is the default, 10 (BreakerPercent).
	Breaker *float64 `yaml:"breaker"`
	// Keys override key bindings: action name to keys.
	Keys map[string][]string `yaml:"keys"`
	// Mouse lets the TUI take the mouse (wheel, clicks); false leaves it
	// to the terminal's text selection; nil (not in the file) is on.
	Mouse *bool `yaml:"mouse"`
}

// MouseOn says whether the TUI takes the mouse: unless the file says
// mouse: false.
func (u UI) MouseOn() bool { return u.Mouse == nil || *u.Mouse }

// DefaultBreakerPercent is the breaker's percentage when the file sets none.
const DefaultBreakerPercent = 10

// BreakerPercent is the redrive breaker's percentage: DefaultBreakerPercent
// when the file does not set it, 0 when the breaker is off (0 or -1).
func (u UI) BreakerPercent() float64 {
	switch {
	case u.Breaker == nil:
		return DefaultBreakerPercent
	case *u.Breaker <= 0:
		return 0
	}
	return *u.Breaker
}

// Trace says what a trace follows.
type Trace struct {
	// CorrelationHeaders are the headers (or AMQP properties) holding a
	// correlation value, in order.
	CorrelationHeaders []string `yaml:"correlation_headers"`
}

// Error is a config file that cannot be used: where, and what.
type Error struct {
	Path  string
	Line  int // 0 when unknown
	Field string
	Msg   string
}

func (e *Error) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Field, e.Msg)
	}
	return where + ": " + e.Msg
}

// DefaultPath is $XDG_CONFIG_HOME/mqscope/config.yaml (~/.config/… when
// unset).
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "mqscope", "config.yaml")
}

// Locate is the config file to read: flag, else $MQSCOPE_CONFIG, else the
// default path; explicit says the user named it (then it must exist).
func Locate(flag string) (path string, explicit bool) {
	switch {
	case flag != "":
		return flag, true
	case os.Getenv(EnvPath) != "":
		return os.Getenv(EnvPath), true
	}
	return DefaultPath(), false
}

// Load reads the config at path, each connection through the driver of
// its kind. A missing file that was not named explicitly is an empty
// config.
func Load(path string, explicit bool, drivers []sources.Driver) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return &Config{Connections: map[string]Connection{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data, path, drivers)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// yamlLine finds "line N: " in yaml's messages.
var (
	yamlLine         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+): (.*)`) })
	yamlUnknownField = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`field (\S+) not found in type config\.(\w+)`) })
)

// Parse reads a config file's bytes (path is for messages); each
// connection's entry is read by the driver its kind: names.
func Parse(data []byte, path string, drivers []sources.Driver) (*Config, error) {
	c := &Config{Path: path}
	if len(bytes.TrimSpace(data)) == 0 {
		c.Connections = map[string]Connection{}
		return c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, yamlError(path, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(path, err)
	}
	lines := connectionLines(&root)
	if c.Connections == nil {
		c.Connections = map[string]Connection{}
	}
	for name, conn := range c.Connections {
		conn.Name = name
		c.Connections[name] = conn
	}
	c.order = orderOf(&root)
	if err := c.validate(lines, drivers); err != nil {
		return nil, err
	}
	return c, nil
}

// yamlError turns yaml's error into an Error with the line and the field.
func yamlError(path string, err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	e := &Error{Path: path, Msg: msg}
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &e.Line)
		e.Msg = m[2]
		if f := yamlUnknownField().FindStringSubmatch(e.Msg); f != nil {
			e.Field, e.Msg = f[1], "unknown field (in "+strings.ToLower(f[2])+"; see mqscope config init)"
			if f[2] == "Config" && connectionKeys[f[1]] {
				e.Msg = "unknown field at the top level: it belongs to a connection (connections: NAME: " + f[1] + ": ...)"
			}
		}
	}
	return e
}

// connectionKeys are a connection's keys that a file may put at its top
// level by mistake (each connection has its own).
var connectionKeys = map[string]bool{"schemas": true, "protos": true, "schema_registry": true, "read_only": true, "color": true}

// connectionLines maps each connection (and "name.field") to its line.
func connectionLines(root *yaml.Node) map[string]int {
	out := map[string]int{}
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		out[k.Value] = k.Line
		if k.Value != "connections" {
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			name, body := v.Content[j], v.Content[j+1]
			out["connections."+name.Value] = name.Line
			for f := 0; f+1 < len(body.Content); f += 2 {
				out["connections."+name.Value+"."+body.Content[f].Value] = body.Content[f].Line
			}
		}
	}
	return out
}

// orderOf lists the connections in file order.
func orderOf(root *yaml.Node) []string {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "connections" {
			var out []string
			for j := 0; j+1 < len(doc.Content[i+1].Content); j += 2 {
				out = append(out, doc.Content[i+1].Content[j].Value)
			}
			return out
		}
	}
	return nil
}

var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) })

// validate checks what YAML cannot: kinds, required fields, choices; each
// connection's own keys are its driver's.
func (c *Config) validate(lines map[string]int, drivers []sources.Driver) error {
	fail := func(key, field, msg string) error {
		line := lines[key+"."+field]
		if line == 0 {
			line = lines[key]
		}
		f := strings.TrimPrefix(key, "connections.")
		if field != "" {
			f += "." + field
		}
		return &Error{Path: c.Path, Line: line, Field: f, Msg: msg}
	}
	for _, name := range c.Names() {
		conn := c.Connections[name]
		key := "connections." + name
		if !validName().MatchString(name) {
			return fail(key, "", "a connection name is letters, digits, '.', '_' and '-'")
		}
		node := conn.Node
		if err := decodeKeys(node, (*commonKeys)(&conn), "connection", sources.CommonConfigKey); err != nil {
			return c.entryError(err, key, fail)
		}
		conn.Node = node
		d, ok := driverOf(drivers, conn.Kind)
		switch {
		case conn.Kind == "":
			return fail(key, "kind", "missing: "+kindList(drivers))
		case !ok:
			return fail(key, "kind", fmt.Sprintf("%q: want %s", conn.Kind, kindList(drivers)))
		}
		spec, err := d.FromConfig(name, node)
		if err != nil {
			return c.entryError(err, key, fail)
		}
		conn.Spec = spec
		if err := validateSchemas(conn, d, drivers, func(field, msg string) error { return fail(key, field, msg) }); err != nil {
			return err
		}
		if conn.Color != "" && !validColor(conn.Color) {
			return fail(key, "color", fmt.Sprintf("%q: want a name (red, yellow, green, blue, magenta, cyan) or #rrggbb", conn.Color))
		}
		c.Connections[name] = conn
	}
	if c.Default != "" {
		if _, ok := c.Connections[c.Default]; !ok {
			return &Error{Path: c.Path, Line: lines["default"], Field: "default", Msg: fmt.Sprintf("%q is not one of the connections (%s)", c.Default, strings.Join(c.Names(), ", "))}
		}
	}
	switch c.UI.Theme {
	case "", "dark", "light":
	default:
		return &Error{Path: c.Path, Line: lines["ui"], Field: "ui.theme", Msg: fmt.Sprintf("%q: want dark or light", c.UI.Theme)}
	}
	if c.UI.Buffer != "" {
		if _, err := ParseSize(c.UI.Buffer); err != nil {
			return &Error{Path: c.Path, Line: lines["ui"], Field: "ui.buffer", Msg: err.Error()}
		}
	}
	if b := c.UI.Breaker; b != nil && (*b < 0 && *b != -1 || *b > 100) {
		return &Error{Path: c.Path, Line: lines["ui"], Field: "ui.breaker", Msg: fmt.Sprintf("%g: want a percentage (up to 100), or 0 or -1 for no breaker", *b)}
	}
	if c.UI.ScanBudget < 0 {
		return &Error{Path: c.Path, Line: lines["ui"], Field: "ui.scan_budget", Msg: "want a positive number"}
	}
	return nil
}

// entryError is a driver's (or the common keys') error as an Error with
// the file, the line and the field.
func (c *Config) entryError(err error, key string, fail func(key, field, msg string) error) error {
	var ee *EntryError
	if !errors.As(err, &ee) {
		return fail(key, "", err.Error())
	}
	if ee.Unknown {
		return &Error{Path: c.Path, Line: ee.Line, Field: ee.Key, Msg: ee.Msg}
	}
	e := fail(key, ee.Key, ee.Msg).(*Error)
	if ee.Line > 0 {
		e.Line = ee.Line
	}
	return e
}

// driverOf finds the driver of a kind.
func driverOf(drivers []sources.Driver, kind string) (sources.Driver, bool) {
	for _, d := range drivers {
		if d.Kind == kind {
			return d, true
		}
	}
	return sources.Driver{}, false
}

// kindList names the kinds: "kafka, rabbitmq or sqs".
func kindList(drivers []sources.Driver) string {
	var kinds []string
	for _, d := range drivers {
		kinds = append(kinds, d.Kind)
	}
	return orList(kinds)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// validateSchemas checks a connection's schema_registry, schemas and
// protos (d is the connection's driver).
func validateSchemas(conn Connection, d sources.Driver, drivers []sources.Driver, fail func(field, msg string) error) error {
	if r := conn.SchemaRegistry; r != nil {
		switch {
		case !d.Registry:
			var kinds []string
			for _, d := range drivers {
				if d.Registry {
					kinds = append(kinds, d.Kind)
				}
			}
			return fail("schema_registry", "a schema registry is for "+orList(kinds)+" connections (schemas and protos work on any)")
		case !strings.HasPrefix(r.URL, "http://") && !strings.HasPrefix(r.URL, "https://"):
			return fail("schema_registry", fmt.Sprintf("url %q: want http(s)://host:port", r.URL))
		case strings.Contains(strings.SplitN(strings.SplitN(r.URL, "://", 2)[1], "/", 2)[0], "@"):
			return fail("schema_registry", "put the username in username and the password in password_env, password_file or password_cmd, not in the URL")
		case r.Password.Set() && r.Username == "":
			return fail("schema_registry", "a password goes with a username (basic auth)")
		case r.Username != "" && !r.Password.Set():
			return fail("schema_registry", "username "+r.Username+" needs a password (password_env, password_file, password_cmd or password)")
		case r.Username != "" && r.TokenCmd != "":
			return fail("schema_registry", "give username and a password, or token_cmd, not both")
		case r.TLS != nil && (r.TLS.Cert == "") != (r.TLS.Key == ""):
			return fail("schema_registry", "tls: cert and key go together (mutual TLS)")
		}
	}
	for i, s := range conn.Schemas {
		switch {
		case s.Pattern == "":
			return fail("schemas", fmt.Sprintf("rule %d: pattern: missing (a glob over stream names, such as orders.*)", i+1))
		case s.Schema == "":
			return fail("schemas", fmt.Sprintf("rule %d (%s): schema: missing (an .avsc, .json, .proto file, a directory or a descriptor set)", i+1, s.Pattern))
		}
		if _, err := path.Match(s.Pattern, ""); err != nil {
			return fail("schemas", fmt.Sprintf("rule %d: pattern %q: %v", i+1, s.Pattern, err))
		}
	}
	for _, p := range conn.Protos {
		if p == "" {
			return fail("protos", "an empty path")
		}
	}
	return nil
}

var colorNames = []string{"red", "yellow", "green", "blue", "magenta", "cyan", "white", "gray", "orange"}

var hexColor = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^#[0-9a-fA-F]{6}$`) })

func validColor(s string) bool { return slices.Contains(colorNames, s) || hexColor().MatchString(s) }

// Names are the connections in file order.
func (c *Config) Names() []string {
	if len(c.order) == len(c.Connections) {
		return c.order
	}
	names := make([]string, 0, len(c.Connections))
	for n := range c.Connections {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
