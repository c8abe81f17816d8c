// Package nats is mqscope's NATS JetStream connector (nats.go and its
// jetstream package): every stream with its subjects, counts and
// consumers, reads by sequence or time through an ephemeral ordered
// consumer (nothing created that outlives the read, nothing acknowledged),
// dead letters found through the server's MAX_DELIVERIES and
// MSG_TERMINATED advisories, and a redrive deduplicated by Nats-Msg-Id.
package nats

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/netprobe"
	"github.com/mqscope/mqscope/sources"
)

// Kind is the connector's kind, as config entries and messages name it.
const Kind = "nats"

// StreamKind is the Kind of every JetStream stream in a listing.
const StreamKind = "jetstream"

// DefaultTimeout bounds connecting and each JetStream API request.
const DefaultTimeout = 10 * time.Second

// Options say which NATS server to talk to and how to authenticate.
// Secrets are already resolved: Dial does not read files or run commands
// for them (the nkey seed and creds files excepted, which nats.go reads).
type Options struct {
	// Name is the connection's display name; it defaults to the address.
	Name string
	// URL is one or more server URLs (nats://, tls://), comma-separated.
	URL string
	// Username and Password authenticate with a user and password.
	Username, Password string
	// Token authenticates with a token.
	Token string
	// NkeySeedFile is a file holding an nkey seed (SU...).
	NkeySeedFile string
	// CredsFile is a decentralised-auth .creds file (a JWT and its seed).
	CredsFile string
	// TLS, when set, is the client side of TLS.
	TLS *tls.Config
	// Timeout bounds connecting and each API request (DefaultTimeout when 0).
	Timeout time.Duration
	// Configured says the connection is the config's entry Name: a
	// command line reaches it with -c Name (Reach), else with --nats.
	Configured bool
}

// Conn is an open NATS connection with JetStream: sources.Conn, Lister,
// Reader, GroupLister, TargetChecker and Redriver.
type Conn struct {
	name    string
	address string
	// configured and credentials say how a command line reaches it (Reach).
	configured, credentials bool
	timeout                 time.Duration
	nc                      *natsgo.Conn
	js                      jetstream.JetStream

	login sources.Login // what the server made of the credentials

	mu      sync.Mutex
	streams map[string]jetstream.Stream // stream handles by name, for GetMsg and DeleteMsg
}

var (
	_ sources.Conn          = (*Conn)(nil)
	_ sources.Lister        = (*Conn)(nil)
	_ sources.Reader        = (*Conn)(nil)
	_ sources.GroupLister   = (*Conn)(nil)
	_ sources.TargetChecker = (*Conn)(nil)
	_ sources.Redriver      = (*Conn)(nil)
	_ sources.LoginChecker  = (*Conn)(nil)
)

// ctxDialer dials the server within the context Dial was given, so a
// cancelled open stops at once.
type ctxDialer struct {
	d   net.Dialer
	mu  sync.Mutex
	ctx context.Context
	// greet, until detach, is how long the first connections wait for the
	// server's INFO before they say it is no NATS server (0: they do not).
	greet time.Duration
}

// Dial dials within the context of the moment. Before detach, a server
// that does not greet with INFO within greet is said to be no NATS server
// (a *wrongServer), not left to nats.go's whole timeout.
func (c *ctxDialer) Dial(network, address string) (net.Conn, error) {
	c.mu.Lock()
	ctx, greet := c.ctx, c.greet
	c.mu.Unlock()
	conn, err := c.d.DialContext(ctx, network, address)
	if err != nil || greet <= 0 {
		return conn, err
	}
	start := time.Now()
	r := netprobe.Exchange(ctx, conn, netprobe.Listen, greet)
	if r.Reply == netprobe.Silent && ctx.Err() == nil {
		// A server that has not greeted yet may be slow (a far link), or
		// be another kind that waits for the client: ask another
		// connection what the listener speaks, and unless it says, go on
		// waiting for INFO until the dial's deadline.
		a := netprobe.Probe(ctx, address, greet, netprobe.Ping, netprobe.KafkaAPIVersions, netprobe.TLSHello)
		if a.Reply == netprobe.Answered && a.Protocol != netprobe.Unknown && a.Protocol != netprobe.NATS {
			conn.Close()
			return nil, &wrongServer{addr: address, heard: a, greet: time.Since(start).Round(100 * time.Millisecond)}
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) > 0 {
			r = netprobe.Exchange(ctx, conn, netprobe.Listen, time.Until(d))
		}
	}
	if r.Protocol == netprobe.NATS {
		return &greeted{Conn: conn, head: r.Head}, nil
	}
	conn.Close()
	if errors.Is(ctx.Err(), context.Canceled) || ctx.Err() != nil && r.Reply != netprobe.Silent {
		return nil, fmt.Errorf("wait for the INFO of %s: %w", address, ctx.Err())
	}
	return nil, &wrongServer{addr: address, heard: r, greet: time.Since(start).Round(100 * time.Millisecond)}
}

