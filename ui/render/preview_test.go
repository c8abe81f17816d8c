package render

import (
	"strings"
	"testing"
)

// A reason with an escape sequence is text with the escape pictured,
// never a hex dump; long ones are cut with "…".
func TestLinePicturesControls(t *testing.T) {
	if got, want := Line("error: boom \x1b[31mred\n  again", 80), "error: boom ␛[31mred again"; got != want {
		t.Fatalf("Line = %q, want %q", got, want)
	}
	if got := Line(strings.Repeat("x", 20), 10); got != strings.Repeat("x", 9)+"…" {
		t.Fatalf("cut: %q", got)
	}
}
