// Package ui is mqscope's terminal UI: a root model that owns the shared
// context and a stack of pages (streams -> messages -> message detail) with
// overlays for help and pickers. All I/O runs in tea.Cmds.
package ui

import (
	"context"
	"fmt"
	"github.com/mqscope/mqscope/sources/schema"
	"io"
	"log/slog"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// Common is the context every page shares: size, styles, keys, logger.
type Common struct {
	Width, Height int
	Styles        *Styles
	Keys          *KeyMap
	Log           *slog.Logger
	// Now is the clock (tests fix it).
	Now func() time.Time
	// Clipboard receives OSC 52 sequences; usually the terminal.
	Clipboard io.Writer
	// BufferBudget bounds each message list's memory in bytes.
	BufferBudget int64
	// ScanBudget is how many messages a read-time filter scans before it
	// asks to go on; 0 means DefaultScanBudget.
	ScanBudget int64
	// CorrelationHeaders are the headers a trace (t) follows; nil means
	// trace.DefaultHeaders.
	CorrelationHeaders []string
	// BreakerShare pauses a redrive when more than this share of what it
	// redrove comes back dead within a minute: 0 means the default (10%),
	// a negative value turns the breaker off.
	BreakerShare float64
	// Location is the time zone times are shown in.
	Location *time.Location
	// ReadOnly refuses every write (redrive).
	ReadOnly bool
	// ReadOnlyConns are the connections that refuse writes (by name), and
	// why (the config file to change).
	ReadOnlyConns map[string]string
	// ConnColors mark connections in the header (production in red...).
	ConnColors map[string]string
	// StateDir holds redrive journals and the audit log; empty keeps none.
	StateDir string
	// NewRedriveID names redrives (tests fix it); nil means replay.NewID.
	NewRedriveID func() string
	// Decoders decode keys and values with schemas (a Schema Registry,
	// local schema files), by connection name; a connection without one
	// shows raw bytes. Schemas are fetched in Cmds (schema.Decoder.Decode),
	// never in Update or View.
	Decoders map[string]*schema.Decoder
	// Mouse says the program takes the mouse (the wheel scrolls, clicks
	// select, open and sort); off, the terminal keeps its text selection.
	Mouse bool
}

// decoder is the schema decoder of a connection (nil when it has none).
func (c *Common) decoder(conn string) *schema.Decoder { return c.Decoders[conn] }

// carriesSchemas says the streams of conn can carry schemas the UI can
// name: the connection has a Schema Registry or local schemas mapped.
// Without, a census of schema versions counts every value as without one.
func (c *Common) carriesSchemas(conn sources.Conn) bool { return c.decoder(conn.Name()) != nil }

// DefaultScanBudget is the scan budget of a read-time filter.
const DefaultScanBudget = 1_000_000

func (c *Common) scanBudget() int64 {
	if c.ScanBudget > 0 {
		return c.ScanBudget
	}
	return DefaultScanBudget
}

// writeRefused says why a connection may not be written to (nil: it may).
func (c *Common) writeRefused(conn sources.Conn) error {
	switch why, ok := c.ReadOnlyConns[conn.Name()]; {
	case c.ReadOnly:
		return fmt.Errorf("connection %s is read-only (--read-only): nothing written", conn.Name())
	case ok:
		return fmt.Errorf("connection %s is read-only: %s", conn.Name(), why)
	}
	return nil
}

// readOnlyKey is the status line's answer to a write key (redrive, edit)
// pressed on a read-only connection; nil when the connection allows writes.
func (c *Common) readOnlyKey(conn sources.Conn) tea.Cmd {
	if c.writeRefused(conn) == nil {
		return nil
	}
	why := "--read-only"
	if !c.ReadOnly {
		why = c.ReadOnlyConns[conn.Name()]
	}
	return setError(fmt.Errorf("read-only connection: %s (%s)", conn.Name(), why))
}

// logInfo and logWarn write a log line from a Cmd (a log file is I/O,
// never done in Update).
func (c *Common) logInfo(msg string, args ...any) tea.Cmd {
	return c.logCmd(slog.LevelInfo, msg, args...)
}

func (c *Common) logWarn(msg string, args ...any) tea.Cmd {
	return c.logCmd(slog.LevelWarn, msg, args...)
}

func (c *Common) logCmd(level slog.Level, msg string, args ...any) tea.Cmd {
	log := c.logger()
	return func() tea.Msg {
		log.Log(context.Background(), level, msg, args...)
		return nil
	}
}

// logger is the session's log; without one, nothing is logged.
func (c *Common) logger() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

func (c *Common) breakerShare() float64 {
	if c.BreakerShare == 0 {
		return replay.DefaultBreakerShare
	}
	return max(c.BreakerShare, 0)
}

func (c *Common) newRedriveID() string {
	if c.NewRedriveID != nil {
		return c.NewRedriveID()
	}
	return replay.NewID()
}
