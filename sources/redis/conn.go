package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/mqscope/mqscope/internal/netprobe"
	"github.com/mqscope/mqscope/sources"
)

// Kind is the connection kind: config entries say kind: redis.
const Kind = "redis"

// Stream kinds in StreamInfo.Kind.
const (
	// KindStream is a stream key.
	KindStream = "stream"
	// KindPending is a group's dead letters: pending entries delivered too
	// often or idle too long (see PendingName).
	KindPending = "pending"
)

// Defaults for what makes a pending entry a dead letter.
const (
	// DefaultMaxDeliveries: an entry delivered more often than this is dead.
	DefaultMaxDeliveries = 3
	// DefaultMaxIdle: an entry pending longer than this without being
	// delivered again is dead.
	DefaultMaxIdle = 10 * time.Minute
	// DefaultTimeout bounds dialling and the first answer.
	DefaultTimeout = 5 * time.Second
)

// Options say which Redis to open and what counts as a dead letter.
type Options struct {
	// Name is the connection's display name (default: the address).
	Name string
	// URL is redis://[user[:password]@]host[:port][/db] or rediss://
	// (TLS). A password in it is used, and should be redacted by the
	// caller; Password, when set, wins.
	URL string
	// Username is the ACL user (overrides the URL's).
	Username string
	// Password is the ACL user's password (overrides the URL's).
	Password string
	// DB, when > 0, selects a database; else the URL's (else 0).
	DB int
	// TLS is the client TLS; nil uses the system's roots for rediss://
	// and no TLS for redis://.
	TLS *tls.Config
	// Match is the SCAN MATCH pattern streams are listed with ("*" when
	// empty).
	Match string
	// MaxDeliveries: a pending entry delivered more often than this is a
	// dead letter (0: DefaultMaxDeliveries; -1: never by count).
	MaxDeliveries int64
	// MaxIdle: a pending entry idle longer than this is a dead letter (0:
	// DefaultMaxIdle; -1: never by idle time).
	MaxIdle time.Duration
	// Timeout bounds dialling and each answer (0: DefaultTimeout).
	Timeout time.Duration
	// ClientName is what CLIENT LIST shows for the connection's sockets
	// ("mqscope" when empty).
	ClientName string
	// Configured says the connection is the config's entry Name: a
	// command line reaches it with -c Name (Reach), else with --redis
	// and the URL.
	Configured bool
}

// Limits are what make a pending entry a dead letter.
type Limits struct {
	// MaxDeliveries: more deliveries than this (<= 0: not by count).
	MaxDeliveries int64
	// MaxIdle: idle longer than this (<= 0: not by idle time).
	MaxIdle time.Duration
}

// Dead reports whether an entry delivered deliveries times and idle for
// idle is a dead letter under the limits.
func (l Limits) Dead(deliveries int64, idle time.Duration) bool {
	return l.MaxDeliveries > 0 && deliveries > l.MaxDeliveries || l.MaxIdle > 0 && idle > l.MaxIdle
}

// String says the limits for people: "delivered more than 3 times or idle over 10m0s".
func (l Limits) String() string {
	var parts []string
	if l.MaxDeliveries > 0 {
		parts = append(parts, "delivered more than "+strconv.FormatInt(l.MaxDeliveries, 10)+" times")
	}
	if l.MaxIdle > 0 {
		parts = append(parts, "idle over "+l.MaxIdle.String())
	}
	if len(parts) == 0 {
		return "never"
	}
	return strings.Join(parts, " or ")
}

// Conn is an open Redis connection: sources.Conn, Lister, Reader,
// GroupLister, TargetChecker and Redriver.
type Conn struct {
	name string
	addr string
	// reach is how a command line opens it again (Reach).
	reach   sources.Reach
	client  *goredis.Client
	match   string
	limits  Limits
	timeout time.Duration
	// dial is how the redrive's own streaming connection is opened.
	dial dialParams
}

// dialParams are what a plain connection to the server needs.
type dialParams struct {
	hostport, username, password, clientName string
	db                                       int
	tls                                      *tls.Config
}

