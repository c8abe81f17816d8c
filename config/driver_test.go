package config_test

import (
	"context"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// memDriver is a connector's driver as a new one would write it: its own
// keys decoded with config.DecodeEntry, refused with config.Refuse.
func memDriver() sources.Driver {
	type entry struct {
		Servers  []string      `yaml:"servers"`
		Username string        `yaml:"username"`
		Password config.Secret `yaml:",inline"`
		TLS      *config.TLS   `yaml:"tls"`
	}
	return sources.Driver{
		Kind: "mem", Flag: "mem", Usage: "an in-memory broker",
		FromFlag: func(v string) (sources.Spec, error) { return sources.Spec{Address: v}, nil },
		FromConfig: func(name string, node *yaml.Node) (sources.Spec, error) {
			var en entry
			if err := config.DecodeEntry(node, &en); err != nil {
				return sources.Spec{}, err
			}
			if len(en.Servers) == 0 {
				return sources.Spec{}, config.Refuse("servers", "a mem connection needs servers: [host:port]")
			}
			if err := en.TLS.Check(); err != nil {
				return sources.Spec{}, err
			}
			return sources.Spec{Address: strings.Join(en.Servers, ","), Auth: config.Describe(en.Username, en.Password), TLS: en.TLS != nil,
				Open: func(context.Context, sources.OpenEnv) (sources.Conn, error) { return nil, nil }}, nil
		},
		Example: "  mem-local:\n    kind: mem\n    servers: [127.0.0.1:4222]\n",
	}
}

// TestADriverPlugsIn: a config entry of a new kind goes to its driver,
// with the common keys read by config and every error of the driver's
// given its file, line and field; the example holds its entries.
func TestADriverPlugsIn(t *testing.T) {
	ds := append(drivers(), memDriver())
	c, err := config.Parse([]byte("connections:\n  m:\n    kind: mem\n    servers: [a:1, b:2]\n    username: u\n    password_env: MEM_PW\n    color: red\n    read_only: false\n    tls: {ca: ca.pem}\n"), "m.yaml", ds)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Connections["m"]
	if m.Kind != "mem" || m.Color != "red" || !m.Writable() || m.Spec.Address != "a:1,b:2" || m.Spec.Auth != "u / password $MEM_PW" || !m.Spec.TLS || m.Spec.Open == nil {
		t.Fatalf("connection %+v", m)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"connections:\n  m:\n    kind: mem\n", "m.yaml:2: m.servers: a mem connection needs servers"},
		{"connections:\n  m:\n    kind: mem\n    servers: [a:1]\n    brokers: [x]\n", "m.yaml:5: brokers: unknown field (in connection"},
		{"connections:\n  m:\n    kind: mem\n    servers: [a:1]\n    tls:\n      cert: c.pem\n", "m.yaml:5: m.tls: cert and key go together"},
		{"connections:\n  m:\n    kind: mem\n    servers: [a:1]\n    tls: {ca: x, bogus: 1}\n", "m.yaml:5: bogus: unknown field (in tls"},
		{"connections:\n  m:\n    kind: mem\n    servers: {a: 1}\n", "m.yaml:4: cannot unmarshal"},
		{"connections:\n  m:\n    kind: nats\n", `m.kind: "nats": want kafka, rabbitmq, sqs or mem`},
		{"connections:\n  m:\n    kind: mem\n    servers: [a:1]\n    schema_registry: {url: http://sr}\n", "m.schema_registry: a schema registry is for kafka connections"},
	} {
		if _, err := config.Parse([]byte(bad.yaml), "m.yaml", ds); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q:\n  got  %v\n  want %s", bad.yaml, err, bad.want)
		}
	}
	ex := config.Example(ds)
	if !strings.Contains(ex, "  mem-local:\n    kind: mem\n") {
		t.Fatalf("the example lacks the mem entries:\n%s", ex)
	}
	if c, err := config.Parse([]byte(ex), "example.yaml", ds); err != nil || c.Connections["mem-local"].Spec.Address != "127.0.0.1:4222" {
		t.Fatalf("the example with mem: %v", err)
	}
}