// detach makes later dials (reconnects) independent of Dial's context,
// and no longer wait for the greeting themselves.
func (c *ctxDialer) detach() {
	c.mu.Lock()
	c.ctx, c.greet = context.Background(), 0
	c.mu.Unlock()
}

// greetWait bounds how long Dial waits for a server's INFO (a NATS server
// sends it as soon as it accepts) before it looks at what else answers.
const greetWait = netprobe.DefaultWait

// greeted is a connection whose first bytes (the INFO) were read to see
// that it is NATS: Read gives them again first.
type greeted struct {
	net.Conn
	mu   sync.Mutex
	head []byte
}

// Read gives the greeting's bytes, then the connection's.
func (g *greeted) Read(b []byte) (int, error) {
	g.mu.Lock()
	if len(g.head) > 0 {
		n := copy(b, g.head)
		g.head = g.head[n:]
		g.mu.Unlock()
		return n, nil
	}
	g.mu.Unlock()
	return g.Conn.Read(b)
}

// wrongServer is a listener that did not greet as NATS.
type wrongServer struct {
	addr  string
	heard netprobe.Result // what it said unasked
	greet time.Duration
}

func (w *wrongServer) Error() string {
	return fmt.Sprintf("%s did not greet as NATS within %s", w.addr, w.greet)
}

// explainWrong says what the listener behind w speaks instead, asking it
// when it said nothing unasked (Redis, RabbitMQ and HTTP wait for the
// client) — in one line, never its reply.
func explainWrong(ctx context.Context, w *wrongServer, tlsAsked bool) string {
	r := w.heard
	if r.Reply != netprobe.Answered || r.Protocol == netprobe.Unknown {
		if a := netprobe.Probe(ctx, w.addr, netprobe.DefaultWait, netprobe.Ping, netprobe.KafkaAPIVersions, netprobe.TLSHello); a.Reply == netprobe.Answered {
			r = a
		}
	}
	switch {
	case r.Protocol == netprobe.TLS && tlsAsked:
		return fmt.Sprintf("%s speaks TLS from its first byte, and a NATS server greets in plain text before TLS: is it the right port?", w.addr)
	case r.Protocol == netprobe.TLS:
		return netprobe.Mismatch(w.addr, netprobe.NATS, r.Protocol) + ": use a tls:// URL or a tls: setting, or the server's plain port"
	case r.Reply == netprobe.Answered:
		return netprobe.Mismatch(w.addr, netprobe.NATS, r.Protocol)
	case w.heard.Reply == netprobe.Closed:
		return fmt.Sprintf("%s closed the connection without greeting as NATS: wrong port?", w.addr)
	}
	return fmt.Sprintf("%s accepted the connection but did not answer as NATS within %s: wrong port?", w.addr, w.greet)
}

