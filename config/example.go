package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// Example is the commented config `mqscope config init` writes: each
// driver's example connections (sources.Driver.Example) between the
// default and the UI preferences.
func Example(drivers []sources.Driver) string {
	var b strings.Builder
	b.WriteString(exampleHead)
	for i, d := range drivers {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(d.Example)
	}
	b.WriteString("\n")
	b.WriteString(exampleTail)
	return b.String()
}

// exampleHead is the example up to its connections' entries.
const exampleHead = `# mqscope config. mqscope reads it from $XDG_CONFIG_HOME/mqscope/config.yaml,
# or --config FILE, or $MQSCOPE_CONFIG.

# The connection mqscope opens without --connection (-c NAME).
default: local

connections:
`

// exampleTail is the example after its connections.
const exampleTail = `ui:
  theme: dark          # dark or light
  buffer: 256MiB       # memory per message list
  scan_budget: 1000000 # messages a read filter (F) scans before it asks
  breaker: 10          # pause a redrive when this % comes back dead (0 or -1: off)
  mouse: true          # wheel and clicks in the TUI (false: the terminal selects text)
  keys:                # override key bindings: action -> keys
    # redrive: [R]
    # trace: [t]

trace:
  # headers (or AMQP properties) a trace (t) follows, in order
  correlation_headers: [correlation-id, x-correlation-id, traceparent]
`

// WriteExample writes Example to path, refusing to overwrite a file.
func WriteExample(path string, drivers []sources.Driver) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: not overwritten", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("config init: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	if err := os.WriteFile(path, []byte(Example(drivers)), 0o600); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	return nil
}
