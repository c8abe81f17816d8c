package cmd

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"early.invalid/termquery"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui"
)

// runTUI runs the terminal UI until the user quits. It draws at once and
// opens the connections (dial) behind the first frame; what stands for them
// until then. decoders are the connections' schema decoders by name.
func (e *env) runTUI(ctx context.Context, what string, dial ui.Dialer, decoders map[string]*schema.Decoder) error {
	return e.runModel(ctx, func(c *ui.Common) *ui.Model {
		c.Decoders = decoders
		return ui.NewConnecting(c, what, dial)
	})
}

// runConnections runs the terminal UI on the connections the flags
// select, each opening on its own in the connection list (the streams of
// a single one).
func (e *env) runConnections(ctx context.Context) error {
	specs, err := e.connSpecs()
	if err != nil {
		return err
	}
	return e.runModel(ctx, func(c *ui.Common) *ui.Model {
		c.Decoders = e.tuiDecoders(specs)
		return ui.NewConnections(c, specs)
	})
}

// connSpecs are the connections of the TUI, each dialled (and logged) on
// its own.
func (e *env) connSpecs() ([]ui.ConnSpec, error) {
	ds, err := e.dialers(true)
	if err != nil {
		return nil, err
	}
	specs := make([]ui.ConnSpec, len(ds))
	e.ownNames = map[string]string{}
	for i, d := range ds {
		if d.spec.Name != "" {
			e.ownNames[d.name] = d.spec.Name
		}
		specs[i] = ui.ConnSpec{Name: d.name, Kind: d.kind, Address: d.spec.Address, Dial: func(ctx context.Context) (sources.Conn, error) {
			return e.dialLogged(ctx, d)
		}}
	}
	return specs, nil
}

// runModel runs a root model built on the session's Common.
func (e *env) runModel(ctx context.Context, build func(*ui.Common) *ui.Model) error {
	common, err := e.uiCommon()
	if err != nil {
		return err
	}
	common.Log = e.logger()
	model := build(common)
	defer func() {
		model.Stop()
		closeAll(model.Conns())
	}()
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}
	if common.Mouse {
		opts = append(opts, tea.WithMouseCellMotion())
	}
	p := tea.NewProgram(model, opts...)
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("tui: %w", err)
	}
	return model.ConnectError() // also printed after the screen is gone, and the exit code says it
}

// uiCommon is the TUI's shared context: flags first, then the config's ui
// section, then the defaults.
func (e *env) uiCommon() (*ui.Common, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	pref := cfg.UI
	buffer := e.flags.buffer
	if !e.changed("buffer") && pref.Buffer != "" {
		buffer = pref.Buffer
	}
	budget, err := config.ParseSize(buffer)
	if err != nil {
		return nil, fmt.Errorf("buffer: %w", err)
	}
	scan := e.flags.scanBudget
	if !e.changed("scan-budget") && pref.ScanBudget > 0 {
		scan = pref.ScanBudget
	}
	if scan <= 0 {
		return nil, fmt.Errorf("--scan-budget %d: want 1 or more", scan)
	}
	headers := e.flags.corrHeader
	if len(headers) == 0 {
		headers = cfg.Trace.CorrelationHeaders
	}
	switch pref.Theme {
	case "light":
		lipgloss.SetHasDarkBackground(false)
	case "dark":
		lipgloss.SetHasDarkBackground(true)
	default:
		// The TUI alone asks the terminal, before its Program reads it;
		// headless commands never do (see internal/termquery).
		termquery.Detect()
	}
	keys := ui.DefaultKeyMap()
	if err := keys.Override(pref.Keys); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	c := &ui.Common{
		Styles:             ui.NewStyles(ui.DefaultTheme()),
		Keys:               keys,
		Now:                time.Now,
		Clipboard:          os.Stderr,
		BufferBudget:       budget,
		ScanBudget:         scan,
		BreakerShare:       breakerShare(pref),
		CorrelationHeaders: headers,
		Location:           time.Local,
		ReadOnly:           e.flags.readOnly,
		StateDir:           stateDir(),
		ReadOnlyConns:      map[string]string{},
		ConnColors:         map[string]string{},
		Mouse:              pref.MouseOn() && !e.flags.noMouse,
	}
	if !e.adHoc() {
		if sel, err := e.configured(true); err == nil {
			for _, cc := range sel {
				if !cc.Writable() {
					c.ReadOnlyConns[cc.Name] = "set read_only: false on it in " + cfg.Path + " to allow writes"
				}
				if cc.Color != "" {
					c.ConnColors[cc.Name] = cc.Color
				}
			}
		}
	}
	return c, nil
}

// changed reports a global flag given on the command line.
func (e *env) changed(name string) bool {
	if e.root == nil {
		return false
	}
	f := e.root.PersistentFlags().Lookup(name)
	return f != nil && f.Changed
}

// firstRun is mqscope without a connection or a config: a welcome page
// that starts the demo on d.
func (e *env) firstRun(ctx context.Context) error {
	var (
		cl     *demo.Cluster
		common *ui.Common
	)
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	start := func(ctx context.Context) ([]sources.Conn, error) {
		var err error
		if cl, err = demo.Start(ctx, demo.Options{Port: demo.DefaultPort}); err != nil {
			return nil, err
		}
		dec, err := e.demoDecoder(cl)
		if err != nil {
			return nil, err
		}
		c, err := kafka.Dial(ctx, kafka.Options{Name: demoConn, Brokers: []string{cl.Addr()}})
		if err != nil {
			return nil, err
		}
		// Set before the connection reaches the UI (the Cmd's result), and
		// nothing reads the map until a connection is there.
		common.Decoders[demoConn] = dec
		return []sources.Conn{c}, nil
	}
	path, _ := config.Locate(e.flags.config)
	return e.runModel(ctx, func(c *ui.Common) *ui.Model {
		common, c.Decoders = c, map[string]*schema.Decoder{}
		return ui.NewFirstRun(c, path, start)
	})
}

// breakerShare is the TUI's breaker share from the config's percentage:
// negative when the breaker is off (0 or -1 in the file).
func breakerShare(pref config.UI) float64 {
	if p := pref.BreakerPercent(); p > 0 {
		return p / 100
	}
	return -1
}
