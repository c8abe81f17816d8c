// Package kafka is the Kafka connector, built on IBM/sarama. It reads by
// assigning partitions directly: no consumer group, no commits.
package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

// Options configure a Kafka connection.
type Options struct {
	// Name is the connection's display name; it defaults to the first address.
	Name string
	// Brokers are the bootstrap addresses (host:port).
	Brokers []string
	// Configured says the connection is the config's entry Name: a
	// command line opens it again with -c Name.
	Configured bool
	// ClientID is sent to the brokers; it defaults to "mqscope".
	ClientID string
	// DialTimeout bounds each connection attempt; it defaults to 5s.
	DialTimeout time.Duration
	// Version is the Kafka protocol version to speak; zero means V3_6_0_0.
	Version sarama.KafkaVersion
	// SASL, when set, authenticates.
	SASL *SASL
	// TLS, when set, encrypts the connections (with a client certificate
	// for mutual TLS).
	TLS *tls.Config
}

// Conn is an open Kafka connection. It implements sources.Conn,
// sources.Lister and sources.Reader.
type Conn struct {
	name  string
	addrs []string
	// configured and sasl say how a command line reaches it (Reach).
	configured, sasl bool
	config           *sarama.Config
	client           sarama.Client
	// dialed is when Dial fetched the cluster's metadata (unix ns; 0 once
	// a listing has used it).
	dialed atomic.Int64
}

var (
	_ sources.Conn   = (*Conn)(nil)
	_ sources.Lister = (*Conn)(nil)
	_ sources.Reader = (*Conn)(nil)
)

// ParseBrokers splits a comma-separated broker list and checks each is host:port.
func ParseBrokers(list string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(list, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("kafka broker %q: want host:port", a)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("kafka: no broker address given (want host:port[,host:port])")
	}
	return out, nil
}

// NewConfig returns the sarama configuration mqscope reads with.
func NewConfig(o Options) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = o.ClientID
	if cfg.ClientID == "" {
		cfg.ClientID = "mqscope"
	}
	cfg.Version = o.Version
	if cfg.Version == (sarama.KafkaVersion{}) {
		cfg.Version = sarama.V3_6_0_0
	}
	dial := o.DialTimeout
	if dial == 0 {
		dial = 5 * time.Second
	}
	cfg.Net.DialTimeout = dial
	cfg.Net.ReadTimeout = 15 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Metadata.AllowAutoTopicCreation = false
	cfg.Metadata.Retry.Max = 1
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cfg.Metadata.RefreshFrequency = time.Minute
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.Fetch.Default = 1 << 20
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Retry.Backoff = time.Second
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted // aborted records (a failed redrive batch) never show
	cfg.ChannelBufferSize = 256
	return cfg
}

// Dial connects to a Kafka cluster. It fails within a few seconds with a
// clear error when no broker can be reached.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	if len(o.Brokers) == 0 {
		return nil, errors.New("kafka: no broker address given")
	}
	name := o.Name
	if name == "" {
		name = o.Brokers[0]
	}
	cfg := NewConfig(o)
	if err := applySASL(cfg, o.SASL); err != nil {
		return nil, err
	}
	if o.TLS != nil {
		cfg.Net.TLS.Enable, cfg.Net.TLS.Config = true, o.TLS
	}
	type result struct {
		c   sarama.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := sarama.NewClient(o.Brokers, cfg)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, explainDialError(o, cfg.Net.DialTimeout, r.err)
		}
		c := &Conn{name: name, addrs: o.Brokers, config: cfg, client: r.c, configured: o.Configured, sasl: o.SASL != nil}
		if cfg.Metadata.Full { // sarama.NewClient fetched every topic's metadata
			c.dialed.Store(time.Now().UnixNano())
		}
		return c, nil
	case <-ctx.Done():
		go func() { // close the client if it connects after all
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, notKafka(o, ctx.Err())
	}
}

