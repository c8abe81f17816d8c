package kafka

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestProbeTellsRedisApart: a Redis says nothing to a Kafka request (it
// waits for a line) and answers the line of text the probe asks next.
func TestProbeTellsRedisApart(t *testing.T) {
	addr := strings.TrimPrefix(os.Getenv("MQSCOPE_TEST_REDIS"), "redis://")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if got := probe(context.Background(), addr); got != "it answered as Redis" {
		t.Fatalf("probe of %s: %q", addr, got)
	}
}
