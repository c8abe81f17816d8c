package cmd

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui"
)

// runTUI runs the terminal UI on the connections until the user quits.
func (e *env) runTUI(ctx context.Context, conns []sources.Conn) error {
	defer closeAll(conns)
	budget, err := parseBytes(e.flags.buffer)
	if err != nil {
		return fmt.Errorf("--buffer: %w", err)
	}
	log, closeLog := e.logger()
	defer closeLog()
	common := &ui.Common{
		Styles:       ui.NewStyles(ui.DefaultTheme()),
		Keys:         ui.DefaultKeyMap(),
		Log:          log,
		Now:          time.Now,
		Clipboard:    os.Stderr,
		BufferBudget: budget,
		Location:     time.Local,
		ReadOnly:     e.flags.readOnly,
		StateDir:     stateDir(),
	}
	p := tea.NewProgram(ui.New(common, conns), tea.WithAltScreen(), tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}
