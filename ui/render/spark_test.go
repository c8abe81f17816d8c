package render

import "testing"

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{0, 1, 2, 4, 8}, 10); got != "▁▂▃▅█" {
		t.Fatalf("sparkline %q", got)
	}
	if got := Sparkline([]float64{0, 0}, 1); got != "▁" {
		t.Fatalf("cut sparkline %q", got)
	}
}
