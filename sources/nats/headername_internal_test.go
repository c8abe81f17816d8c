package nats

import (
	"strings"
	"testing"
)

// The byte switch takes what headerNameForbidden and the printable range
// say, byte for byte.
func TestHeaderNameByteMatchesForbidden(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := c >= '!' && c <= '~' && strings.IndexByte(headerNameForbidden, byte(c)) < 0
		if got := headerNameByte(byte(c)); got != want {
			t.Errorf("byte %#x: %v, want %v", c, got, want)
		}
	}
}
