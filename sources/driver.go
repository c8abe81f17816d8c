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
	// FromFlag makes the connection an ad-hoc flag value names.
	FromFlag func(value string) (Spec, error)
	// FromConfig makes the connection a config entry names. node is the
	// entry's YAML mapping; the driver decodes the keys it knows and refuses
	// any other (its error names the key), leaving each CommonConfigKey to the
	// config package. Nothing is resolved or dialled here: secrets are read
	// in Spec.Open.
	FromConfig func(name string, node *yaml.Node) (Spec, error)
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
	// Open dials it. Secrets (password commands, files, variables) are
	// resolved here and handed to env.Redact before use.
	Open func(ctx context.Context, env OpenEnv) (Conn, error)
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
