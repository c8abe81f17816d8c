package kafka

import (
	"context"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// Driver is Kafka as the rest of mqscope sees it: --kafka host:port[,...]
// and config entries of kind kafka (brokers, sasl, tls).
func Driver() sources.Driver {
	return sources.Driver{
		Kind:     "kafka",
		Summary:  "Kafka topics: partitions, offsets, consumer groups, dead-letter topics",
		Flag:     "kafka",
		Usage:    "Kafka bootstrap brokers host:port[,host:port] (env MQSCOPE_KAFKA)",
		Env:      "MQSCOPE_KAFKA",
		Registry: true,
		FromFlag: func(value string) (sources.Spec, error) {
			brokers, err := ParseBrokers(value)
			if err != nil {
				return sources.Spec{}, err
			}
			return sources.Spec{Address: strings.Join(brokers, ","), Name: brokers[0], Open: func(ctx context.Context, _ sources.OpenEnv) (sources.Conn, error) {
				return Dial(ctx, Options{Brokers: brokers}) // named after its first broker
			}}, nil
		},
		FromConfig: fromConfig,
		Example:    example,
	}
}

// entry is a kafka connection's own keys.
type entry struct {
	// Brokers are the bootstrap addresses (host:port).
	Brokers []string `yaml:"brokers"`
	// SASL authenticates.
	SASL *saslEntry `yaml:"sasl"`
	// TLS encrypts the connections.
	TLS *config.TLS `yaml:"tls"`
}

// saslEntry is the sasl: key.
type saslEntry struct {
	// Mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.
	Mechanism string        `yaml:"mechanism"`
	Username  string        `yaml:"username"`
	Password  config.Secret `yaml:",inline"`
	// TokenCmd prints an OAUTHBEARER token (run again when it expires).
	TokenCmd string `yaml:"token_cmd"`
}

// fromConfig reads a kafka entry: brokers, sasl and tls checked, nothing
// resolved.
func fromConfig(name string, node *yaml.Node) (sources.Spec, error) {
	var en entry
	if err := config.DecodeEntry(node, &en); err != nil {
		return sources.Spec{}, err
	}
	if len(en.Brokers) == 0 {
		return sources.Spec{}, config.Refuse("brokers", "a kafka connection needs brokers: [host:port, ...]")
	}
	for _, b := range en.Brokers {
		if !strings.Contains(b, ":") {
			return sources.Spec{}, config.Refuse("brokers", fmt.Sprintf("%q: want host:port", b))
		}
	}
	auth := ""
	if s := en.SASL; s != nil {
		switch strings.ToUpper(s.Mechanism) {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
			if s.Username == "" || !s.Password.Set() {
				return sources.Spec{}, config.Refuse("sasl", s.Mechanism+" needs username and a password (password_env, password_file, password_cmd or password)")
			}
		case "OAUTHBEARER":
			if s.TokenCmd == "" {
				return sources.Spec{}, config.Refuse("sasl", "OAUTHBEARER needs token_cmd, a command that prints a token")
			}
		default:
			return sources.Spec{}, config.Refuse("sasl", fmt.Sprintf("mechanism %q: want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER", s.Mechanism))
		}
		auth = s.Mechanism + " " + s.Username
		if s.Password.Set() {
			auth += " / password " + s.Password.String()
		}
		if s.TokenCmd != "" {
			auth += " / token command"
		}
	}
	if err := en.TLS.Check(); err != nil {
		return sources.Spec{}, err
	}
	return sources.Spec{Address: strings.Join(en.Brokers, ","), Auth: auth, TLS: en.TLS != nil, Open: func(ctx context.Context, env sources.OpenEnv) (sources.Conn, error) {
		return en.open(ctx, name, env)
	}}, nil
}

// open dials a configured connection: secrets resolved now and handed to
// env.Redact, TLS and SASL as the entry says.
func (en entry) open(ctx context.Context, name string, env sources.OpenEnv) (sources.Conn, error) {
	tlsCfg, err := en.TLS.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", name, err)
	}
	o := Options{Name: name, Brokers: en.Brokers, TLS: tlsCfg, Configured: true}
	if s := en.SASL; s != nil {
		o.SASL = &SASL{Mechanism: strings.ToUpper(s.Mechanism), User: s.Username}
		if s.Password.Set() {
			if o.SASL.Password, err = s.Password.Resolve(ctx); err != nil {
				return nil, fmt.Errorf("connection %s: %w", name, err)
			}
			env.Redact(o.SASL.Password)
		}
		if s.TokenCmd != "" {
			cmd := s.TokenCmd
			o.SASL.Token = func(ctx context.Context) (string, error) {
				tok, err := config.RunSecretCommand(ctx, "token_cmd", cmd)
				env.Redact(tok)
				return tok, err
			}
		}
	}
	return Dial(ctx, o)
}

// example is the kafka connections of the example config.
const example = `  local:
    kind: kafka
    brokers: [127.0.0.1:9092]
    # Configured connections are read-only (no redrive, replay or edit)
    # unless they say so:
    read_only: false

  prod-kafka:
    kind: kafka
    brokers: [kafka-1.example.com:9093, kafka-2.example.com:9093]
    color: red                  # shown in the header: you are on production
    sasl:
      mechanism: SCRAM-SHA-512  # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER
      username: mqscope
      password_env: KAFKA_PASSWORD       # or password_file: ~/.secrets/kafka
                                         # or password_cmd: pass show kafka/prod
      # OAUTHBEARER: token_cmd: gcloud auth print-access-token
    tls:
      ca: /etc/ssl/certs/kafka-ca.pem
      # cert: client.pem       # mutual TLS
      # key: client-key.pem
    # Avro, Protobuf and JSON Schema values in the Confluent wire format
    # are decoded with the Schema Registry's schemas:
    # schema_registry:
    #   url: https://schema-registry.example.com:8081
    #   username: mqscope
    #   password_env: SCHEMA_REGISTRY_PASSWORD   # or password_file, password_cmd
    #   # token_cmd: vault read -field=token secret/sr   # a bearer token instead
    #   tls:
    #     ca: /etc/ssl/certs/sr-ca.pem
    # Local schemas for streams written without the registry (first match wins):
    # schemas:
    #   - {pattern: "legacy.orders*", schema: ~/schemas/order.avsc}
    #   - {pattern: "legacy.orders*", key: true, schema: ~/schemas/order-key.avsc}
    #   - {pattern: "events.*", schema: ~/protos/events.proto, message: acme.Event}
`
