package rabbitmq

import (
	"context"
	"crypto/tls"
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
	user, pass := c.uri.Username, c.uri.Password
	for _, a := range c.cfg.SASL {
		if p, ok := a.(*amqp.PlainAuth); ok {
			user, pass = p.Username, p.Password
		}
	}
	wc, err := wire.Dial(ctx, nc, wire.Options{Username: user, Password: pass, Vhost: c.uri.Vhost, Name: "mqscope " + name})
	if err != nil {
		return nil, fmt.Errorf("connect to rabbitmq %s: %w", c.where(), err)
	}
	return wc, nil
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
