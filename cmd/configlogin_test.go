package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// natsServerWithUser runs a NATS server of the test's own that knows one
// user, on a free loopback port; it stops when the test ends.
func natsServerWithUser(t *testing.T, user, password string) string {
	t.Helper()
	const binary = "/usr/sbin/nats-server"
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("%s is needed to run a server with authentication (apt-get install nats-server): %v", binary, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	srv := exec.Command(binary, "-a", "127.0.0.1", "-p", port, "--user", user, "--pass", password, "-js", "-sd", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test's NATS server on %s did not come up", addr)
		}
	}
	return "nats://" + addr
}

// redisACLUser makes an ACL user of the test's own on the Redis of
// MQSCOPE_TEST_REDIS (deleted when the test ends) and returns its name.
func redisACLUser(t *testing.T, url, password string) string {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	raw := goredis.NewClient(opts)
	t.Cleanup(func() { _ = raw.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	user := "mqscope-test-" + hex.EncodeToString(b)
	ctx := context.Background()
	if err := raw.Do(ctx, "ACL", "SETUSER", user, "reset", "on", ">"+password, "~mqscope-test:*", "+ping", "+acl|whoami", "+client|setname", "+select").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Do(context.Background(), "ACL", "DELUSER", user) })
	return user
}

// TestConfigCheckLogins: config check connects every NATS and Redis
// connection with its configured credentials and says, for each, whom the
// server authenticated, that the server asks for no credentials (so the
// configured ones were not checked), or the server's refusal; a refusal
// exits 1, and no secret is shown.
func TestConfigCheckLogins(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	redisURL := envOrDefault("MQSCOPE_TEST_REDIS", "redis://127.0.0.1:6379")
	natsURL := envOrDefault("MQSCOPE_TEST_NATS", "nats://127.0.0.1:4222")
	const (
		redisPW = "redis-pw-4Kd81q"
		natsPW  = "nats-pw-7Hs02m"
	)
	user := redisACLUser(t, redisURL, redisPW)
	guarded := natsServerWithUser(t, "alice", natsPW)
	t.Setenv("MQ_TEST_REDIS_PW", redisPW)
	t.Setenv("MQ_TEST_NATS_PW", natsPW)
	t.Setenv("MQ_TEST_WRONG_PW", "wrong-pw-0Zx11")
	cfg := fmt.Sprintf(`connections:
  redis-acl:
    kind: redis
    url: %[1]s
    username: %[2]s
    password_env: MQ_TEST_REDIS_PW
  redis-wrong:
    kind: redis
    url: %[1]s
    username: %[2]s
    password_env: MQ_TEST_WRONG_PW
  redis-open:
    kind: redis
    url: %[1]s
  redis-unchecked:
    kind: redis
    url: %[1]s
    password_env: MQ_TEST_WRONG_PW
  nats-alice:
    kind: nats
    url: %[3]s
    username: alice
    password_env: MQ_TEST_NATS_PW
  nats-wrong:
    kind: nats
    url: %[3]s
    username: alice
    password_env: MQ_TEST_WRONG_PW
  nats-open:
    kind: nats
    url: %[4]s
    username: alice
    password_env: MQ_TEST_WRONG_PW
`, redisURL, user, guarded, natsURL)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, "", "--config", path, "config", "check")
	t.Logf("config check:\n%s%s", out, errOut)
	if code != 1 || !strings.Contains(errOut, "2 connections failed the login check") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := map[string]string{}
	login := strings.SplitN(out, "\nLOGIN\n", 2)
	if len(login) != 2 {
		t.Fatalf("no LOGIN section:\n%s", out)
	}
	for _, l := range strings.Split(strings.TrimSpace(login[1]), "\n") {
		name, text, _ := strings.Cut(l, " ")
		lines[name] = strings.TrimSpace(text)
	}
	want := map[string]string{
		"redis-acl":       "authenticated as " + user + " (username/password)",
		"redis-wrong":     "failed: redis ",
		"redis-open":      "connected as default: the server asks for no credentials (none configured)",
		"redis-unchecked": "connected as default: the server asks for no credentials, so the configured password was not checked",
		"nats-alice":      "authenticated as alice (user/password)",
		"nats-wrong":      "failed: nats " + guarded + ": the server refused the credentials",
		"nats-open":       "connected: the server asks for no credentials, so the configured user/password was not checked",
	}
	for name, w := range want {
		if !strings.HasPrefix(lines[name], w) {
			t.Errorf("%s: %q, want %q…", name, lines[name], w)
		}
	}
	if !strings.Contains(lines["redis-wrong"], "WRONGPASS") {
		t.Errorf("redis-wrong: %q", lines["redis-wrong"])
	}
	if !strings.Contains(out, user+" / password $MQ_TEST_REDIS_PW") || !strings.Contains(out, "alice / password $MQ_TEST_NATS_PW") {
		t.Errorf("the AUTH column:\n%s", out)
	}
	for _, secret := range []string{redisPW, natsPW, "wrong-pw-0Zx11"} {
		if strings.Contains(out+errOut, secret) {
			t.Fatalf("a secret in the output:\n%s%s", out, errOut)
		}
	}
}
