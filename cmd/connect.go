package cmd

import (
	"cmp"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/sqs"
)

// connectTimeout bounds how long connecting may take before a clear error.
const connectTimeout = 10 * time.Second

// connect opens the connections named by the global flags, else those of
// the config (see configured) for a headless command.
func (e *env) connect(ctx context.Context) ([]sources.Conn, error) { return e.open(ctx, false) }

// connectAll is connect for the TUI: without a default it opens every
// configured connection.
func (e *env) connectAll(ctx context.Context) ([]sources.Conn, error) { return e.open(ctx, true) }

// adHoc reports connections given with flags (not from the config).
func (e *env) adHoc() bool {
	return e.flags.kafka != "" || e.flags.rabbitmq != "" || e.flags.sqs || e.flags.sqsEndpoint != ""
}

func (e *env) open(ctx context.Context, all bool) ([]sources.Conn, error) {
	if !e.adHoc() {
		return e.openConfigured(ctx, all)
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	var conns []sources.Conn
	fail := func(err error) ([]sources.Conn, error) {
		closeAll(conns)
		return nil, err
	}
	if e.flags.kafka != "" {
		brokers, err := kafka.ParseBrokers(e.flags.kafka)
		if err != nil {
			return fail(err)
		}
		c, err := kafka.Dial(ctx, kafka.Options{Brokers: brokers})
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
	}
	if e.flags.rabbitmq != "" {
		c, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: e.flags.rabbitmq, ManagementURL: e.flags.management, Queues: e.flags.queues})
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
	}
	if e.flags.sqs || e.flags.sqsEndpoint != "" {
		c, err := sqs.Dial(ctx, sqs.Options{Region: e.flags.region, Profile: e.flags.profile, Endpoint: e.flags.sqsEndpoint})
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// openConfigured dials the configured connections the flags select.
func (e *env) openConfigured(ctx context.Context, all bool) ([]sources.Conn, error) {
	sel, err := e.configured(all)
	if err != nil {
		return nil, err
	}
	if len(sel) == 0 {
		return nil, e.errNoConnection()
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	e.readOnly = map[string]bool{}
	var conns []sources.Conn
	for _, cc := range sel {
		c, err := dialConfigured(ctx, cc)
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		e.readOnly[cc.Name] = !cc.Writable()
		conns = append(conns, c)
	}
	return conns, nil
}

// describeConns names the connections the flags ask for, for the screen
// shown while they open.
func (e *env) describeConns() string {
	var parts []string
	if e.flags.kafka != "" {
		parts = append(parts, "kafka "+e.flags.kafka)
	}
	if e.flags.rabbitmq != "" {
		parts = append(parts, "rabbitmq "+rabbitmq.RedactURL(e.flags.rabbitmq))
	}
	if e.flags.sqs || e.flags.sqsEndpoint != "" {
		parts = append(parts, "sqs "+cmp.Or(e.flags.sqsEndpoint, e.flags.region, "(default region)"))
	}
	if len(parts) == 0 {
		if sel, err := e.configured(true); err == nil {
			for _, cc := range sel {
				parts = append(parts, cc.Name)
			}
		}
	}
	return strings.Join(parts, " and ")
}

// closeAll closes connections (errors on close are not actionable).
func closeAll(conns []sources.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}

// stateDir is where logs, journals and the audit log go:
// $XDG_STATE_HOME/mqscope, else ~/.local/state/mqscope.
func stateDir() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "mqscope")
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "mqscope")
}

// logger opens the log file; logs never go to the terminal.
func (e *env) logger() (*slog.Logger, func()) {
	path := e.flags.logFile
	if path == "" {
		path = filepath.Join(stateDir(), "mqscope.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return slog.New(slog.DiscardHandler), func() {}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return slog.New(slog.DiscardHandler), func() {}
	}
	return slog.New(slog.NewJSONHandler(controlEscaper{f}, nil)), func() { f.Close() }
}
