package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mqscope/mqscope/internal/logging"
	"github.com/mqscope/mqscope/sources"
)

// connectTimeout bounds how long connecting may take before a clear error.
const connectTimeout = 10 * time.Second

// connect opens the connections named by the global flags, else those of
// the config (see configured) for a headless command. Each opens on its
// own: one that fails is reported on stderr by name and the command goes
// on with the others; it fails only when none opens.
func (e *env) connect(ctx context.Context) ([]sources.Conn, error) {
	conns, failed, err := e.open(ctx, false)
	for _, f := range failed {
		fmt.Fprintf(e.stderr, "mqscope: %v (going on with the other connections)\n", f)
	}
	return conns, err
}

// connectForWrite is connect for a command that writes (redrive, edit,
// replay): every connection must open, as the stream it names could be
// on the one that did not, and a same-named stream on another must not be
// written to in its place.
func (e *env) connectForWrite(ctx context.Context) ([]sources.Conn, error) {
	conns, failed, err := e.open(ctx, false)
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		closeAll(conns)
		return nil, fmt.Errorf("%w (nothing written: a write needs every connection it is given; leave that one out of -c to go on)", errors.Join(failed...))
	}
	return conns, nil
}

// connectQuiet is connect without the notices (shell completion).
func (e *env) connectQuiet(ctx context.Context) ([]sources.Conn, error) {
	conns, _, err := e.open(ctx, false)
	return conns, err
}

// adHoc reports connections given with flags (not from the config).
func (e *env) adHoc() bool {
	for _, f := range e.adHocFlags {
		if f.given() {
			return true
		}
	}
	return false
}

// dialer is one connection to open: what names it on the screen and in
// the log, and how to open it (secrets resolved then, never before).
type dialer struct {
	name, kind string
	spec       sources.Spec
}

// dial opens it, its secrets resolved now and hidden from the log.
func (e *env) dial(ctx context.Context, d dialer) (sources.Conn, error) {
	return d.spec.Open(ctx, sources.OpenEnv{Name: d.name, Log: e.logger(), Redact: e.secrets.Add})
}

// dialers lists the connections the flags select: those given with
// flags, else the config's (all: every one without a default, the TUI).
func (e *env) dialers(all bool) ([]dialer, error) {
	if !e.adHoc() {
		sel, err := e.configured(all)
		if err != nil {
			return nil, err
		}
		if len(sel) == 0 {
			return nil, e.errNoConnection()
		}
		e.readOnly = map[string]bool{}
		var ds []dialer
		for _, cc := range sel {
			e.readOnly[cc.Name] = !cc.Writable()
			ds = append(ds, dialer{name: cc.Name, kind: cc.Kind, spec: cc.Spec})
		}
		return ds, nil
	}
	return e.dialersAdHoc()
}

// dialersAdHoc lists the connections the drivers' flags give.
func (e *env) dialersAdHoc() ([]dialer, error) {
	var ds []dialer
	for _, f := range e.adHocFlags {
		if !f.given() {
			continue
		}
		spec, err := f.driver.FlagSpec(f.value, f.more())
		if err != nil {
			return nil, err
		}
		ds = append(ds, dialer{name: f.driver.Kind, kind: f.driver.Kind, spec: spec})
	}
	return ds, nil
}

// open opens the selected connections, each on its own and all at once,
// each within connectTimeout. It returns those that opened and the errors
// of those that did not (each naming its connection); err is set only
// when none opened.
func (e *env) open(ctx context.Context, all bool) (conns []sources.Conn, failed []error, err error) {
	ds, err := e.dialers(all)
	if err != nil {
		return nil, nil, err
	}
	type result struct {
		conn sources.Conn
		err  error
	}
	results := make([]result, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Go(func() {
			c, err := e.dialLogged(ctx, d)
			results[i] = result{c, err}
		})
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			failed = append(failed, r.err)
			continue
		}
		conns = append(conns, r.conn)
	}
	e.failed = append(e.failed, failed...)
	if len(conns) == 0 {
		return nil, nil, errors.Join(failed...)
	}
	return conns, failed, nil
}

// dialLogged opens one connection within connectTimeout and logs the
// dial, then its success or its failure with the reason. The error names
// the connection.
func (e *env) dialLogged(ctx context.Context, d dialer) (sources.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	log := e.logger().With("connection", d.name, "kind", d.kind, "address", d.spec.Address)
	log.Info("dial")
	start := time.Now()
	c, err := e.dial(ctx, d)
	took := time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		if !strings.Contains(err.Error(), d.name) {
			err = fmt.Errorf("connection %s: %w", d.name, err)
		}
		log.Warn("connect failed", "err", err, "took", took)
		return nil, err
	}
	log.Info("connected", "took", took)
	return c, nil
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

// logger is the session's log, the log file (--log-file), opened on first
// use; every secret is redacted, and logs never go to the terminal.
func (e *env) logger() *slog.Logger {
	e.logOnce.Do(e.openLog)
	return e.log
}

// openLog opens the log file (a discarding logger when it cannot).
func (e *env) openLog() {
	e.log = slog.New(slog.DiscardHandler)
	path := e.flags.logFile
	if path == "" {
		path = filepath.Join(stateDir(), "mqscope.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		fmt.Fprintf(e.stderr, "mqscope: no log: %v\n", err)
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintf(e.stderr, "mqscope: no log: %v\n", err)
		return
	}
	e.logFile = f
	e.log = logging.New(controlEscaper{f}, &e.secrets) // broker data in a line: C1 and bidi escaped
}

// closeLog closes the log file, if one was opened.
func (e *env) closeLog() {
	if e.logFile != nil {
		_ = e.logFile.Close()
		e.logFile = nil
	}
}
