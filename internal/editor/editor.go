// Package editor runs the user's text editor.
package editor

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Command is $VISUAL, else $EDITOR, else vi (each may carry arguments,
// such as "code -w"), on path.
func Command(path string) *exec.Cmd {
	ed := strings.Fields(os.Getenv("VISUAL"))
	if len(ed) == 0 {
		ed = strings.Fields(os.Getenv("EDITOR"))
	}
	if len(ed) == 0 {
		ed = []string{"vi"}
	}
	return exec.Command(ed[0], append(ed[1:], path)...)
}

// TempFile writes doc to a new temporary file for the editor and returns
// its path.
func TempFile(doc []byte) (string, error) {
	f, err := os.CreateTemp("", "mqscope-edit-*.json")
	if err != nil {
		return "", fmt.Errorf("edit: %w", err)
	}
	_, werr := f.Write(doc)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("edit: %w", werr)
	}
	return f.Name(), nil
}

// ReadBack reads an edited temporary file and removes it; changed says it
// differs from doc, what it held before the editor ran.
func ReadBack(path string, doc []byte) (edited []byte, changed bool, err error) {
	defer os.Remove(path)
	edited, err = os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("edit: %w", err)
	}
	return edited, !bytes.Equal(edited, doc), nil
}
