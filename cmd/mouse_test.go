package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMouseFlagAndConfig: the TUI takes the mouse unless ui.mouse is false
// in the config or --no-mouse is given.
func TestMouseFlagAndConfig(t *testing.T) {
	for _, tc := range []struct {
		name, ui string
		args     []string
		want     bool
	}{
		{"default", "", nil, true},
		{"config off", "  mouse: false\n", nil, false},
		{"config on", "  mouse: true\n", nil, true},
		{"flag", "  mouse: true\n", []string{"--no-mouse"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte("ui:\n  theme: dark\n"+tc.ui), 0o600); err != nil {
				t.Fatal(err)
			}
			e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
			e.root = newRoot(e)
			if err := e.root.ParseFlags(append([]string{"--config", path}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			c, err := e.uiCommon()
			if err != nil {
				t.Fatal(err)
			}
			if c.Mouse != tc.want {
				t.Fatalf("mouse %v, want %v", c.Mouse, tc.want)
			}
		})
	}
}
