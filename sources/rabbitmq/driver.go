package rabbitmq

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// Driver is RabbitMQ as the rest of mqscope sees it: --rabbitmq URL (with
// --management and --queue) and config entries of kind rabbitmq (url,
// management, username, password_*, tls).
func Driver() sources.Driver {
	return sources.Driver{
		Kind:    "rabbitmq",
		Summary: "RabbitMQ queues, streams and exchanges: peeks, dead-letter exchanges, x-death",
		Flag:    "rabbitmq",
		Usage:   "RabbitMQ AMQP URL amqp://user:pass@host:5672/vhost (env MQSCOPE_RABBITMQ)",
		Env:     "MQSCOPE_RABBITMQ",
		More: []sources.Flag{
			{Name: "management", Usage: "RabbitMQ management API URL (default http://<amqp host>:15672, AMQP credentials)"},
			{Name: "queue", Usage: "RabbitMQ queue to list when the management API is unavailable (repeatable)", Repeated: true},
		},
		FromFlags: func(value string, more sources.FlagValues) (sources.Spec, error) {
			mgmt, queues := more.Get("management"), more["queue"]
			return sources.Spec{Address: RedactURL(value), TLS: strings.HasPrefix(value, "amqps://"), Open: func(ctx context.Context, env sources.OpenEnv) (sources.Conn, error) {
				redactURLPassword(env, value)
				redactURLPassword(env, mgmt)
				return Dial(ctx, Options{URL: value, ManagementURL: mgmt, Queues: queues, Log: env.Log})
			}}, nil
		},
		FromConfig: fromConfig,
		Example:    example,
	}
}

// redactURLPassword hands a URL's password to env.Redact (an error may
// quote it without the URL around it).
func redactURLPassword(env sources.OpenEnv, raw string) {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env.Redact(pw)
		}
	}
}

// entry is a rabbitmq connection's own keys.
type entry struct {
	// URL is the AMQP URL (amqp:// or amqps://, without a password).
	URL string `yaml:"url"`
	// Management is the management API URL (http or https).
	Management string `yaml:"management"`
	// Username and the password sources authenticate (AMQP and the
	// management API).
	Username string        `yaml:"username"`
	Password config.Secret `yaml:",inline"`
	// TLS encrypts amqps and an https management API.
	TLS *config.TLS `yaml:"tls"`
}

// fromConfig reads a rabbitmq entry: the URL checked (no password in it),
// nothing resolved.
func fromConfig(name string, node *yaml.Node) (sources.Spec, error) {
	var en entry
	if err := config.DecodeEntry(node, &en); err != nil {
		return sources.Spec{}, err
	}
	if !strings.HasPrefix(en.URL, "amqp://") && !strings.HasPrefix(en.URL, "amqps://") {
		return sources.Spec{}, config.Refuse("url", "a rabbitmq connection needs url: amqp://host:5672/vhost (or amqps://)")
	}
	if strings.Contains(strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(en.URL, "amqps://"), "amqp://"), "@", 2)[0], ":") &&
		strings.Contains(en.URL, "@") {
		return sources.Spec{}, config.Refuse("url", "put the password in password_env, password_file or password_cmd, not in the URL")
	}
	if err := en.TLS.Check(); err != nil {
		return sources.Spec{}, err
	}
	spec := sources.Spec{Address: RedactURL(en.URL), Auth: config.Describe(en.Username, en.Password), TLS: en.TLS != nil || strings.HasPrefix(en.URL, "amqps://")}
	spec.Open = func(ctx context.Context, env sources.OpenEnv) (sources.Conn, error) {
		tlsCfg, err := en.TLS.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("connection %s: %w", name, err)
		}
		o := Options{Name: name, URL: en.URL, ManagementURL: en.Management, TLS: tlsCfg, Username: en.Username, Log: env.Log, Configured: true}
		if en.Password.Set() {
			if o.Password, err = en.Password.Resolve(ctx); err != nil {
				return nil, fmt.Errorf("connection %s: %w", name, err)
			}
			env.Redact(o.Password)
			if o.Username == "" {
				o.Username = "guest"
			}
		}
		return Dial(ctx, o)
	}
	return spec, nil
}

// example is the rabbitmq connection of the example config.
const example = `  rabbit:
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
`
