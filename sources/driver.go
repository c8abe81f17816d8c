package sources

import (
	"context"
	"log/slog"

	"go.yaml.in/yaml/v3"
)

// Driver is one kind of broker as the rest of mqscope sees it: the name its
// config entries and flags use, and how a config entry or a flag becomes a
// connection to open. Each connector package exports one (kafka.Driver(),
// nats.Driver() ...); cmd lists them, one line each, and knows nothing more
// of any broker.
type Driver struct {
	// Kind names the broker in a config entry's kind: and in messages
	// ("kafka", "nats").
	Kind string
	// Summary is one line for help and the welcome page ("NATS JetStream
	// streams: subjects, consumers, dead letters from advisories").
	Summary string
	// Flag is the command-line flag that opens an ad-hoc connection of this
	// kind ("nats" is --nats VALUE); Usage is the flag's help line.
	Flag, Usage string
	// Env is read when the flag is not given ("" for none).
	Env string
	// Switch says the flag takes no value (--sqs): given, it opens the
	// connection and FromFlag is called with "".
	Switch bool
	// More are the kind's further flags, which refine the connection its
	// flag opens (RabbitMQ's --management and --queue, SQS's --region);
	// FromFlags reads them. A flag whose Opens is set opens the connection
	// on its own (--sqs-endpoint implies --sqs).
	More []Flag
	// FromFlag makes the connection an ad-hoc flag value names.
	FromFlag func(value string) (Spec, error)
	// FromFlags, when set, is called instead of FromFlag, with the values
	// of the More flags that were given (by flag name).
	FromFlags func(value string, more FlagValues) (Spec, error)
	// FromConfig makes the connection a config entry names. node is the
	// entry's YAML mapping; the driver decodes the keys it knows and refuses
	// any other (its error names the key), leaving each CommonConfigKey to the
	// config package. Nothing is resolved or dialled here: secrets are read
	// in Spec.Open.
	FromConfig func(name string, node *yaml.Node) (Spec, error)
	// Example is the kind's connections in the example config `mqscope
	// config init` writes: entries under connections:, indented by four
	// spaces (the key by two), commented.
	Example string
	// Registry says the kind's keys and values may be framed for a Schema
	// Registry (Kafka's): its config entries may name a schema_registry and
	// --schema-registry applies to its ad-hoc connections.
	Registry bool
}

// Flag is one further command-line flag of a Driver.
type Flag struct {
	// Name is the flag without its dashes ("management"); Usage its help
	// line; Env is read when it is not given ("" for none).
	Name, Usage, Env string
	// Repeated flags may be given more than once (--queue A --queue B).
	Repeated bool
	// Opens says the flag alone opens the kind's connection.
	Opens bool
}

// FlagValues are the values of a Driver's More flags that were given, by
// flag name (several for a Repeated flag).
type FlagValues map[string][]string

// Get is the last value of the flag named name ("" when it was not given).
func (v FlagValues) Get(name string) string {
	if vs := v[name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// FlagSpec makes the Spec of an ad-hoc connection from the flags' values: the
// driver's flag (value) and its More flags.
func (d Driver) FlagSpec(value string, more FlagValues) (Spec, error) {
	if d.FromFlags != nil {
		return d.FromFlags(value, more)
	}
	return d.FromFlag(value)
}

// CommonConfigKey reports a key of a connection's config entry that every
// kind shares and the config package reads itself (kind, read_only, color,
// schemas, protos, schema_registry).
func CommonConfigKey(key string) bool {
	switch key {
	case "kind", "read_only", "color", "schemas", "protos", "schema_registry":
		return true
	}
	return false
}

// Spec is one connection to open: where it points and how to open it.
type Spec struct {
	// Address is where it points, for the screen and the log, without
	// credentials.
	Address string
	// Auth says how it authenticates, naming a secret by its source only
	// ("mqscope / password $KAFKA_PASSWORD", "profile prod"; "" for none).
	Auth string
	// TLS says the connection is encrypted.
	TLS bool
	// Name is the name the connection takes when its driver names it
	// itself (an ad-hoc Kafka connection is named after its first broker);
	// "" when it takes OpenEnv.Name.
	Name string
	// Open dials it. Secrets (password commands, files, variables) are
	// resolved here and handed to env.Redact before use.
	Open func(ctx context.Context, env OpenEnv) (Conn, error)
	// ChecksLogin says the connection Open makes is a LoginChecker:
	// config check opens it to say whom the server takes it for.
	ChecksLogin bool
}

// OpenEnv is what Spec.Open is given by the program.
type OpenEnv struct {
	// Name is the connection's name (the config key, else the kind).
	Name string
	// Log is the session's log file (never the terminal).
	Log *slog.Logger
	// Redact hides a secret wherever it would appear in the log or an
	// error shown on the screen.
	Redact func(secret string)
}
