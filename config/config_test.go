package config_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/sqs"
)

// drivers are the brokers a config names, as cmd lists them.
func drivers() []sources.Driver {
	return []sources.Driver{kafka.Driver(), rabbitmq.Driver(), sqs.Driver()}
}

func TestExampleParses(t *testing.T) {
	c, err := config.Parse([]byte(config.Example(drivers())), "example.yaml", drivers())
	if err != nil {
		t.Fatal(err)
	}
	if c.Default != "local" || strings.Join(c.Names(), ",") != "local,prod-kafka,rabbit,aws" {
		t.Fatalf("default %q names %v", c.Default, c.Names())
	}
	prod := c.Connections["prod-kafka"]
	if prod.Writable() || !c.Connections["local"].Writable() || prod.Color != "red" || prod.Spec.Auth != "SCRAM-SHA-512 mqscope / password $KAFKA_PASSWORD" || !prod.Spec.TLS {
		t.Fatalf("prod: %+v", prod)
	}
	if r := c.Connections["rabbit"]; r.Spec.Auth != "mqscope / password command" || !r.Spec.TLS || r.Name != "rabbit" || r.Spec.Address != "amqps://rabbit.example.com:5671/orders" {
		t.Fatalf("rabbit: %+v", r)
	}
	if a := c.Connections["aws"]; a.Kind != "sqs" || a.Spec.Address != "eu-west-1" || a.Spec.Auth != "profile prod" {
		t.Fatalf("aws: %+v", a)
	}
	if len(c.Trace.CorrelationHeaders) != 3 || c.UI.ScanBudget != 1_000_000 {
		t.Fatalf("ui %+v trace %+v", c.UI, c.Trace)
	}
}

// TestBadFilesSayWhere: each bad file is refused with its file, line and
// field.
func TestBadFilesSayWhere(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"connections:\n  a:\n    kind: kafka\n    brokers: [x:1]\n    brokres: [y]\n", "bad.yaml:5: brokres: unknown field"},
		{"connections:\n  a:\n    kind: kafak\n    brokers: [x:1]\n", "bad.yaml:3: a.kind: \"kafak\": want kafka, rabbitmq or sqs"},
		{"connections:\n  a:\n    kind: kafka\n", "bad.yaml:2: a.brokers: a kafka connection needs brokers"},
		{"connections:\n  a:\n    kind: kafka\n    brokers: [nohostport]\n", "bad.yaml:4: a.brokers: \"nohostport\": want host:port"},
		{"connections:\n  r:\n    kind: rabbitmq\n    url: http://x\n", "bad.yaml:4: r.url: a rabbitmq connection needs url"},
		{"connections:\n  r:\n    kind: rabbitmq\n    url: amqp://u:secret@h:5672/\n", "bad.yaml:4: r.url: put the password in password_env"},
		{"connections:\n  a:\n    kind: kafka\n    brokers: [x:1]\n    sasl:\n      mechanism: GSSAPI\n", "bad.yaml:5: a.sasl: mechanism \"GSSAPI\""},
		{"connections:\n  a:\n    kind: kafka\n    brokers: [x:1]\n    sasl:\n      mechanism: SCRAM-SHA-512\n      username: u\n", "a.sasl: SCRAM-SHA-512 needs username and a password"},
		{"connections:\n  a:\n    kind: kafka\n    brokers: [x:1]\n    tls:\n      cert: c.pem\n", "bad.yaml:5: a.tls: cert and key go together"},
		{"connections:\n  a:\n    kind: kafka\n    brokers: [x:1]\n    color: reddish\n", "bad.yaml:5: a.color: \"reddish\""},
		{"default: b\nconnections:\n  a:\n    kind: kafka\n    brokers: [x:1]\n", "bad.yaml:1: default: \"b\" is not one of the connections (a)"},
		{"ui:\n  theme: neon\n", "bad.yaml:1: ui.theme: \"neon\": want dark or light"},
		{"ui:\n  buffer: lots\n", `bad.yaml:1: ui.buffer: size "lots": want a positive size`},
		{"ui:\n  buffer: 0\n", `bad.yaml:1: ui.buffer: size "0"`},
		{"ui:\n  breaker: 150\n", "bad.yaml:1: ui.breaker: 150: want a percentage"},
		{"ui:\n  breaker: -5\n", "bad.yaml:1: ui.breaker: -5: want a percentage"},
		{"connections:\n  a:\n    kind: kafka\n    read_only: maybe\n", "bad.yaml:4: cannot unmarshal"},
		{"connections:\n  a:\n    kind: kafka\n    brokers: [x:1]\nschemas:\n  - {pattern: \"search.*\", schema: t.avsc}\n",
			"bad.yaml:5: schemas: unknown field at the top level: it belongs to a connection (connections: NAME: schemas: ...)"},
		{"connections: [\n", "bad.yaml"},
		{"connections:\n  a:\n  kind: kafka\n", "bad.yaml"},
	} {
		_, err := config.Parse([]byte(c.yaml), "bad.yaml", drivers())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n  got  %v\n  want %s", c.yaml, err, c.want)
		}
	}
}

