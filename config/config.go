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

	yaml "go.yaml.in/yaml/v3"
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

// Connection is one named broker.
type Connection struct {
	// Kind is kafka or rabbitmq.
	Kind string `yaml:"kind"`
	// Brokers are Kafka bootstrap addresses (host:port).
	Brokers []string `yaml:"brokers"`
	// URL is the RabbitMQ AMQP URL (amqp:// or amqps://, without a password:
	// give that as password_*).
	URL string `yaml:"url"`
	// Management is the RabbitMQ management API URL (http or https).
	Management string `yaml:"management"`
	// Region, Profile and Endpoint are SQS's (the credential chain does
	// the rest; Endpoint is for emulators).
	Region   string `yaml:"region"`
	Profile  string `yaml:"profile"`
	Endpoint string `yaml:"endpoint"`
	// Username and the password sources authenticate to RabbitMQ (AMQP and
	// the management API).
	Username string `yaml:"username"`
	Password Secret `yaml:",inline"`
	// SASL authenticates to Kafka.
	SASL *SASL `yaml:"sasl"`
	// TLS encrypts the connection (Kafka, amqps, https management).
	TLS *TLS `yaml:"tls"`
	// ReadOnly refuses writes; a configured connection is read-only unless
	// it says read_only: false.
	ReadOnly *bool `yaml:"read_only"`
	// Color marks the connection in the header (red for production...).
	Color string `yaml:"color"`
	// SchemaRegistry is the Schema Registry a Kafka connection's framed
	// keys and values are decoded with (nil: none).
	SchemaRegistry *SchemaRegistry `yaml:"schema_registry"`
	// Schemas map streams to local schema files (any kind of connection).
	Schemas []SchemaRule `yaml:"schemas"`
	// Protos are local Protobuf sources (.proto files or directories,
	// descriptor sets) whose messages a content-type and type header name.
	Protos []string `yaml:"protos"`

	// Name is the connection's key in the file.
	Name string `yaml:"-"`
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
}

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

// Load reads the config at path. A missing file that was not named
// explicitly is an empty config.
func Load(path string, explicit bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return &Config{Connections: map[string]Connection{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// yamlLine finds "line N: " in yaml's messages.
var (
	yamlLine         = regexp.MustCompile(`line (\d+): (.*)`)
	yamlUnknownField = regexp.MustCompile(`field (\S+) not found in type config\.(\w+)`)
)

// Parse reads a config file's bytes (path is for messages).
func Parse(data []byte, path string) (*Config, error) {
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
	if err := c.validate(lines); err != nil {
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
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &e.Line)
		e.Msg = m[2]
		if f := yamlUnknownField.FindStringSubmatch(e.Msg); f != nil {
			e.Field, e.Msg = f[1], "unknown field (in "+strings.ToLower(f[2])+"; see mqscope config init)"
		}
	}
	return e
}

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

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// validate checks what YAML cannot: kinds, required fields, choices.
func (c *Config) validate(lines map[string]int) error {
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
		if !validName.MatchString(name) {
			return fail(key, "", "a connection name is letters, digits, '.', '_' and '-'")
		}
		switch conn.Kind {
		case "kafka":
			if len(conn.Brokers) == 0 {
				return fail(key, "brokers", "a kafka connection needs brokers: [host:port, ...]")
			}
			for _, b := range conn.Brokers {
				if !strings.Contains(b, ":") {
					return fail(key, "brokers", fmt.Sprintf("%q: want host:port", b))
				}
			}
			if conn.URL != "" || conn.Management != "" {
				return fail(key, "url", "url and management are for rabbitmq connections")
			}
			if s := conn.SASL; s != nil {
				switch strings.ToUpper(s.Mechanism) {
				case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
					if s.Username == "" || !s.Password.Set() {
						return fail(key, "sasl", s.Mechanism+" needs username and a password (password_env, password_file, password_cmd or password)")
					}
				case "OAUTHBEARER":
					if s.TokenCmd == "" {
						return fail(key, "sasl", "OAUTHBEARER needs token_cmd, a command that prints a token")
					}
				default:
					return fail(key, "sasl", fmt.Sprintf("mechanism %q: want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER", s.Mechanism))
				}
			}
		case "rabbitmq":
			if !strings.HasPrefix(conn.URL, "amqp://") && !strings.HasPrefix(conn.URL, "amqps://") {
				return fail(key, "url", "a rabbitmq connection needs url: amqp://host:5672/vhost (or amqps://)")
			}
			if strings.Contains(strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(conn.URL, "amqps://"), "amqp://"), "@", 2)[0], ":") &&
				strings.Contains(conn.URL, "@") {
				return fail(key, "url", "put the password in password_env, password_file or password_cmd, not in the URL")
			}
			if len(conn.Brokers) > 0 || conn.SASL != nil {
				return fail(key, "brokers", "brokers and sasl are for kafka connections")
			}
		case "sqs":
			if len(conn.Brokers) > 0 || conn.URL != "" || conn.SASL != nil {
				return fail(key, "kind", "an sqs connection takes region, profile and endpoint (brokers, url and sasl are for kafka and rabbitmq)")
			}
			if conn.Endpoint != "" && !strings.HasPrefix(conn.Endpoint, "http://") && !strings.HasPrefix(conn.Endpoint, "https://") {
				return fail(key, "endpoint", fmt.Sprintf("%q: want http(s)://host:port", conn.Endpoint))
			}
		case "":
			return fail(key, "kind", "missing: kafka, rabbitmq or sqs")
		default:
			return fail(key, "kind", fmt.Sprintf("%q: want kafka, rabbitmq or sqs", conn.Kind))
		}
		if err := validateSchemas(conn, func(field, msg string) error { return fail(key, field, msg) }); err != nil {
			return err
		}
		if t := conn.TLS; t != nil && (t.Cert == "") != (t.Key == "") {
			return fail(key, "tls", "cert and key go together (mutual TLS)")
		}
		if conn.Color != "" && !validColor(conn.Color) {
			return fail(key, "color", fmt.Sprintf("%q: want a name (red, yellow, green, blue, magenta, cyan) or #rrggbb", conn.Color))
		}
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

// validateSchemas checks a connection's schema_registry, schemas and
// protos.
func validateSchemas(conn Connection, fail func(field, msg string) error) error {
	if r := conn.SchemaRegistry; r != nil {
		switch {
		case conn.Kind != "kafka":
			return fail("schema_registry", "a schema registry is for kafka connections (schemas and protos work on any)")
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

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func validColor(s string) bool { return slices.Contains(colorNames, s) || hexColor.MatchString(s) }

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
