// Package ui is mqscope's terminal UI: a root model that owns the shared
// context and a stack of pages (streams -> messages -> message detail) with
// overlays for help and pickers. All I/O runs in tea.Cmds.
package ui

import (
	"io"

	"github.com/mqscope/mqscope/replay"
	"log/slog"
	"time"
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
	// StateDir holds redrive journals and the audit log; empty keeps none.
	StateDir string
	// NewRedriveID names redrives (tests fix it); nil means replay.NewID.
	NewRedriveID func() string
}

// DefaultScanBudget is the scan budget of a read-time filter.
const DefaultScanBudget = 1_000_000

func (c *Common) scanBudget() int64 {
	if c.ScanBudget > 0 {
		return c.ScanBudget
	}
	return DefaultScanBudget
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
