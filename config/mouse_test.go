package config_test

import (
	"testing"

	"github.com/mqscope/mqscope/config"
)

func TestUIMouse(t *testing.T) {
	for _, tc := range []struct {
		file string
		want bool
	}{
		{"ui:\n  theme: dark\n", true},
		{"ui:\n  mouse: true\n", true},
		{"ui:\n  mouse: false\n", false},
	} {
		c, err := config.Parse([]byte(tc.file), "config.yaml", drivers())
		if err != nil {
			t.Fatalf("%q: %v", tc.file, err)
		}
		if got := c.UI.MouseOn(); got != tc.want {
			t.Errorf("%q: mouse on %v, want %v", tc.file, got, tc.want)
		}
	}
	if _, err := config.Parse([]byte("ui:\n  mouse: sometimes\n"), "config.yaml", drivers()); err == nil {
		t.Fatal("mouse: sometimes was taken")
	}
	c, err := config.Parse([]byte(config.Example(drivers())), "example.yaml", drivers())
	if err != nil || !c.UI.MouseOn() {
		t.Fatalf("the example turns the mouse off (%v)", err)
	}
}