func TestLoadAndLocate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(config.EnvPath, "")
	path, explicit := config.Locate("")
	if path != filepath.Join(dir, "mqscope", "config.yaml") || explicit {
		t.Fatalf("locate: %s %v", path, explicit)
	}
	if c, err := config.Load(path, false, drivers()); err != nil || len(c.Connections) != 0 {
		t.Fatalf("a missing default file is an empty config: %v", err)
	}
	if _, err := config.Load(filepath.Join(dir, "nope.yaml"), true, drivers()); err == nil {
		t.Fatal("a missing --config file must be an error")
	}
	if err := config.WriteExample(path, drivers()); err != nil {
		t.Fatal(err)
	}
	if err := config.WriteExample(path, drivers()); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Fatalf("init over an existing file: %v", err)
	}
	if c, err := config.Load(path, false, drivers()); err != nil || c.Default != "local" {
		t.Fatalf("load the example: %v", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	t.Setenv(config.EnvPath, "/x/y.yaml")
	if p, ex := config.Locate(""); p != "/x/y.yaml" || !ex {
		t.Fatal("MQSCOPE_CONFIG")
	}
	if p, ex := config.Locate("/a.yaml"); p != "/a.yaml" || !ex {
		t.Fatal("--config wins")
	}
}

func TestSecretsResolveAndNeverShow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte("s3cret-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MQ_TEST_PW", "s3cret-env")
	for _, c := range []struct {
		s    config.Secret
		want string
	}{
		{config.Secret{Env: "MQ_TEST_PW"}, "s3cret-env"},
		{config.Secret{File: file}, "s3cret-file"},
		{config.Secret{Command: "echo s3cret-cmd"}, "s3cret-cmd"},
		{config.Secret{Literal: "s3cret-lit"}, "s3cret-lit"},
	} {
		got, err := c.s.Resolve(ctx)
		if err != nil || got != c.want {
			t.Errorf("%v: %q %v", c.s, got, err)
		}
		if strings.Contains(c.s.String(), "s3cret") {
			t.Errorf("String shows the secret: %s", c.s)
		}
	}
	for _, bad := range []config.Secret{{Env: "MQ_TEST_UNSET"}, {File: filepath.Join(dir, "none")}, {Command: "echo s3cret-out; exit 3"}, {Command: "true"}} {
		_, err := bad.Resolve(ctx)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// TestBreakerZeroAndMinusOneAreOff: breaker: 0 and breaker: -1 both turn
// the breaker off, a file without it gets the default, and the example
// says so.
func TestBreakerZeroAndMinusOneAreOff(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want float64
	}{{"ui:\n  theme: dark\n", config.DefaultBreakerPercent}, {"ui:\n  breaker: 0\n", 0}, {"ui:\n  breaker: -1\n", 0}, {"ui:\n  breaker: 25\n", 25}} {
		c, err := config.Parse([]byte(tc.yaml), "b.yaml", drivers())
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if got := c.UI.BreakerPercent(); got != tc.want {
			t.Errorf("%q: breaker %g%%, want %g%%", tc.yaml, got, tc.want)
		}
	}
	if !strings.Contains(config.Example(drivers()), "breaker: 10          # pause a redrive when this % comes back dead (0 or -1: off)") {
		t.Error("the example does not say 0 and -1 turn the breaker off")
	}
}

// TestSchemas: a connection's schema_registry (auth from a secret source,
// TLS), local schema rules and protos; the description names the
// password's source only.
func TestSchemas(t *testing.T) {
	c, err := config.Parse([]byte(`connections:
  k:
    kind: kafka
    brokers: [x:1]
    schema_registry:
      url: https://sr:8081
      username: mq
      password_file: ~/.sr
      tls: {ca: ca.pem}
    schemas:
      - {pattern: "legacy.*", schema: o.avsc}
      - {pattern: "legacy.*", key: true, schema: k.avsc}
  r:
    kind: rabbitmq
    url: amqp://h:5672/
    protos: [protos, events.protoset]
    schemas:
      - {pattern: "orders.*", schema: events.proto, message: acme.Order}
  t:
    kind: kafka
    brokers: [x:1]
    schema_registry: {url: http://sr:8081, token_cmd: print-token}
`), "s.yaml", drivers())
	if err != nil {
		t.Fatal(err)
	}
	k, r := c.Connections["k"], c.Connections["r"]
	if sr := k.SchemaRegistry; sr == nil || sr.URL != "https://sr:8081" || sr.Password.File != "~/.sr" || sr.TLS.CA != "ca.pem" || sr.Auth() != "mq / password file ~/.sr" {
		t.Fatalf("registry %+v", k.SchemaRegistry)
	}
	if len(k.Schemas) != 2 || !k.Schemas[1].Key || k.Schemas[0].Schema != "o.avsc" {
		t.Fatalf("schemas %+v", k.Schemas)
	}
	if len(r.Protos) != 2 || r.Schemas[0].Message != "acme.Order" || r.SchemaRegistry.Auth() != "-" {
		t.Fatalf("rabbit %+v", r)
	}
	if a := c.Connections["t"].SchemaRegistry.Auth(); a != "token command" {
		t.Fatalf("token auth %q", a)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"connections:\n  r:\n    kind: rabbitmq\n    url: amqp://h/\n    schema_registry: {url: http://sr}\n", "s.yaml:5: r.schema_registry: a schema registry is for kafka connections"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schema_registry: {url: sr:8081}\n", `k.schema_registry: url "sr:8081": want http(s)://host:port`},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schema_registry: {url: http://sr, username: u}\n", "k.schema_registry: username u needs a password"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schema_registry: {url: \"https://u:pw@sr:8081/\"}\n", "k.schema_registry: put the username in username"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schema_registry: {url: http://sr, password_env: X}\n", "a password goes with a username"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schema_registry: {url: http://sr, tls: {cert: c.pem}}\n", "cert and key go together"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schema_registry: {url: http://sr, passwrd_env: X}\n", "s.yaml:5: passwrd_env: unknown field"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schemas:\n      - {schema: o.avsc}\n", "s.yaml:5: k.schemas: rule 1: pattern: missing"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schemas:\n      - {pattern: o}\n", "k.schemas: rule 1 (o): schema: missing"},
		{"connections:\n  k:\n    kind: kafka\n    brokers: [x:1]\n    schemas:\n      - {pattern: \"[\", schema: o.avsc}\n", `k.schemas: rule 1: pattern "["`},
	} {
		_, err := config.Parse([]byte(bad.yaml), "s.yaml", drivers())
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q:\n  got  %v\n  want %s", bad.yaml, err, bad.want)
		}
	}
}

// TestExampleShowsSchemas: config init's example shows a schema registry
// and local schemas, commented out; uncommented, they parse.
func TestExampleShowsSchemas(t *testing.T) {
	for _, want := range []string{"# schema_registry:", "#   url: https://", "#   password_env: SCHEMA_REGISTRY_PASSWORD", "# schemas:", "# protos: ["} {
		if !strings.Contains(config.Example(drivers()), want) {
			t.Errorf("the example lacks %q", want)
		}
	}
	var b strings.Builder
	for _, l := range strings.Split(config.Example(drivers()), "\n") {
		for _, p := range []string{"    # schema_registry:", "    #   ", "    # schemas:", "    # protos:"} {
			if strings.HasPrefix(l, p) && !strings.HasPrefix(l, "    #   # ") {
				l = "    " + strings.TrimPrefix(l, "    # ")
				if strings.HasPrefix(strings.TrimSpace(l), "#") {
					break
				}
			}
		}
		b.WriteString(l + "\n")
	}
	c, err := config.Parse([]byte(b.String()), "example.yaml", drivers())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if sr := c.Connections["prod-kafka"].SchemaRegistry; sr == nil || sr.Password.Env != "SCHEMA_REGISTRY_PASSWORD" || sr.TLS == nil {
		t.Fatalf("registry %+v", sr)
	}
	if len(c.Connections["prod-kafka"].Schemas) != 3 || len(c.Connections["rabbit"].Protos) != 1 {
		t.Fatalf("schemas %+v protos %+v", c.Connections["prod-kafka"].Schemas, c.Connections["rabbit"].Protos)
	}
}
