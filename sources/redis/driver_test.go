package redis_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// entryNode parses a config entry.
func entryNode(t *testing.T, text string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestConfigRefusesWhatItDoesNotKnow(t *testing.T) {
	d := redis.Driver()
	if d.Kind != "redis" || d.Flag != "redis" || d.Env != "MQSCOPE_REDIS" {
		t.Fatalf("%+v", d)
	}
	for text, want := range map[string]string{
		"kind: redis\nurl: redis://h:6379\nbrokers: [a]\n":                       `unknown key "brokers"`,
		"kind: redis\nurl: redis://h:6379\ntls: {ca: x, cafile: y}\n":            `unknown key "cafile"`,
		"kind: redis\nurl: redis://u:secret@h:6379\n":                            "no password in the url",
		"kind: redis\nurl: http://h:6379\n":                                      "want redis://",
		"kind: redis\nusername: u\n":                                             "needs url",
		"kind: redis\nurl: redis://h/x\n":                                        "database number",
		"kind: redis\nurl: redis://h\nmax_idle: soon\n":                          "max_idle",
		"kind: redis\nurl: redis://h\nmax_deliveries: 0\n":                       "max_deliveries",
		"kind: redis\nurl: redis://h\ndb: -2\n":                                  "db",
		"kind: redis\nurl: redis://h\nread_only: false\ncolor: red\npasswd: x\n": `unknown key "passwd"`,
	} {
		_, err := d.FromConfig("cache", entryNode(t, text))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	spec, err := d.FromConfig("cache", entryNode(t, "kind: redis\nurl: rediss://mqscope@h:6380/2\nusername: mqscope\npassword_env: X\ndb: 3\ntls: {ca: /x.pem, server_name: h}\nmatch: \"orders:*\"\nmax_deliveries: 5\nmax_idle: 1h\nread_only: false\n"))
	if err != nil || spec.Address != "rediss://mqscope@h:6380/2" {
		t.Fatalf("%v %q", err, spec.Address)
	}
	if _, err := d.FromFlag("redis://u:pw@127.0.0.1:6379"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.FromFlag("amqp://h"); err == nil {
		t.Fatal("--redis amqp:// taken")
	}
}

// aclUser makes an ACL user with a password, removed when the test ends.
func (e *env) aclUser(password string) string {
	e.t.Helper()
	if err := e.raw.Do(e.ctx, "ACL", "SETUSER", e.name, "on", ">"+password, "~"+e.prefix+"*", "+@all").Err(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { e.raw.Do(context.Background(), "ACL", "DELUSER", e.name) })
	return e.name
}

func TestPasswordsFromConfig(t *testing.T) {
	e := newEnv(t, redis.Options{})
	user := e.aclUser("s3cret-pw")
	t.Setenv("MQSCOPE_TEST_REDIS_PW", "s3cret-pw")
	t.Setenv("MQSCOPE_TEST_REDIS_BAD", "not-it")
	d := redis.Driver()
	open := func(pwEnv string) (sources.Conn, []string, error) {
		spec, err := d.FromConfig("cache", entryNode(t, "kind: redis\nurl: redis://"+serverAddr+"\nusername: "+user+"\npassword_env: "+pwEnv+"\nmatch: \""+e.prefix+"*\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		var redacted []string
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		c, err := spec.Open(ctx, sources.OpenEnv{Name: "cache", Redact: func(s string) { redacted = append(redacted, s) }})
		return c, redacted, err
	}
	c, redacted, err := open("MQSCOPE_TEST_REDIS_PW")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !slices.Equal(redacted, []string{"s3cret-pw"}) || c.Kind() != "redis" || c.Name() != "cache" {
		t.Fatalf("redacted %v, conn %s %s", redacted, c.Kind(), c.Name())
	}
	e.fill(e.key("s"), 2)
	if list, err := c.(sources.Lister).ListStreams(e.ctx); err != nil || len(list) != 1 {
		t.Fatalf("list as the ACL user: %v %v", err, list)
	}
	// A read's own connection too.
	if sub, err := c.(sources.Reader).Read(e.ctx, e.key("s"), sources.ReadOptions{}); err != nil {
		t.Fatalf("read %s: %v", "as the ACL user", err)
	} else if got, err := sources.Drain(e.ctx, sub, 0); err != nil || len(got) != 2 {
		t.Fatalf("read %s: %v %d", "as the ACL user", err, len(got))
	}
	ms := e.deadLetters(e.key("orders"), 20) // the redrive's own connection logs in as the ACL user too
	tl := newTally()
	if err := c.(sources.Redriver).Redrive(e.ctx, sources.RedriveRequest{ID: e.prefix + "acl", Source: redis.PendingName(e.key("orders"), "g"), Items: items(ms, e.key("retry"), e.prefix+"acl", false)}, tl.report); err != nil || tl.written != 20 {
		t.Fatalf("redrive as the ACL user: %v %d written, errors %v", err, tl.written, tl.errs)
	}
	_, _, err = open("MQSCOPE_TEST_REDIS_BAD")
	if err == nil || !strings.Contains(err.Error(), "username or password was refused") || strings.Contains(err.Error(), "not-it") {
		t.Fatalf("a wrong password: %v", err)
	}
	_, _, err = open("MQSCOPE_TEST_REDIS_UNSET")
	if err == nil || !strings.Contains(err.Error(), "MQSCOPE_TEST_REDIS_UNSET is not set") {
		t.Fatalf("an unset variable: %v", err)
	}
	_, err = redis.Dial(e.ctx, redis.Options{URL: "redis://" + user + ":wrong@" + serverAddr})
	if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("a wrong password in the url: %v", err)
	}
}

func TestUnreachableServers(t *testing.T) {
	newEnv(t, redis.Options{}) // the server the others use is up: this is about the ones that are not
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	_, err = redis.Dial(ctx, redis.Options{URL: "redis://" + addr})
	if err == nil || !strings.Contains(err.Error(), "redis "+addr+"/0: unreachable") {
		t.Fatalf("a closed port: %v", err)
	}

	mute, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	_, err = redis.Dial(ctx, redis.Options{URL: "redis://" + mute.Addr().String(), Timeout: 300 * time.Millisecond})
	if want := mute.Addr().String() + " accepted the connection but did not answer as Redis within 300ms"; err == nil || !strings.Contains(err.Error(), want) || ctx.Err() != nil {
		t.Fatalf("a server that never answers: %v", err)
	}
	_, err = redis.Dial(ctx, redis.Options{URL: "rediss://" + serverAddr, Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "TLS") && !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("rediss:// against a plain port: %v", err)
	}
}

func TestIDOffsets(t *testing.T) {
	ids := []string{"0-0", "0-1", "1-0", "1733000000000-0", "1733000000000-1048575", "1733000000001-0"}
	for i, s := range ids {
		id, err := redis.ParseID(s)
		if err != nil || id.String() != s || !id.Exact() || redis.OffsetID(id.Offset()) != id {
			t.Fatalf("%s: %v %v", s, id, err)
		}
		if i > 0 {
			prev, _ := redis.ParseID(ids[i-1])
			if prev.Offset() >= id.Offset() || !prev.Less(id) {
				t.Fatalf("%s after %s: offsets %d %d", s, ids[i-1], id.Offset(), prev.Offset())
			}
		}
	}
	huge, _ := redis.ParseID("18446744073709551615-18446744073709551615")
	if huge.Exact() || huge.Offset() < 0 {
		t.Fatalf("huge id offset %d", huge.Offset())
	}
	if _, err := redis.ParseID("12-x"); err == nil {
		t.Fatal("a bad id taken")
	}
	if got := redis.TimeID(time.UnixMilli(1733000000123)).String(); got != "1733000000123-0" {
		t.Fatal(got)
	}
	for name, origin := range map[string]string{"orders:dlq": "orders", "app:orders.DLT": "app:orders", "app:orders-dlq": "app:orders", "app:dead-letter-queue": ""} {
		if ok, got := redis.DeadLetterName(name); !ok || got != origin {
			t.Errorf("%s: %v %q", name, ok, got)
		}
	}
	for _, name := range []string{"deadletters:app:orders", "orders", "app:dlqueue"} {
		if ok, _ := redis.DeadLetterName(name); ok {
			t.Errorf("%s taken for a DLQ", name)
		}
	}
}
