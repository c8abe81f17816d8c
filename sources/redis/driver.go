package redis

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// EnvURL is read when --redis is not given.
const EnvURL = "MQSCOPE_REDIS"

// ConfigKeys are the keys a redis connection's config entry may hold
// beyond the common ones (sources.CommonConfigKey).
var ConfigKeys = [...]string{"url", "username", "password", "password_env", "password_file", "password_cmd", "db", "tls", "match", "max_deliveries", "max_idle"}

// tlsKeys are the keys of a tls: mapping (config.TLS).
var tlsKeys = [...]string{"ca", "cert", "key", "server_name", "insecure_skip_verify"}

// Driver is the Redis Streams connector as cmd lists it: kind redis, flag
// --redis URL (or $MQSCOPE_REDIS), and config entries such as
//
//	connections:
//	  cache:
//	    kind: redis
//	    url: rediss://redis.internal:6380/0
//	    username: mqscope          # an ACL user
//	    password_env: REDIS_PASSWORD   # or password_file, password_cmd
//	    db: 2                      # else the url's, else 0
//	    tls: {ca: ~/ca.pem}        # config.TLS; rediss:// alone uses the system's roots
//	    match: "orders:*"          # which keys are listed (SCAN MATCH)
//	    max_deliveries: 3          # a pending entry delivered more often is a dead letter (-1: never)
//	    max_idle: 10m              # or idle longer (-1: never)
func Driver() sources.Driver {
	return sources.Driver{
		Kind:     Kind,
		Summary:  "Redis Streams: streams, consumer groups, pending entries past their limits as dead letters",
		Flag:     "redis",
		Example:  example,
		Usage:    "open a Redis server: redis://[user[:password]@]host[:port][/db] or rediss:// (TLS)",
		Env:      EnvURL,
		FromFlag: fromFlag,
		FromConfig: func(name string, node *yaml.Node) (sources.Spec, error) {
			e, err := decodeEntry(name, node)
			if err != nil {
				return sources.Spec{}, err
			}
			return e.spec(), nil
		},
	}
}

// fromFlag makes the connection --redis names. A password in the URL is
// redacted wherever it would show.
func fromFlag(value string) (sources.Spec, error) {
	u, err := checkURL(value)
	if err != nil {
		return sources.Spec{}, fmt.Errorf("--redis: %w", err)
	}
	return sources.Spec{
		Address:     addressOf(u),
		ChecksLogin: true,
		Open: func(ctx context.Context, env sources.OpenEnv) (sources.Conn, error) {
			if p, ok := u.User.Password(); ok && env.Redact != nil {
				env.Redact(p)
			}
			return Dial(ctx, Options{Name: env.Name, URL: value, DB: -1})
		},
	}, nil
}

// checkURL accepts redis:// and rediss:// URLs with a host.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want redis://[user@]host[:port][/db] or rediss://...", Redacted(raw))
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if _, err := strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("url %q: the path is the database number, not %q", Redacted(raw), p)
		}
	}
	return u, nil
}

// addressOf is a URL without its credentials.
func addressOf(u *url.URL) string {
	v := *u
	v.User = nil
	if u.User != nil && u.User.Username() != "" {
		v.User = url.User(u.User.Username())
	}
	return v.String()
}

// entry is a decoded config entry.
type entry struct {
	name          string
	url           *url.URL
	rawURL        string
	username      string
	password      config.Secret
	db            int
	tls           *config.TLS
	match         string
	maxDeliveries int64
	maxIdle       time.Duration
}

