// Package rabbitmq is the RabbitMQ connector: amqp091-go for data (peek,
// stream reads, exchange taps) and the management HTTP API for topology and
// counts, which AMQP 0-9-1 cannot list.
package rabbitmq

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// Options configure a RabbitMQ connection.
type Options struct {
	// Name is the connection's display name; it defaults to host/vhost.
	Name string
	// URL is the AMQP URI: amqp://user:pass@host:5672/vhost.
	URL string
	// ManagementURL is the management API (http://host:15672); empty means
	// the AMQP host on port 15672 with the AMQP credentials.
	ManagementURL string
	// Queues are listed when the management API cannot be reached.
	Queues []string
	// Configured says the connection is the config's entry Name: a
	// command line opens it again with -c Name.
	Configured bool
	// DialTimeout bounds connecting; it defaults to 5s.
	DialTimeout time.Duration
	// Username and Password, when set, authenticate instead of the URL's
	// credentials (a config keeps the password out of the URL).
	Username, Password string
	// TLS is the client TLS for amqps:// and an https management API (nil:
	// the system's roots).
	TLS *tls.Config
	// Heartbeat is the heartbeat interval asked of the broker, for every
	// connection (amqp091-go's and the hand-framed ones); it defaults to
	// 10s. The smaller of it and the broker's is used.
	Heartbeat time.Duration
	// Log records reconnects after the broker dropped the connection (nil:
	// none are recorded).
	Log *slog.Logger
}

// Conn is an open RabbitMQ connection: sources.Conn, Lister and Reader.
type Conn struct {
	name string
	// configured says a command line reaches it with -c name (Reach).
	configured bool
	uri        amqp.URI
	url        string
	cfg        amqp.Config
	mgmt       *Management
	probe      *Management // the client tried at dial time, kept to release it
	notice     string
	queues     []string

	log   *slog.Logger
	mu    sync.Mutex
	conn  *amqp.Connection
	kinds map[string]string // stream name -> kind, from the last listing
}

var (
	_ sources.Conn   = (*Conn)(nil)
	_ sources.Lister = (*Conn)(nil)
	_ sources.Reader = (*Conn)(nil)
)

// Dial connects over AMQP and checks the management API. A management API
// that cannot be used is not fatal: the connection then lists only the
// configured queues and says so in Notice.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	uri, err := amqp.ParseURI(o.URL)
	if err != nil {
		return nil, fmt.Errorf("rabbitmq URL %q: %w", RedactURL(o.URL), err)
	}
	timeout := o.DialTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	c := &Conn{
		name: o.Name, uri: uri, url: o.URL, queues: o.Queues, kinds: map[string]string{}, log: o.Log, configured: o.Configured,
		cfg: amqp.Config{
			Heartbeat:       cmp.Or(o.Heartbeat, 10*time.Second),
			Locale:          "en_US",
			Dial:            amqp.DefaultDial(timeout),
			Properties:      amqp.Table{"connection_name": "mqscope", "product": "mqscope"},
			TLSClientConfig: o.TLS,
		},
	}
	user, pass := uri.Username, uri.Password
	if o.Username != "" {
		user, pass = o.Username, o.Password
		c.cfg.SASL = []amqp.Authentication{&amqp.PlainAuth{Username: user, Password: pass}}
		c.uri.Username, c.uri.Password = user, ""
	}
	if c.name == "" {
		c.name = uri.Host
		if uri.Vhost != "/" {
			c.name += "/" + uri.Vhost
		}
	}
	if _, err := c.amqpConn(ctx); err != nil {
		return nil, err
	}
	murl := o.ManagementURL
	if murl == "" {
		murl = "http://" + net.JoinHostPort(uri.Host, "15672")
	}
	m, err := NewManagement(murl, user, pass)
	if err != nil {
		c.Close()
		return nil, err
	}
	if o.TLS != nil {
		m.http.Transport.(*http.Transport).TLSClientConfig = o.TLS
	}
	c.probe = m
	mctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := m.Overview(mctx); err != nil {
		c.notice = "management API unavailable (" + err.Error() + "): listing only the queues named with --queue"
	} else if _, err := m.Queues(mctx, uri.Vhost); err != nil {
		c.notice = "management API: " + err.Error() + ": listing only the queues named with --queue"
	} else {
		c.mgmt = m
	}
	return c, nil
}

// amqpConn returns the AMQP connection, dialling again when it was closed.
func (c *Conn) amqpConn(ctx context.Context) (*amqp.Connection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.conn.IsClosed() {
		return c.conn, nil
	}
	if c.conn != nil && c.log != nil { // it was open: the broker dropped it
		c.log.Warn("reconnecting", "connection", c.name, "address", c.where())
		conn, err := c.dialAMQP(ctx)
		if err != nil {
			c.log.Warn("reconnect failed", "connection", c.name, "err", err)
			return nil, err
		}
		c.log.Info("reconnected", "connection", c.name)
		return conn, nil
	}
	return c.dialAMQP(ctx)
}

// dialAMQP dials the AMQP connection (c.mu held).
func (c *Conn) dialAMQP(ctx context.Context) (*amqp.Connection, error) {
	type result struct {
		conn *amqp.Connection
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := amqp.DialConfig(c.url, c.cfg)
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, c.explain(r.err)
		}
		c.conn = r.conn
		return r.conn, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, fmt.Errorf("connect to rabbitmq %s: %w", c.where(), ctx.Err())
	}
}

