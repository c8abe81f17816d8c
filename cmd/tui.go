package cmd

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/ui"
)

// runTUI runs the terminal UI until the user quits. It draws at once and
// opens the connections (dial) behind the first frame; what stands for them
// until then.
func (e *env) runTUI(ctx context.Context, what string, dial ui.Dialer) error {
	budget, err := parseBytes(e.flags.buffer)
	if err != nil {
		return fmt.Errorf("--buffer: %w", err)
	}
	if e.flags.scanBudget <= 0 {
		return fmt.Errorf("--scan-budget %d: want 1 or more", e.flags.scanBudget)
	}
	log, closeLog := e.logger()
	defer closeLog()
	common := &ui.Common{
		Styles:             ui.NewStyles(ui.DefaultTheme()),
		Keys:               ui.DefaultKeyMap(),
		Log:                log,
		Now:                time.Now,
		Clipboard:          os.Stderr,
		BufferBudget:       budget,
		ScanBudget:         e.flags.scanBudget,
		CorrelationHeaders: e.flags.corrHeader,
		Location:           time.Local,
		ReadOnly:           e.flags.readOnly,
		StateDir:           stateDir(),
	}
	model := ui.NewConnecting(common, what, dial)
	defer func() { closeAll(model.Conns()) }()
	p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("tui: %w", err)
	}
	return model.ConnectError() // also printed after the screen is gone, and the exit code says it
}
