package nats

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// Flag is the command-line flag of an ad-hoc NATS connection.
const Flag = "nats"

// EnvURL is read when --nats is not given.
const EnvURL = "MQSCOPE_NATS"

// Settings is one NATS connection as a config entry or the flag gives it,
// secrets still unresolved (they are read in Open).
type Settings struct {
	// URL is one or more server URLs, comma-separated (config key url).
	URL string
	// Username and Password (username, password, password_env,
	// password_file, password_cmd) authenticate with a user.
	Username string
	Password config.Secret
	// Token (token, token_env, token_file, token_cmd) authenticates with a
	// token.
	Token config.Secret
	// NkeySeedFile is a file with an nkey seed (nkey_seed_file).
	NkeySeedFile string
	// CredsFile is a .creds file (creds_file).
	CredsFile string
	// TLS is the connection's TLS (tls: ca, cert, key, server_name,
	// insecure_skip_verify).
	TLS *config.TLS
}

// Driver is the NATS JetStream connector as cmd registers it.
func Driver() sources.Driver {
	return sources.Driver{
		Kind:    Kind,
		Summary: "NATS JetStream streams: subjects, consumers, dead letters from advisories",
		Flag:    Flag,
		Example: example,
		Usage:   "NATS server URL (nats://host:4222, several comma-separated; env " + EnvURL + ")",
		Env:     EnvURL,
		FromFlag: func(value string) (sources.Spec, error) {
			s := Settings{URL: strings.TrimSpace(value)}
			if s.URL == "" {
				return sources.Spec{}, fmt.Errorf("--%s: want a server URL such as nats://localhost:4222", Flag)
			}
			return s.Spec(""), nil
		},
		FromConfig: func(name string, node *yaml.Node) (sources.Spec, error) {
			s, err := DecodeSettings(node)
			if err != nil {
				return sources.Spec{}, err // the config names the file, line and connection
			}
			return s.Spec(name), nil
		},
	}
}

// secretField is the field of s that key (prefix, prefix_env, prefix_file,
// prefix_cmd) sets.
func secretField(s *config.Secret, prefix, key string) (*string, bool) {
	switch key {
	case prefix:
		return &s.Literal, true
	case prefix + "_env":
		return &s.Env, true
	case prefix + "_file":
		return &s.File, true
	case prefix + "_cmd":
		return &s.Command, true
	}
	return nil, false
}

// DecodeSettings reads a config entry's mapping. It refuses a key it does
// not know (naming it) and leaves each sources.CommonConfigKey to the
// config package.
func DecodeSettings(node *yaml.Node) (Settings, error) {
	var s Settings
	if node == nil || node.Kind != yaml.MappingNode {
		return s, fmt.Errorf("want a mapping of keys (url, username, password_env, token_env, nkey_seed_file, creds_file, tls)")
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i].Value, node.Content[i+1]
		if sources.CommonConfigKey(k) {
			continue
		}
		var dst *string
		switch k {
		case "url":
			dst = &s.URL
		case "username":
			dst = &s.Username
		case "nkey_seed_file":
			dst = &s.NkeySeedFile
		case "creds_file":
			dst = &s.CredsFile
		case "tls":
			t, err := decodeTLS(v)
			if err != nil {
				return s, err
			}
			s.TLS = t
			continue
		default:
			var ok bool
			if dst, ok = secretField(&s.Password, "password", k); !ok {
				if dst, ok = secretField(&s.Token, "token", k); !ok {
					return s, fmt.Errorf("line %d: unknown key %q for a nats connection (want url, username, password[_env|_file|_cmd], token[_env|_file|_cmd], nkey_seed_file, creds_file, tls)", node.Content[i].Line, k)
				}
			}
		}
		if v.Kind != yaml.ScalarNode {
			return s, fmt.Errorf("line %d: %s: want a single value", v.Line, k)
		}
		*dst = v.Value
	}
	if strings.TrimSpace(s.URL) == "" {
		return s, fmt.Errorf("a nats connection needs url (nats://host:4222)")
	}
	if len(urlSecrets(s.URL)) > 0 {
		return s, fmt.Errorf("url: put the password in password_env, password_file or password_cmd (a token in token_env, token_file or token_cmd), not in the URL")
	}
	n := 0
	for _, set := range []bool{s.Password.Set(), s.Token.Set(), s.NkeySeedFile != "", s.CredsFile != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return s, fmt.Errorf("give one way to authenticate: a password, a token, an nkey seed file or a creds file")
	}
	if s.Password.Set() && s.Username == "" {
		return s, fmt.Errorf("a password needs a username")
	}
	return s, nil
}

