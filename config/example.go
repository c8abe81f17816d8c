package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Example is the commented config `mqscope config init` writes.
const Example = `# mqscope config. mqscope reads it from $XDG_CONFIG_HOME/mqscope/config.yaml,
# or --config FILE, or $MQSCOPE_CONFIG.

# The connection mqscope opens without --connection (-c NAME).
default: local

connections:
  local:
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

  rabbit:
    kind: rabbitmq
    url: amqps://rabbit.example.com:5671/orders   # no password in the URL
    management: https://rabbit.example.com:15671
    username: mqscope
    password_cmd: pass show rabbitmq/mqscope
    tls:
      ca: /etc/ssl/certs/rabbit-ca.pem
    # Protobuf bodies named by content-type application/x-protobuf and the
    # type property (acme.orders.v1.Order) are decoded with these:
    # protos: [~/protos]         # .proto files or directories, descriptor sets

  aws:
    kind: sqs
    region: eu-west-1
    profile: prod        # credentials from the standard chain
    # endpoint: http://127.0.0.1:4100   # an emulator

ui:
  theme: dark          # dark or light
  buffer: 256MiB       # memory per message list
  scan_budget: 1000000 # messages a read filter (F) scans before it asks
  breaker: 10          # pause a redrive when this % comes back dead (0 or -1: off)
  keys:                # override key bindings: action -> keys
    # redrive: [R]
    # trace: [t]

trace:
  # headers (or AMQP properties) a trace (t) follows, in order
  correlation_headers: [correlation-id, x-correlation-id, traceparent]
`

// WriteExample writes Example to path, refusing to overwrite a file.
func WriteExample(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: not overwritten", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("config init: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	if err := os.WriteFile(path, []byte(Example), 0o600); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	return nil
}
