package nats_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nkeys"
	"go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

const serverBinary = "/usr/sbin/nats-server"

// freePort is a loopback port nothing listens on (now).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// startServer runs a NATS server of the test's own on a free loopback
// port (with args: its authentication, JetStream) and returns its URL; it
// is stopped when the test ends.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := os.Stat(serverBinary); err != nil {
		t.Fatalf("%s is needed to run a server with authentication (apt-get install nats-server): %v", serverBinary, err)
	}
	port := freePort(t)
	cmd := exec.Command(serverBinary, append([]string{"-a", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", serverBinary, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	waitFor(t, "the test's NATS server on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
	return "nats://" + addr
}

func dial(t *testing.T, o mqnats.Options) (*mqnats.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o.Timeout = 5 * time.Second
	c, err := mqnats.Dial(ctx, o)
	if c != nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

// An unreachable server is an error that says so, at once.
func TestDialUnreachable(t *testing.T) {
	url := "nats://127.0.0.1:" + strconv.Itoa(freePort(t))
	_, err := dial(t, mqnats.Options{URL: url})
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), url) {
		t.Fatalf("dial %s: %v", url, err)
	}
	// A cancelled open stops.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mqnats.Dial(ctx, mqnats.Options{URL: serverURL}); err == nil {
		t.Fatal("a cancelled open connected")
	}
}

