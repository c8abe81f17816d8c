package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// loadConfig reads the config file once (--config, $MQSCOPE_CONFIG, or the
// default path, which may be missing).
func (e *env) loadConfig() (*config.Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	path, explicit := config.Locate(e.flags.config)
	c, err := config.Load(path, explicit, e.drivers)
	if err != nil {
		return nil, err
	}
	c.Path = path
	e.cfg = c
	return c, nil
}

// configured picks the connections of the config to open: those named
// with --connection, else the default; with all (the TUI), else every one.
func (e *env) configured(all bool) ([]config.Connection, error) {
	c, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	var names []string
	switch {
	case len(e.flags.connections) > 0:
		names = e.flags.connections
	case c.Default != "":
		names = []string{c.Default}
	case all || len(c.Connections) == 1:
		names = c.Names()
	case len(c.Connections) > 1:
		return nil, fmt.Errorf("%d connections in %s and no default: pick one with -c NAME (%s)", len(c.Connections), c.Path, strings.Join(c.Names(), ", "))
	}
	var out []config.Connection
	for _, n := range names {
		cc, ok := c.Connections[n]
		if !ok {
			if len(c.Connections) == 0 {
				return nil, fmt.Errorf("connection %q: %s has no connections (mqscope config init writes an example)", n, c.Path)
			}
			return nil, fmt.Errorf("connection %q is not in %s (%s)", n, c.Path, strings.Join(c.Names(), ", "))
		}
		out = append(out, cc)
	}
	return out, nil
}

// errNoConnection says how to get one.
func (e *env) errNoConnection() error {
	path, _ := config.Locate(e.flags.config)
	return errors.New("no connection: pass --kafka host:port or --rabbitmq amqp://..., add one to " + path + " (mqscope config init writes an example), or run mqscope demo")
}

// refuseWrites says why a connection may not be written to (nil: it may).
func (e *env) refuseWrites(conn sources.Conn) error {
	switch {
	case e.flags.readOnly:
		return fmt.Errorf("connection %s is read-only (--read-only): refusing to write", conn.Name())
	case e.readOnly[conn.Name()]:
		return fmt.Errorf("connection %s is read-only: set read_only: false on it in %s to allow writes", conn.Name(), e.cfg.Path)
	}
	return nil
}

// locate finds the connection that holds a stream without reading it,
// and says what a read of it does besides reading ("" when nothing: a
// Kafka topic, a RabbitMQ stream; a queue's read is a peek).
func locate(ctx context.Context, conns []sources.Conn, stream string) (sources.Conn, string, error) {
	var errs []error
	for _, c := range conns {
		st, err := locateOn(ctx, c, stream)
		if err == nil {
			return c, st.Effect, nil
		}
		if !errors.Is(err, sources.ErrUnknownStream) {
			return nil, "", fmt.Errorf("connection %s: %w", c.Name(), err)
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, "", fmt.Errorf("%q: %w", stream, sources.ErrUnknownStream)
	}
	return nil, "", errors.Join(errs...)
}

// locateOn finds a stream on one connection (an error wrapping
// sources.ErrUnknownStream when it has none such): its kind and what a
// read of it is.
func locateOn(ctx context.Context, c sources.Conn, stream string) (sources.StreamInfo, error) {
	if l, ok := c.(sources.Locator); ok {
		return l.Locate(ctx, stream)
	}
	if l, ok := c.(sources.Lister); ok { // a connector without a cheaper way: its listing
		all, err := l.ListStreams(ctx)
		if err != nil {
			return sources.StreamInfo{}, fmt.Errorf("list the streams of %s: %w", c.Name(), err)
		}
		for _, st := range all {
			if st.Name == stream {
				return st, nil
			}
		}
	}
	return sources.StreamInfo{}, fmt.Errorf("%q on %s: %w", stream, c.Name(), sources.ErrUnknownStream)
}

// isQueue reports a stream of c that is a queue (a read is a peek of its
// head); false when c has no such stream.
func isQueue(ctx context.Context, c sources.Conn, stream string) bool {
	st, err := locateOn(ctx, c, stream)
	return err == nil && st.Queue
}

// refuseBeforeRead refuses a write to a read-only connection before its
// messages are read: always for a write (dry false), and for a dry run
// when the read itself has side effects.
func (e *env) refuseBeforeRead(conn sources.Conn, effect string, dry bool) error {
	err := e.refuseWrites(conn)
	switch {
	case err == nil, dry && effect == "":
		return nil
	case effect == "":
		return err
	case e.flags.readOnly:
		return fmt.Errorf("connection %s is read-only (--read-only): nothing was read: %s, a side effect --read-only forbids", conn.Name(), effect)
	}
	return fmt.Errorf("connection %s is read-only: nothing was read: %s, a side effect read_only forbids; set read_only: false on it in %s to allow it", conn.Name(), effect, e.cfg.Path)
}
