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