func (c *Conn) where() string {
	return net.JoinHostPort(c.uri.Host, strconv.Itoa(c.uri.Port))
}

// explain turns AMQP dial errors into what a user can act on.
func (c *Conn) explain(err error) error {
	var aerr *amqp.Error
	var nerr net.Error
	switch {
	case errors.Is(err, amqp.ErrSASL):
		return fmt.Errorf("rabbitmq %s: the broker offers none of the SASL mechanisms configured (%s): set auth_mechanism in the URL to one it offers", c.where(), strings.Join(mechanismNames(c.sasl()), " "))
	case errors.As(err, &aerr) && aerr.Code == amqp.AccessRefused, errors.Is(err, amqp.ErrCredentials):
		return fmt.Errorf("rabbitmq %s: user %q: %w (check the user name and password)", c.where(), c.uri.Username, ErrAuth)
	case errors.As(err, &aerr) && aerr.Code == amqp.NotAllowed:
		return fmt.Errorf("rabbitmq %s: vhost %q does not exist or user %q may not use it: %s", c.where(), c.uri.Vhost, c.uri.Username, aerr.Reason)
	case errors.Is(err, amqp.ErrVhost):
		return fmt.Errorf("rabbitmq %s: vhost %q does not exist or user %q may not use it", c.where(), c.uri.Vhost, c.uri.Username)
	case errors.As(err, &nerr):
		return fmt.Errorf("connect to rabbitmq %s: broker unreachable: %w", c.where(), err)
	}
	return fmt.Errorf("connect to rabbitmq %s: %w", c.where(), err)
}

// RedactURL hides the password of a URL for messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Channel opens a channel on the (re)connected AMQP connection; the caller
// closes it. Writers (replay) use it.
func (c *Conn) Channel(ctx context.Context) (*amqp.Channel, error) { return c.channel(ctx) }

// DedicatedChannel opens a channel on a connection of its own, so a heavy
// writer does not share a socket (and the broker's connection process) with
// readers. Closing it closes that connection.
func (c *Conn) DedicatedChannel(ctx context.Context) (*amqp.Channel, func() error, error) {
	ch, conn, err := c.dedicatedChannel(ctx)
	if err != nil {
		return nil, nil, err
	}
	return ch, conn.Close, nil
}

// dedicatedChannel is DedicatedChannel with the connection it opened.
func (c *Conn) dedicatedChannel(ctx context.Context) (*amqp.Channel, *amqp.Connection, error) {
	type result struct {
		conn *amqp.Connection
		err  error
	}
	done := make(chan result, 1)
	cfg := c.cfg
	dial := cfg.Dial
	cfg.Dial = func(network, addr string) (net.Conn, error) {
		conn, err := dial(network, addr)
		if err != nil {
			return nil, err
		}
		return cork(conn, time.Millisecond), nil
	}
	go func() {
		conn, err := amqp.DialConfig(c.url, cfg)
		done <- result{conn, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, nil, ctx.Err()
	}
	if r.err != nil {
		return nil, nil, c.explain(r.err)
	}
	ch, err := r.conn.Channel()
	if err != nil {
		r.conn.Close()
		return nil, nil, fmt.Errorf("rabbitmq %s: open channel: %w", c.where(), err)
	}
	return ch, r.conn, nil
}

// channel opens a channel on the (re)connected AMQP connection.
func (c *Conn) channel(ctx context.Context) (*amqp.Channel, error) {
	conn, err := c.amqpConn(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("rabbitmq %s: open channel: %w", c.where(), err)
	}
	return ch, nil
}

// Name is the connection's display name.
func (c *Conn) Name() string { return c.name }

// Kind is "rabbitmq".
func (c *Conn) Kind() string { return "rabbitmq" }

var _ sources.Reacher = (*Conn)(nil)

// Reach is -c NAME for a connection of the config, else --rabbitmq and
// the URL with its user (a user other than guest) but never its password
// (Credentials then says the password is to be given).
func (c *Conn) Reach() sources.Reach {
	if c.configured {
		return sources.Reach{Flags: []string{"-c", c.name}}
	}
	u := c.uri
	credentials := u.Username != "guest" || u.Password != "guest"
	u.Password = "guest" // the default: String leaves it out, and keeps a user other than guest
	return sources.Reach{Flags: []string{"--rabbitmq", u.String()}, Credentials: credentials}
}

// Address is host:port/vhost.
func (c *Conn) Address() string { return c.where() + "/" + strings.TrimPrefix(c.uri.Vhost, "/") }

// Vhost is the connection's vhost.
func (c *Conn) Vhost() string { return c.uri.Vhost }

// Management is the management API client, or nil when it is unavailable.
func (c *Conn) Management() *Management { return c.mgmt }

// Notice says what the connection cannot do (no management API), or "".
func (c *Conn) Notice() string { return c.notice }

// Close closes the AMQP connection.
func (c *Conn) Close() error {
	if c.probe != nil {
		c.probe.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil || c.conn.IsClosed() {
		return nil
	}
	if err := c.conn.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
		return fmt.Errorf("close rabbitmq %s: %w", c.name, err)
	}
	return nil
}