// Wrong credentials are refused with an error that says so and shows no
// secret; the right ones connect; a server without JetStream is named as
// such.
func TestDialCredentials(t *testing.T) {
	url := startServer(t, "--user", "alice", "--pass", "s3cret-pw", "-js", "-sd", t.TempDir())
	_, err := dial(t, mqnats.Options{URL: url, Username: "alice", Password: "wrong-pw"})
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") || strings.Contains(err.Error(), "wrong-pw") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := dial(t, mqnats.Options{URL: url}); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("no credentials: %v", err)
	}
	c, err := dial(t, mqnats.Options{URL: url, Username: "alice", Password: "s3cret-pw"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListStreams(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if l, err := c.Login(ctxT(t)); err != nil || l != (sources.Login{Required: true, Verified: true, User: "alice", Method: "user/password"}) {
		t.Fatalf("login: %+v %v", l, err)
	}
	// The test server asks no one for credentials: given ones are let in unchecked, and Login says so.
	open, err := dial(t, mqnats.Options{URL: serverURL, Username: "alice", Password: "wrong-pw"})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := open.Login(ctxT(t)); err != nil || l != (sources.Login{Method: "user/password"}) {
		t.Fatalf("login to a server without authorization: %+v %v", l, err)
	}

	tokenURL := startServer(t, "--auth", "tok-123456")
	if _, err := dial(t, mqnats.Options{URL: tokenURL, Token: "tok-bad"}); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("wrong token: %v", err)
	}
	// The right token, but the server has no JetStream.
	if _, err := dial(t, mqnats.Options{URL: tokenURL, Token: "tok-123456"}); err == nil || !strings.Contains(err.Error(), "JetStream is not enabled") {
		t.Fatalf("a server without JetStream: %v", err)
	}
}

// An nkey seed file authenticates a user the server knows by its public key.
func TestDialNkey(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := user.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "server.conf")
	if err := os.WriteFile(conf, []byte("jetstream { store_dir: \""+filepath.Join(dir, "js")+"\" }\nauthorization { users = [ { nkey: "+pub+" } ] }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seedFile := filepath.Join(dir, "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	url := startServer(t, "-c", conf)
	c, err := dial(t, mqnats.Options{URL: url, NkeySeedFile: seedFile})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := c.Login(ctxT(t)); err != nil || l != (sources.Login{Required: true, Verified: true, User: pub, Method: "nkey"}) {
		t.Fatalf("login: %+v %v", l, err)
	}
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	otherFile := filepath.Join(dir, "other.nk")
	if err := os.WriteFile(otherFile, otherSeed, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, mqnats.Options{URL: url, NkeySeedFile: otherFile}); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("an unknown nkey: %v", err)
	}
	if _, err := dial(t, mqnats.Options{URL: url, NkeySeedFile: filepath.Join(dir, "missing.nk")}); err == nil || !strings.Contains(err.Error(), "nkey seed file") {
		t.Fatalf("a missing seed file: %v", err)
	}
}

func decode(t *testing.T, doc string) (mqnats.Settings, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	return mqnats.DecodeSettings(n.Content[0])
}

// A config entry's keys are read, an unknown one is refused by name, and
// the secrets are resolved only when the connection opens, each handed to
// Redact.
func TestDriverConfig(t *testing.T) {
	d := mqnats.Driver()
	if d.Kind != "nats" || d.Flag != "nats" || d.Env != "MQSCOPE_NATS" || d.FromFlag == nil || d.FromConfig == nil || d.Summary == "" || d.Usage == "" {
		t.Fatalf("driver %+v", d)
	}
	s, err := decode(t, "kind: nats\nread_only: false\ncolor: red\nurl: nats://h:4222\nusername: bob\npassword_env: NATS_PW\ntls:\n  ca: /etc/ca.pem\n  server_name: nats.internal\n")
	if err != nil {
		t.Fatal(err)
	}
	if s.URL != "nats://h:4222" || s.Username != "bob" || s.Password.Env != "NATS_PW" || s.TLS == nil || s.TLS.CA != "/etc/ca.pem" || s.TLS.ServerName != "nats.internal" {
		t.Fatalf("settings %+v", s)
	}
	for doc, word := range map[string]string{
		"url: nats://h\nbrokers: [a]\n":                       `"brokers"`,
		"url: nats://h\ntls:\n  cafile: x\n":                  `"cafile"`,
		"username: u\n":                                       "needs url",
		"url: nats://h\npassword_env: X\n":                    "needs a username",
		"url: nats://h\ntoken_env: T\ncreds_file: /x.creds\n": "one way to authenticate",
		"url: nats://h\nusername: [a, b]\n":                   "single value",
		"url: nats://u:pw@h\n":                                "not in the URL",
		"url: nats://tok@h\n":                                 "not in the URL",
	} {
		if _, err := decode(t, doc); err == nil || !strings.Contains(err.Error(), word) {
			t.Errorf("config %q: %v, want an error naming %s", doc, err, word)
		}
	}
	var n yaml.Node
	_ = yaml.Unmarshal([]byte("url: nats://h\nsasl: {}\n"), &n)
	if _, err := d.FromConfig("prod", n.Content[0]); err == nil || !strings.Contains(err.Error(), `"sasl"`) {
		t.Fatalf("FromConfig with an unknown key: %v", err)
	}
	if _, err := d.FromFlag(" "); err == nil {
		t.Fatal("an empty --nats was taken")
	}
	spec, err := d.FromFlag("nats://carol:pw-in-url@127.0.0.1:4222")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(spec.Address, "pw-in-url") || spec.Address != "nats://carol@127.0.0.1:4222" {
		t.Fatalf("flag address %q", spec.Address)
	}
}

// Spec.Open resolves password and token sources when it opens, hands
// each secret to Redact, and connects with them.
func TestSpecOpenResolvesSecrets(t *testing.T) {
	url := startServer(t, "--user", "dave", "--pass", "pw-from-env", "-js", "-sd", t.TempDir())
	t.Setenv("MQSCOPE_TEST_NATS_PW", "pw-from-env")
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("kind: nats\nurl: "+url+"\nusername: dave\npassword_env: MQSCOPE_TEST_NATS_PW\n"), &n); err != nil {
		t.Fatal(err)
	}
	spec, err := mqnats.Driver().FromConfig("staging", n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	var redacted []string
	env := sources.OpenEnv{Name: "staging", Redact: func(s string) { redacted = append(redacted, s) }}
	conn, err := spec.Open(ctxT(t), env)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.Name() != "staging" || conn.Kind() != "nats" || !slices.Contains(redacted, "pw-from-env") {
		t.Fatalf("conn %s/%s, redacted %q", conn.Name(), conn.Kind(), redacted)
	}
	if _, ok := conn.(sources.Lister); !ok {
		t.Fatal("the connection lists nothing")
	}

	tokURL := startServer(t, "--auth", "tok-from-file", "-js", "-sd", t.TempDir())
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte("tok-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = yaml.Unmarshal([]byte("url: "+tokURL+"\ntoken_file: "+tokFile+"\n"), &n)
	spec, err = mqnats.Driver().FromConfig("tok", n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	redacted = nil
	conn, err = spec.Open(ctxT(t), env)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if !slices.Contains(redacted, "tok-from-file") {
		t.Fatalf("redacted %q", redacted)
	}
	// A secret source that is not there fails the open, naming the source.
	_ = yaml.Unmarshal([]byte("url: "+tokURL+"\ntoken_env: MQSCOPE_TEST_NATS_NO_SUCH_VAR\n"), &n)
	spec, _ = mqnats.Driver().FromConfig("tok", n.Content[0])
	if _, err := spec.Open(ctxT(t), env); err == nil || !strings.Contains(err.Error(), "token_env") {
		t.Fatalf("a token variable that is not set: %v", err)
	}
	if errors.Is(err, sources.ErrUnknownStream) {
		t.Fatal("wrong error kind")
	}
}

// A URL the client cannot use is refused with an error that does not
// quote the password written in it.
func TestDialBadURLShowsNoSecret(t *testing.T) {
	_, err := dial(t, mqnats.Options{URL: "nats://erin:pw-in-bad-url@127.0.0.1:notaport"})
	if err == nil || strings.Contains(err.Error(), "pw-in-bad-url") {
		t.Fatalf("bad URL: %v", err)
	}
	if got := mqnats.RedactURL("nats://erin:pw@h1:4222, nats://tok@h2:4222,nats://h3"); got != "nats://erin@h1:4222,nats://h2:4222,nats://h3" {
		t.Fatalf("RedactURL: %q", got)
	}
}
