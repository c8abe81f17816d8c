// Package cmd holds mqscope's command line: the root command that opens the
// TUI and the headless subcommands.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"github.com/mqscope/mqscope/sources/schema"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/logging"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// globalFlags are the flags every command takes.
type globalFlags struct {
	logFile     string
	buffer      string
	scanBudget  int64
	corrHeader  []string
	config      string
	connections []string
	readOnly    bool
	noMouse     bool
	cpuProfile  string
	// schemaRegistry is the Schema Registry of the Kafka connections given
	// on the command line (--schema-registry, MQSCOPE_SCHEMA_REGISTRY).
	schemaRegistry string
}

// validate refuses global flags with values no command could use, so a
// headless command does not go on without them.
func (f *globalFlags) validate() error {
	if _, err := config.ParseSize(f.buffer); err != nil {
		return fmt.Errorf("--buffer: %w", err)
	}
	if f.scanBudget <= 0 {
		return fmt.Errorf("--scan-budget %d: want 1 or more", f.scanBudget)
	}
	return nil
}

// env is what a command runs with: its streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	flags          globalFlags
	drivers        []sources.Driver // the brokers mqscope speaks (drivers)
	adHocFlags     []*adHocFlags    // their flags' values, in the drivers' order
	stopProfile    func()
	cfg            *config.Config  // loaded on first use
	readOnly       map[string]bool // connections the config keeps read-only
	root           *cobra.Command
	log            *slog.Logger // the log file's, opened on first use (logger)
	logOnce        sync.Once
	logFile        *os.File                   // nil until then
	secrets        logging.Redactor           // what the log hides: the secrets resolved so far
	failed         []error                    // connections that did not open (each error names its)
	decoders       map[string]*schema.Decoder // by connection name, made on first use (decoder)
	registries     map[string]string          // Schema Registry URLs the session gives connections by name (the demo's)
	ownNames       map[string]string          // the names the TUI's connections take when they open, where their driver names them (sources.Spec.Name)
}

// isTerminal reports a writer that is a terminal (the first-run page needs one).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(f.Fd()) // a character device such as /dev/null is not one
}

// Execute runs the command line and returns the process exit code.
func Execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A reader that goes away (| head) makes writes fail with EPIPE instead
	// of killing the process: a peek still gives its messages back.
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	e.root = root
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if errors.Is(err, sources.ErrUnknownStream) && len(e.failed) > 0 {
		err = fmt.Errorf("%w; not looked for on the connections that did not open: %w", err, errors.Join(e.failed...))
	}
	var status *exitStatus
	var interrupted *interruptedError
	if err != nil && e.log != nil && !errors.As(err, &status) {
		e.log.Error("command failed", "err", err)
	}
	e.closeLog()
	if e.stopProfile != nil {
		e.stopProfile()
	}
	switch {
	case errors.As(err, &status):
		return status.code // the output said why
	case errors.Is(err, syscall.EPIPE):
		return 0 // the reader had enough: not an error
	case errors.As(err, &interrupted):
		fmt.Fprintln(stderr, "mqscope: "+oneLine(err.Error()))
		return exitInterrupted
	case err != nil:
		fmt.Fprintln(stderr, "mqscope: "+oneLine(err.Error()))
		return 1
	}
	return 0
}

// oneLine folds an error text on one line, sanitised: errors quote names
// and values from the broker.
func oneLine(s string) string { return safetext.String(strings.Join(strings.Fields(s), " ")) }

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "mqscope",
		Short: "Inspect message flows: browse Kafka topics live, read dead letters, export and tail",
		Long: `mqscope browses message brokers from the terminal.

  mqscope demo                      an embedded Kafka with a live demo flow, in the TUI
  mqscope --kafka host:9092         the TUI on a Kafka cluster
  mqscope --rabbitmq amqp://guest:guest@host:5672/  the TUI on RabbitMQ (both flags: both brokers)
  mqscope --kafka host:9092 tail T  follow a topic on stdout
  mqscope --kafka host:9092 export T -o file.jsonl`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !e.adHoc() {
				sel, err := e.configured(true)
				if err != nil {
					return err
				}
				if len(sel) == 0 {
					if !isTerminal(e.stdout) {
						path, _ := config.Locate(e.flags.config)
						fmt.Fprintln(e.stdout, "No connection given. Try the demo, or point mqscope at a broker:")
						fmt.Fprintf(e.stdout, "\n  mqscope demo\n  mqscope --kafka host:9092\n  mqscope --rabbitmq amqp://user:pass@host:5672/vhost\n  mqscope config init   (writes an example config to %s)\n\nmqscope --help lists every command.\n", path)
						return nil
					}
					return e.firstRun(c.Context())
				}
			}
			return e.runConnections(c.Context())
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&e.flags.config, "config", "", "config file (default $XDG_CONFIG_HOME/mqscope/config.yaml; env MQSCOPE_CONFIG)")
	pf.StringArrayVarP(&e.flags.connections, "connection", "c", nil, "open this connection of the config (repeatable; default: the config's default)")
	e.drivers = drivers()
	e.adHocFlags = registerDriverFlags(pf, e.drivers)
	pf.StringVar(&e.flags.schemaRegistry, "schema-registry", os.Getenv("MQSCOPE_SCHEMA_REGISTRY"), "Schema Registry URL for the Kafka connections, --kafka or -c (over the config's schema_registry; Confluent REST API; env MQSCOPE_SCHEMA_REGISTRY): Avro, Protobuf and JSON Schema keys and values decoded")
	pf.StringVar(&e.flags.logFile, "log-file", "", "log file (default $XDG_STATE_HOME/mqscope/mqscope.log)")
	pf.StringVar(&e.flags.buffer, "buffer", "256MiB", "memory budget of each message list (oldest evicted beyond it)")
	pf.Int64Var(&e.flags.scanBudget, "scan-budget", 1_000_000, "messages a read filter (F in the TUI) scans before it asks to go on")
	pf.StringArrayVar(&e.flags.corrHeader, "correlation-header", nil, "header a trace (t in the TUI) follows (repeatable; default correlation-id, traceparent and kin)")
	pf.BoolVar(&e.flags.readOnly, "read-only", false, "refuse every write to the brokers (redrive, replay)")
	pf.BoolVar(&e.flags.noMouse, "no-mouse", false, "leave the mouse to the terminal (its text selection) instead of the TUI's wheel and clicks (config: ui.mouse: false)")
	pf.StringVar(&e.flags.cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for performance work)")
	_ = pf.MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := e.flags.validate(); err != nil {
			return err
		}
		if e.flags.cpuProfile == "" {
			return nil
		}
		f, err := os.Create(e.flags.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		e.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.AddCommand(newDemoCmd(e), newTailCmd(e), newExportCmd(e), newRedriveCmd(e), newReplayCmd(e), newGroupsCmd(e), newTriageCmd(e), newTraceCmd(e), newDiffCmd(e), newEditCmd(e), newProduceCmd(e), newConfigCmd(e), newSchemasCmd(e), newCheckCmd(e))
	_ = root.RegisterFlagCompletionFunc("connection", e.completeConnections)
	for _, sub := range root.Commands() {
		switch sub.Name() {
		case "tail", "export", "redrive", "triage", "diff", "edit", "schemas", "check":
			sub.ValidArgsFunction = e.completeStreams
		}
	}
	return root
}
