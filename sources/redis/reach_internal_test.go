package redis

import (
	"net/url"
	"strings"
	"testing"
)

// TestReachLeavesThePasswordOut: --redis and the URL with its user and
// database but never its password (Credentials then set); -c NAME for a
// config connection.
func TestReachLeavesThePasswordOut(t *testing.T) {
	for raw, want := range map[string]string{
		"redis://app:s3cret@127.0.0.1:6379/2": "--redis redis://app@127.0.0.1:6379/2 true",
		"redis://:s3cret@127.0.0.1:6379":      "--redis redis://127.0.0.1:6379 true",
		"rediss://cache.internal:6380/1":      "--redis rediss://cache.internal:6380/1 false",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		r := reachOf(Options{Name: "redis", URL: raw}, u)
		if got := strings.Join(r.Flags, " ") + " " + map[bool]string{true: "true", false: "false"}[r.Credentials]; got != want {
			t.Errorf("%s: %q, want %q", raw, got, want)
		}
	}
	u, _ := url.Parse("redis://127.0.0.1:6379")
	if r := reachOf(Options{Name: "cache", Configured: true}, u); strings.Join(r.Flags, " ") != "-c cache" || r.Credentials {
		t.Errorf("config: %+v", r)
	}
}