// decodeTLS reads a tls: mapping with config.TLS's keys, refusing others.
func decodeTLS(v *yaml.Node) (*config.TLS, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: tls: want a mapping (ca, cert, key, server_name, insecure_skip_verify)", v.Line)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		switch k := v.Content[i].Value; k {
		case "ca", "cert", "key", "server_name", "insecure_skip_verify":
		default:
			return nil, fmt.Errorf("line %d: unknown key %q under tls (want ca, cert, key, server_name, insecure_skip_verify)", v.Content[i].Line, k)
		}
	}
	var t config.TLS
	if err := v.Decode(&t); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &t, nil
}

// Spec is the connection to open; name is its config key ("" for the flag).
func (s Settings) Spec(name string) sources.Spec {
	return sources.Spec{
		Address:     RedactURL(s.URL),
		Auth:        s.auth(),
		TLS:         s.TLS != nil || strings.Contains(s.URL, "tls://"),
		ChecksLogin: true,
		Open: func(ctx context.Context, env sources.OpenEnv) (sources.Conn, error) {
			return s.Open(ctx, env, name)
		},
	}
}

// auth is the Spec.Auth text: how the settings authenticate, secrets
// named by their source only ("" for none).
func (s Settings) auth() string {
	switch {
	case s.Password.Set():
		return config.Describe(s.Username, s.Password)
	case s.Token.Set():
		return "token " + s.Token.String()
	case s.NkeySeedFile != "":
		return "nkey seed file " + s.NkeySeedFile
	case s.CredsFile != "":
		return "creds file " + s.CredsFile
	case s.Username != "":
		return s.Username
	}
	return ""
}

// Open resolves the secrets (handing each to env.Redact) and dials.
func (s Settings) Open(ctx context.Context, env sources.OpenEnv, name string) (*Conn, error) {
	redact := env.Redact
	if redact == nil {
		redact = func(string) {}
	}
	for _, sec := range urlSecrets(s.URL) {
		redact(sec)
	}
	o := Options{Name: name, Configured: name != "", URL: s.URL, Username: s.Username, NkeySeedFile: expand(s.NkeySeedFile), CredsFile: expand(s.CredsFile)}
	if o.Name == "" {
		o.Name = env.Name
	}
	if s.Password.Set() {
		pw, err := s.Password.Resolve(ctx)
		if err != nil {
			return nil, fmt.Errorf("nats %s: %w", RedactURL(s.URL), err)
		}
		redact(pw)
		o.Password = pw
	}
	if s.Token.Set() {
		tok, err := resolveToken(ctx, s.Token)
		if err != nil {
			return nil, fmt.Errorf("nats %s: %w", RedactURL(s.URL), err)
		}
		redact(tok)
		o.Token = tok
	}
	if s.TLS != nil {
		cfg, err := s.TLS.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("nats %s: %w", RedactURL(s.URL), err)
		}
		o.TLS = cfg
	}
	return Dial(ctx, o)
}

// resolveToken reads a token from its source; errors name the token_* key,
// never the value.
func resolveToken(ctx context.Context, s config.Secret) (string, error) {
	switch {
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("token_env: the environment variable %s is not set", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(config.ExpandHome(s.File))
		if err != nil {
			return "", fmt.Errorf("token_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case s.Command != "":
		return config.RunSecretCommand(ctx, "token_cmd", s.Command)
	}
	return s.Literal, nil
}

func expand(p string) string {
	if p == "" {
		return ""
	}
	return config.ExpandHome(p)
}

// example is the nats connection of `mqscope config init`'s example.
const example = `  events:
    kind: nats
    url: nats://nats.internal:4222
    # username: mqscope
    # password_env: NATS_PASSWORD
`