// Dial connects, authenticates and checks that JetStream answers for the
// account. It fails fast on an unreachable server and on refused
// credentials, with an error that says which.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if strings.TrimSpace(o.URL) == "" {
		return nil, errors.New("nats: no server URL (want nats://host:4222)")
	}
	address := RedactURL(o.URL)
	c := &Conn{name: o.Name, address: address, timeout: timeout, streams: map[string]jetstream.Stream{}, configured: o.Configured,
		credentials: o.Username != "" || o.Password != "" || o.Token != "" || o.NkeySeedFile != "" || o.CredsFile != "" || len(urlSecrets(o.URL)) > 0}
	if c.name == "" {
		c.name = "nats " + hostsOf(address)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dialer := &ctxDialer{ctx: dctx, d: net.Dialer{Timeout: timeout}, greet: min(greetWait, timeout)}
	if websocket(o.URL) { // the client speaks first on a websocket
		dialer.greet = 0
	}
	opts := []natsgo.Option{
		natsgo.Name("mqscope"),
		natsgo.Timeout(timeout),
		natsgo.SetCustomDialer(dialer),
		natsgo.NoCallbacksAfterClientClose(),
		// Reconnects after the first connection; never a line on the terminal.
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(time.Second),
		natsgo.ErrorHandler(func(*natsgo.Conn, *natsgo.Subscription, error) {}),
	}
	if o.Username != "" || o.Password != "" {
		opts = append(opts, natsgo.UserInfo(o.Username, o.Password))
	}
	if o.Token != "" {
		opts = append(opts, natsgo.Token(o.Token))
	}
	if o.NkeySeedFile != "" {
		opt, err := natsgo.NkeyOptionFromSeed(o.NkeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("nats %s: nkey seed file %s: %w", address, o.NkeySeedFile, err)
		}
		opts = append(opts, opt)
	}
	if o.CredsFile != "" {
		opts = append(opts, natsgo.UserCredentials(o.CredsFile))
	}
	if o.TLS != nil {
		opts = append(opts, natsgo.Secure(o.TLS))
	}
	nc, err := natsgo.Connect(o.URL, opts...)
	var wrong *wrongServer
	if errors.As(err, &wrong) {
		return nil, &scrubbed{text: fmt.Sprintf("nats %s: %s", address, explainWrong(ctx, wrong, o.TLS != nil)), err: err}
	}
	if err != nil {
		return nil, scrub(c.explainConnect(err), append(urlSecrets(o.URL), o.Password, o.Token)...)
	}
	dialer.detach()
	c.login = loginOf(o, nc.AuthRequired())
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(timeout))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats %s: jetstream: %w", address, err)
	}
	c.nc, c.js = nc, js
	if _, err := js.AccountInfo(dctx); err != nil {
		nc.Close()
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return nil, fmt.Errorf("nats %s: JetStream is not enabled for this account (start the server with -js, or enable it for the account): %w", address, err)
		}
		return nil, fmt.Errorf("nats %s: JetStream does not answer: %w", address, err)
	}
	return c, nil
}

// websocket reports whether a server URL is ws:// or wss://.
func websocket(urls string) bool {
	for _, u := range strings.Split(urls, ",") {
		u = strings.ToLower(strings.TrimSpace(u))
		if strings.HasPrefix(u, "ws://") || strings.HasPrefix(u, "wss://") {
			return true
		}
	}
	return false
}

// explainConnect turns a connect error into what a user can act on.
func (c *Conn) explainConnect(err error) error {
	msg := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, natsgo.ErrAuthorization), errors.Is(err, natsgo.ErrAuthExpired), errors.Is(err, natsgo.ErrAuthRevoked),
		strings.Contains(msg, "authorization violation"), strings.Contains(msg, "authentication"):
		return fmt.Errorf("nats %s: the server refused the credentials (username/password, token, nkey or creds): %w", c.address, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, natsgo.ErrTimeout):
		return fmt.Errorf("nats %s: unreachable: no answer within %s: %w", c.address, c.timeout, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("nats %s: connecting stopped: %w", c.address, err)
	case errors.Is(err, natsgo.ErrNoServers), strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"):
		return fmt.Errorf("nats %s: unreachable: %w", c.address, err)
	case strings.Contains(msg, "tls"), strings.Contains(msg, "x509"), strings.Contains(msg, "certificate"):
		return fmt.Errorf("nats %s: TLS: %w", c.address, err)
	}
	return fmt.Errorf("nats %s: %w", c.address, err)
}

// scrubbed is an error whose text had secrets taken out; it keeps the
// original for errors.Is.
type scrubbed struct {
	text string
	err  error
}

func (e *scrubbed) Error() string { return e.text }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub takes secrets out of an error's text (a URL parse error quotes the
// URL, password and all).
func scrub(err error, secrets ...string) error {
	text := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			text, changed = strings.ReplaceAll(text, s, "***"), true
		}
	}
	if !changed {
		return err
	}
	return &scrubbed{text: text, err: err}
}