// decodeEntry reads a config entry, refusing keys it does not know.
func decodeEntry(name string, node *yaml.Node) (entry, error) {
	e := entry{name: name, db: -1}
	bad := func(key string, err error) error {
		return fmt.Errorf("connection %q: %s: %w", name, key, err)
	}
	if node == nil || node.Kind != yaml.MappingNode {
		return e, fmt.Errorf("connection %q: want a mapping of keys", name)
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i].Value, node.Content[i+1]
		var err error
		switch k {
		case "url":
			err = v.Decode(&e.rawURL)
		case "username":
			err = v.Decode(&e.username)
		case "password":
			err = v.Decode(&e.password.Literal)
		case "password_env":
			err = v.Decode(&e.password.Env)
		case "password_file":
			err = v.Decode(&e.password.File)
		case "password_cmd":
			err = v.Decode(&e.password.Command)
		case "db":
			err = v.Decode(&e.db)
			if err == nil && e.db < 0 {
				err = fmt.Errorf("want a database number >= 0, not %d", e.db)
			}
		case "tls":
			e.tls, err = decodeTLS(v)
		case "match":
			err = v.Decode(&e.match)
		case "max_deliveries":
			err = v.Decode(&e.maxDeliveries)
			if err == nil && (e.maxDeliveries == 0 || e.maxDeliveries < -1) {
				err = fmt.Errorf("want a count > 0, or -1 for never, not %d", e.maxDeliveries)
			}
		case "max_idle":
			var s string
			if err = v.Decode(&s); err == nil {
				e.maxIdle, err = parseIdle(s)
			}
		default:
			if sources.CommonConfigKey(k) {
				continue
			}
			return e, fmt.Errorf("connection %q: unknown key %q for a redis connection (known: %s)", name, k, strings.Join(ConfigKeys[:], ", "))
		}
		if err != nil {
			return e, bad(k, err)
		}
	}
	if e.rawURL == "" {
		return e, fmt.Errorf("connection %q: a redis connection needs url: redis://host:port", name)
	}
	u, err := checkURL(e.rawURL)
	if err != nil {
		return e, bad("url", err)
	}
	if _, ok := u.User.Password(); ok {
		return e, fmt.Errorf("connection %q: url: no password in the url: give it as password_env, password_file or password_cmd", name)
	}
	e.url = u
	return e, nil
}

// parseIdle reads max_idle: a duration, or -1 for never.
func parseIdle(s string) (time.Duration, error) {
	if s == "-1" {
		return -1, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a duration such as 10m, or -1 for never, not %q", s)
	}
	return d, nil
}

// decodeTLS reads a tls: mapping, refusing keys config.TLS lacks.
func decodeTLS(v *yaml.Node) (*config.TLS, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("want a mapping (%s)", strings.Join(tlsKeys[:], ", "))
	}
	for i := 0; i < len(v.Content); i += 2 {
		k := v.Content[i].Value
		known := false
		for _, t := range tlsKeys {
			known = known || k == t
		}
		if !known {
			return nil, fmt.Errorf("unknown key %q (known: %s)", k, strings.Join(tlsKeys[:], ", "))
		}
	}
	var t config.TLS
	if err := v.Decode(&t); err != nil {
		return nil, err
	}
	return &t, nil
}

// auth is the Spec.Auth text: the user and the password by its source
// ("" for none).
func (e entry) auth() string {
	user := e.username
	if user == "" && e.url.User != nil {
		user = e.url.User.Username()
	}
	switch {
	case e.password.Set() && user != "":
		return config.Describe(user, e.password)
	case e.password.Set():
		return "password " + e.password.String()
	}
	return user
}

// spec is the entry's Spec: the secret is resolved, and redacted, in Open.
func (e entry) spec() sources.Spec {
	return sources.Spec{
		Address:     addressOf(e.url),
		Auth:        e.auth(),
		TLS:         e.url.Scheme == "rediss",
		ChecksLogin: true,
		Open: func(ctx context.Context, env sources.OpenEnv) (sources.Conn, error) {
			o := Options{Name: env.Name, Configured: true, URL: e.rawURL, Username: e.username, DB: e.db, Match: e.match, MaxDeliveries: e.maxDeliveries, MaxIdle: e.maxIdle}
			if e.password.Set() {
				p, err := e.password.Resolve(ctx)
				if err != nil {
					return nil, fmt.Errorf("connection %q: %w", e.name, err)
				}
				if env.Redact != nil {
					env.Redact(p)
				}
				o.Password = p
			}
			if e.tls != nil {
				cfg, err := e.tls.ClientConfig()
				if err != nil {
					return nil, fmt.Errorf("connection %q: %w", e.name, err)
				}
				if e.url.Scheme != "rediss" {
					return nil, fmt.Errorf("connection %q: tls: is given but the url is redis://: write rediss://", e.name)
				}
				o.TLS = cfg
			}
			return Dial(ctx, o)
		},
	}
}

// example is the redis connection of `mqscope config init`'s example.
const example = `  cache:
    kind: redis
    url: redis://redis.internal:6379/0
    # password_env: REDIS_PASSWORD
    match: "orders:*"    # which keys are listed (SCAN MATCH)
`