var (
	_ sources.Conn          = (*Conn)(nil)
	_ sources.Lister        = (*Conn)(nil)
	_ sources.Reader        = (*Conn)(nil)
	_ sources.GroupLister   = (*Conn)(nil)
	_ sources.TargetChecker = (*Conn)(nil)
	_ sources.Redriver      = (*Conn)(nil)
)

// Dial opens the connection and checks that the server answers (PING)
// with the credentials given.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	if o.URL == "" {
		o.URL = "redis://127.0.0.1:6379"
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("redis: url %q: want redis://host:port[/db] or rediss://host:port[/db]", Redacted(o.URL))
	}
	ro, err := goredis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("redis: url %s: %w", Redacted(o.URL), err)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if o.Username != "" {
		ro.Username = o.Username
	}
	if o.Password != "" {
		ro.Password = o.Password
	}
	if o.DB > 0 {
		ro.DB = o.DB
	}
	if o.TLS != nil {
		cfg := o.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		ro.TLSConfig = cfg
	}
	ro.Protocol = 2
	ro.ClientName = o.ClientName
	if ro.ClientName == "" {
		ro.ClientName = "mqscope"
	}
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	ro.DialTimeout = timeout
	ro.ReadTimeout = 2 * timeout
	ro.WriteTimeout = 2 * timeout
	ro.MaxRetries = 2
	ro.DialerRetries = 1
	ro.PoolSize = 8
	c := &Conn{
		name: o.Name, addr: ro.Addr + "/" + strconv.Itoa(ro.DB), client: goredis.NewClient(ro),
		match: o.Match, timeout: timeout,
		limits: Limits{MaxDeliveries: o.MaxDeliveries, MaxIdle: o.MaxIdle},
		dial:   dialParams{hostport: ro.Addr, username: ro.Username, password: ro.Password, clientName: ro.ClientName, db: ro.DB, tls: ro.TLSConfig},
	}
	if u.Scheme == "rediss" {
		c.addr = "rediss://" + c.addr
	}
	c.reach = reachOf(o, u)
	if c.name == "" {
		c.name = "redis " + c.addr
	}
	if c.match == "" {
		c.match = "*"
	}
	if c.limits.MaxDeliveries == 0 {
		c.limits.MaxDeliveries = DefaultMaxDeliveries
	}
	if c.limits.MaxIdle == 0 {
		c.limits.MaxIdle = DefaultMaxIdle
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.client.Ping(pctx).Err(); err != nil {
		_ = c.client.Close()
		if ro.TLSConfig == nil && ctx.Err() == nil {
			if wrong := c.notRedis(ctx, err); wrong != "" {
				return nil, &notRedis{text: "redis " + c.addr + ": " + wrong, err: err}
			}
		}
		return nil, c.explain(err)
	}
	return c, nil
}

// notRedis is a Dial error that says what the server speaks instead; it
// keeps the client's error for errors.Is.
type notRedis struct {
	text string
	err  error
}

func (e *notRedis) Error() string { return e.text }
func (e *notRedis) Unwrap() error { return e.err }

