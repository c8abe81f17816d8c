// Package ui is mqscope's terminal UI: a root model that owns the shared
// context and a stack of pages (streams -> messages -> message detail) with
// overlays for help and pickers. All I/O runs in tea.Cmds.
package ui

import (
	"io"
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
}
