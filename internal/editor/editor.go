// Package editor runs the user's text editor.
package editor

import (
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