// notRedis says, in one line and without the server's reply, what a
// plain listener that failed the first PING is instead of a Redis: a
// NATS, a RabbitMQ, an HTTP server, a TLS port, or one that says nothing
// in time. It returns "" when the failure is the dial's (unreachable),
// the server's as a Redis (a refused password), or it is a Redis after all.
func (c *Conn) notRedis(ctx context.Context, err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return ""
	}
	if msg := err.Error(); strings.Contains(msg, "WRONGPASS") || strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "NOPERM") ||
		strings.Contains(msg, "invalid password") || strings.Contains(msg, "invalid username-password") {
		return ""
	}
	addr := c.dial.hostport
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		// It took the PING and said nothing: no other probe answers sooner.
		d := net.Dialer{Timeout: min(c.timeout, netprobe.DefaultWait)}
		conn, derr := d.DialContext(ctx, "tcp", addr)
		if derr != nil {
			return ""
		}
		conn.Close()
		return fmt.Sprintf("%s accepted the connection but did not answer as Redis within %s: wrong port?", addr, c.timeout)
	}
	r := netprobe.Probe(ctx, addr, min(c.timeout, netprobe.DefaultWait), netprobe.Ping, netprobe.KafkaAPIVersions, netprobe.TLSHello)
	switch {
	case r.Reply == netprobe.Answered && r.Protocol == netprobe.Redis, r.Reply == netprobe.Unreachable:
		return ""
	case r.Protocol == netprobe.TLS:
		return netprobe.Mismatch(addr, netprobe.Redis, r.Protocol) + ": use a rediss:// URL (or a tls: setting)"
	case r.Reply == netprobe.Answered:
		return netprobe.Mismatch(addr, netprobe.Redis, r.Protocol)
	case r.Reply == netprobe.Closed:
		return fmt.Sprintf("%s closed the connection without answering as Redis: wrong port?", addr)
	}
	return fmt.Sprintf("%s accepted the connection but did not answer as Redis within %s: wrong port?", addr, min(c.timeout, netprobe.DefaultWait))
}

// explain is cause with the server's address in front, for errors that
// say nothing else of where they come from.
func (c *Conn) explain(err error) error {
	return fmt.Errorf("redis %s: %w", c.addr, c.cause(err))
}

// cause turns a client error into what a user can act on; it never shows
// the password.
func (c *Conn) cause(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return errors.New("the username or password was refused (WRONGPASS): check username and password_env/password_file/password_cmd")
	case strings.Contains(msg, "NOAUTH"):
		return errors.New("the server wants a password (NOAUTH): give one with password_env, password_file or password_cmd")
	case strings.Contains(msg, "NOPERM"):
		return fmt.Errorf("the ACL user may not run this: it needs +@read +@stream +scan +ping (and +@scripting +xack +xadd +xdel +sadd +sismember +expire to redrive): %w", err)
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe), errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("unreachable: %w", err)
	}
	var te tls.RecordHeaderError
	if errors.As(err, &te) || strings.Contains(msg, "tls:") || strings.Contains(msg, "x509:") {
		return fmt.Errorf("TLS failed (rediss:// against a plain port, or a certificate not trusted): %w", err)
	}
	return err
}

// Redacted is a URL with its password replaced by "xxxxx".
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	return u.Redacted()
}

var _ sources.Reacher = (*Conn)(nil)

// reachOf is -c NAME for a connection of the config, else --redis and
// the URL with its user but never its password (Credentials then says
// the password is to be given).
func reachOf(o Options, u *url.URL) sources.Reach {
	if o.Configured {
		return sources.Reach{Flags: []string{"-c", o.Name}}
	}
	v := *u
	_, hasPass := u.User.Password()
	switch {
	case u.User == nil:
	case u.User.Username() != "":
		v.User = url.User(u.User.Username())
	default:
		v.User = nil
	}
	return sources.Reach{Flags: []string{"--redis", v.String()}, Credentials: hasPass || o.Password != ""}
}

// Reach is the flags that open the connection again.
func (c *Conn) Reach() sources.Reach { return c.reach }

// Name is the connection's display name.
func (c *Conn) Name() string { return c.name }

// Kind is "redis".
func (c *Conn) Kind() string { return Kind }

// Address is host:port/db (rediss:// in front with TLS), without
// credentials.
func (c *Conn) Address() string { return c.addr }

// Limits are what makes a pending entry a dead letter on this connection.
func (c *Conn) Limits() Limits { return c.limits }

// Close closes the connection pool.
func (c *Conn) Close() error { return c.client.Close() }

// Client is the go-redis client, for tests and benchmarks.
func (c *Conn) Client() *goredis.Client { return c.client }

// silent drops go-redis's own log lines: it writes them to stderr, under
// the TUI, and every failure it logs reaches the caller as an error too.
type silent struct{}

// Printf drops the line.
func (silent) Printf(context.Context, string, ...any) {}

// init silences go-redis's logger, which is the library's one and only
// (it has no per-client logger).
func init() { goredis.SetLogger(silent{}) }