// notKafka explains a connection that did not open before the deadline:
// a plain listener that answers as something else (or not at all) is
// said to be no Kafka broker.
func notKafka(o Options, err error) error {
	where := strings.Join(o.Brokers, ",")
	if !errors.Is(err, context.DeadlineExceeded) || o.TLS != nil {
		return fmt.Errorf("connect to kafka %s: %w", where, err)
	}
	for _, a := range o.Brokers {
		if what := probe(context.Background(), a); what != "" {
			return fmt.Errorf("connect to kafka %s: %s accepted the connection but did not answer as Kafka: %s (wrong port, or TLS or SASL required?)", where, a, what)
		}
	}
	return fmt.Errorf("connect to kafka %s: no answer in time: %w", where, err)
}

// explainDialError turns sarama's "run out of available brokers" into the
// reason a user can act on.
func explainDialError(o Options, timeout time.Duration, err error) error {
	addrs := o.Brokers
	where := strings.Join(addrs, ",")
	if errors.Is(err, sarama.ErrSASLAuthenticationFailed) || strings.Contains(err.Error(), "SASL") && o.SASL != nil {
		return fmt.Errorf("connect to kafka %s: authentication failed (SASL %s as %q): check the username and password: %w", where, o.SASL.Mechanism, o.SASL.User, err)
	}
	if !errors.Is(err, sarama.ErrOutOfBrokers) {
		return fmt.Errorf("connect to kafka %s: %w", where, err)
	}
	for _, a := range addrs {
		c, derr := net.DialTimeout("tcp", a, timeout)
		if derr != nil {
			return fmt.Errorf("connect to kafka %s: broker unreachable: %w", where, derr)
		}
		c.Close()
	}
	switch {
	case o.SASL != nil:
		// kfake and some brokers close the connection on a wrong password:
		// sarama only sees EOF.
		return fmt.Errorf("connect to kafka %s: authentication failed (SASL %s as %q): the broker closed the connection; check the username and password (or TLS): %w", where, o.SASL.Mechanism, o.SASL.User, err)
	case o.TLS != nil:
		return fmt.Errorf("connect to kafka %s: the TLS connection failed (is the port a TLS listener, is the CA right?): %w", where, err)
	}
	return fmt.Errorf("connect to kafka %s: the broker accepted the connection but did not answer as Kafka (wrong port, TLS or SASL required, or authentication failed): %w", where, err)
}

// Name is the connection's display name.
func (c *Conn) Name() string { return c.name }

// Kind is "kafka".
func (c *Conn) Kind() string { return "kafka" }

var _ sources.Reacher = (*Conn)(nil)

// Reach is -c NAME for a connection of the config, else --kafka and the
// bootstrap list (SASL credentials left out).
func (c *Conn) Reach() sources.Reach {
	if c.configured {
		return sources.Reach{Flags: []string{"-c", c.name}, KcatBrokers: c.Address()}
	}
	return sources.Reach{Flags: []string{"--kafka", c.Address()}, Credentials: c.sasl, KcatBrokers: c.Address()}
}

// Address is the bootstrap list.
func (c *Conn) Address() string { return strings.Join(c.addrs, ",") }

// Client exposes the sarama client for packages that write (replay).
func (c *Conn) Client() sarama.Client { return c.client }

// Close closes the connection.
func (c *Conn) Close() error {
	if err := c.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		return fmt.Errorf("close kafka %s: %w", c.name, err)
	}
	return nil
}

// partitionsOf returns a topic's partitions, refreshing metadata once when
// the topic is not known yet.
func (c *Conn) partitionsOf(topic string) ([]int32, error) {
	if err := c.client.RefreshMetadata(topic); err != nil {
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			return nil, fmt.Errorf("topic %q on %s: %w", topic, c.Address(), sources.ErrUnknownStream)
		}
		return nil, fmt.Errorf("topic %q: metadata: %w", topic, err)
	}
	ps, err := c.client.Partitions(topic)
	if err != nil {
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			return nil, fmt.Errorf("topic %q on %s: %w", topic, c.Address(), sources.ErrUnknownStream)
		}
		return nil, fmt.Errorf("topic %q: partitions: %w", topic, err)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("topic %q on %s: %w", topic, c.Address(), sources.ErrUnknownStream)
	}
	return ps, nil
}
