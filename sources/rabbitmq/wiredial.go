package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// DialWire opens a hand-framed AMQP connection (package wire) with the
// connection's address, TLS and credentials, for a redrive that moves
// messages without decoding them. name is what the management API shows.
func (c *Conn) DialWire(ctx context.Context, name string) (*wire.Conn, error) {
	return c.dialWire(ctx, name, nil)
}

// dialWire is DialWire with what the broker's blocks of publishing are told
// to (nil: nothing).
func (c *Conn) dialWire(ctx context.Context, name string, onBlocked func(amqp.Blocking)) (*wire.Conn, error) {
	nc, err := c.cfg.Dial("tcp", c.where())
	if err != nil {
		return nil, c.explain(err)
	}
	if c.uri.Scheme == "amqps" {
		cfg := &tls.Config{}
		if c.cfg.TLSClientConfig != nil {
			cfg = c.cfg.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = c.uri.Host
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("connect to rabbitmq %s: TLS: %w", c.where(), err)
		}
		nc = tc
	}
	wc, err := wire.Dial(ctx, nc, wire.Options{SASL: c.sasl(), Heartbeat: c.cfg.Heartbeat, Vhost: c.uri.Vhost, Name: "mqscope " + name, OnBlocked: onBlocked})
	var we *wire.Error
	switch {
	case errors.As(err, &we) && we.Code == amqp.AccessRefused:
		return nil, fmt.Errorf("connect to rabbitmq %s: %w: %w (check the user name and password)", c.where(), err, ErrAuth)
	case err != nil:
		return nil, fmt.Errorf("connect to rabbitmq %s: %w", c.where(), err)
	}
	return wc, nil
}

// sasl is the mechanisms a connection logs in with, as amqp091-go chooses
// them: the configured credentials (PLAIN), else the URL's auth_mechanism
// list (PLAIN, AMQPLAIN, EXTERNAL), else PLAIN with the URL's user.
func (c *Conn) sasl() []amqp.Authentication {
	if len(c.cfg.SASL) > 0 {
		return c.cfg.SASL
	}
	var out []amqp.Authentication
	for _, m := range c.uri.AuthMechanism {
		switch strings.ToUpper(m) {
		case "PLAIN":
			out = append(out, c.uri.PlainAuth())
		case "AMQPLAIN":
			out = append(out, c.uri.AMQPlainAuth())
		case "EXTERNAL":
			out = append(out, &amqp.ExternalAuth{})
		}
	}
	if len(out) == 0 {
		out = append(out, c.uri.PlainAuth())
	}
	return out
}

// ConvertWire is the message of a delivery read with package wire, from
// the headers decoded for it (a redrive decodes only those its decision
// needs; the rest of the table is passed on untouched). The broker's death
// records are in its DeadLetter, not rendered among its headers.
func (c *Conn) ConvertWire(d wire.Delivery, messageID string, headers amqp.Table, stream string, seq int64) sources.Message {
	rest := make(amqp.Table, len(headers))
	for k, v := range headers {
		if k != "x-death" && !strings.HasPrefix(k, "x-first-death-") {
			rest[k] = v
		}
	}
	m := sources.Message{
		Conn: c.name, Stream: stream, Partition: sources.NoPartition, Offset: seq,
		ID: messageID, Key: []byte(d.RoutingKey), Value: d.Body, ValueSize: len(d.Body),
		Redelivered: d.Redelivered, Headers: TableHeaders(rest),
	}
	if m.Value == nil {
		m.Value = []byte{}
	}
	m.DeadLetter = DeadLetterFromTable(headers, m.Headers)
	return m
}

// mechanismNames are the names of mechanisms, for messages.
func mechanismNames(ms []amqp.Authentication) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Mechanism()
	}
	return out
}
