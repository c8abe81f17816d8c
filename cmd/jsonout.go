package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// writeJSON prints v as indented JSON with the controls a terminal would
// act on (DEL, C1, bidi) escaped as \uXXXX: --json output quotes message
// data and is often read on a terminal.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	b = append(jsonenc.EscapeControls(b), '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// controlEscaper writes JSON lines with DEL, C1 and bidi controls escaped
// (jsonenc.EscapeControls): the log file, read with tail -f, shows names
// from the broker without acting on them. slog writes a record in one Write.
type controlEscaper struct{ w io.Writer }

func (c controlEscaper) Write(p []byte) (int, error) {
	if _, err := c.w.Write(jsonenc.EscapeControls(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