// Name is the connection's display name.
func (c *Conn) Name() string { return c.name }

// Kind is "nats".
func (c *Conn) Kind() string { return Kind }

// Address is the server URLs without credentials.
func (c *Conn) Address() string { return c.address }

// Close closes the NATS connection.
func (c *Conn) Close() error {
	c.nc.Close()
	return nil
}

// JetStream is the connection's JetStream context, for the replay package
// and tests.
func (c *Conn) JetStream() jetstream.JetStream { return c.js }

// NATS is the underlying core NATS connection.
func (c *Conn) NATS() *natsgo.Conn { return c.nc }

// stream returns a stream handle by name, cached; the error wraps
// sources.ErrUnknownStream when there is no such stream.
func (c *Conn) stream(ctx context.Context, name string) (jetstream.Stream, error) {
	c.mu.Lock()
	s, ok := c.streams[name]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := c.js.Stream(ctx, name)
	if err != nil {
		if namesNoStream(err) {
			return nil, c.notAStream(ctx, name)
		}
		return nil, fmt.Errorf("stream %q on %s: %w", name, c.address, err)
	}
	c.mu.Lock()
	c.streams[name] = s
	c.mu.Unlock()
	return s, nil
}

// forget drops a cached stream handle (the stream was deleted).
func (c *Conn) forget(name string) {
	c.mu.Lock()
	delete(c.streams, name)
	c.mu.Unlock()
}

var _ sources.Reacher = (*Conn)(nil)

// Reach is -c NAME for a connection of the config, else --nats and the
// server URLs without a password or token (Credentials then says they
// are to be given).
func (c *Conn) Reach() sources.Reach {
	if c.configured {
		return sources.Reach{Flags: []string{"-c", c.name}}
	}
	return sources.Reach{Flags: []string{"--" + Flag, c.address}, Credentials: c.credentials}
}

// RedactURL removes any password or token from server URLs: "nats://u:p@h"
// becomes "nats://u@h", "nats://token@h" becomes "nats://h". It works on
// the text, so a URL the client cannot parse is redacted too.
func RedactURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		scheme, user, _, hasPass, rest, ok := splitUserinfo(p)
		switch {
		case !ok:
			parts[i] = p
		case hasPass:
			parts[i] = scheme + url.PathEscape(user) + "@" + rest
		default:
			parts[i] = scheme + rest // a bare user part is a token
		}
	}
	return strings.Join(parts, ",")
}

// splitUserinfo cuts "scheme://user:pass@rest" apart; ok is false when
// there is no user part.
func splitUserinfo(p string) (scheme, user, pass string, hasPass bool, rest string, ok bool) {
	if i := strings.Index(p, "://"); i >= 0 {
		scheme, p = p[:i+3], p[i+3:]
	}
	host := p
	if j := strings.IndexAny(p, "/?#"); j >= 0 {
		host = p[:j]
	}
	at := strings.LastIndex(host, "@")
	if at < 0 {
		return "", "", "", false, "", false
	}
	userinfo := host[:at]
	user, pass, hasPass = strings.Cut(userinfo, ":")
	if u, err := url.PathUnescape(user); err == nil {
		user = u
	}
	return scheme, user, pass, hasPass, p[at+1:], true
}

// urlSecrets returns the passwords and tokens written in server URLs (as
// written and unescaped).
func urlSecrets(raw string) []string {
	var out []string
	for _, p := range strings.Split(raw, ",") {
		_, user, pass, hasPass, _, ok := splitUserinfo(strings.TrimSpace(p))
		if !ok {
			continue
		}
		secret := user
		if hasPass {
			secret = pass
		}
		if secret == "" {
			continue
		}
		out = append(out, secret)
		if u, err := url.PathUnescape(secret); err == nil && u != secret {
			out = append(out, u)
		}
	}
	return out
}

// hostsOf is the host:port list of server URLs.
func hostsOf(address string) string {
	parts := strings.Split(address, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.Host != "" {
			parts[i] = u.Host
		}
	}
	return strings.Join(parts, ",")
}
