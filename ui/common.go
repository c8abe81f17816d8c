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
	// Location is the time zone times are shown in.
	Location *time.Location
	// ReadOnly refuses every write (redrive).
	ReadOnly bool
	// StateDir holds redrive journals and the audit log; empty keeps none.
	StateDir string
	// NewRedriveID names redrives (tests fix it); nil means replay.NewID.
	NewRedriveID func() string
}

func (c *Common) newRedriveID() string {
	if c.NewRedriveID != nil {
		return c.NewRedriveID()
	}
	return replay.NewID()
}
