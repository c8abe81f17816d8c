package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/nats"
	"github.com/mqscope/mqscope/sources/redis"
	"github.com/mqscope/mqscope/sources/sqs"
)

// natsTestURL is the NATS server of MQSCOPE_TEST_NATS (else the local one).
func natsTestURL() string {
	if u := os.Getenv("MQSCOPE_TEST_NATS"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// openSpec opens a driver's connection, closed when the test ends.
func openSpec(t *testing.T, spec sources.Spec, err error, name string) sources.Conn {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := spec.Open(ctx, sources.OpenEnv{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// configSpec is the driver's spec of a config entry named name.
func configSpec(t *testing.T, d sources.Driver, name, entry string) (sources.Spec, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(entry), &doc); err != nil {
		t.Fatal(err)
	}
	return d.FromConfig(name, doc.Content[0])
}

// ctlHeaders are headers whose names hold control characters (ESC, a
// tab, a line break inside): the copied command still publishes them.
var ctlHeaders = []sources.Header{{Key: "plain", Value: []byte("v")}, {Key: "c\x01t\x1b[31ml\tname", Value: []byte("x\x07y")}}

// TestCopiedProduceCommandNamesFlagOrConfig: a NATS or Redis connection
// opened from its flag is named in the copied produce command by the flag
// and its URL (never -c and the kind, which a config without connections
// refuses), without a password; one of the config by -c NAME. Run, the
// flag's command publishes the message back, header names with control
// characters byte for byte on Redis; on NATS, whose header block cannot
// carry such a name, a comment line above the command says it is left out.
func TestCopiedProduceCommandNamesFlagOrConfig(t *testing.T) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)

	// NATS
	natsURL := natsTestURL()
	nc, err := natsgo.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream := "cu-copy-" + id
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{stream + ".>"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream); nc.Close() })
	spec, err := nats.Driver().FromFlag(natsURL)
	conn := openSpec(t, spec, err, "nats")
	m := sources.Message{Stream: stream, Value: []byte("nats value"), Headers: ctlHeaders,
		Properties: []sources.Property{{Name: "subject", Value: stream + ".a"}}}
	line, err := produceCommand(conn, &m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "mqscope --nats '"+natsURL+"' produce ") || strings.Contains(line, " -c ") {
		t.Fatalf("NATS from --nats: %s", line)
	}
	if !strings.HasPrefix(line, "# left out header \"c\\x01t\\x1b[31ml\\tname\": a NATS header name cannot hold a control character") {
		t.Fatalf("NATS: the header name it cannot carry is not said: %s", line)
	}
	runCopied(t, line)
	got := testbroker.ReadAll(t, conn.(sources.Reader), stream)
	if len(got) != 1 || string(got[0].Value) != "nats value" || property(&got[0], "subject") != stream+".a" {
		t.Fatalf("NATS read back %+v", got)
	}
	if v, ok := headerOf(got[0], "plain"); !ok || v != "v" || len(got[0].Headers) != 1 {
		t.Fatalf("NATS headers %q", got[0].Headers)
	}
	spec, err = configSpec(t, nats.Driver(), "events", "url: "+natsURL+"\n")
	conn = openSpec(t, spec, err, "events")
	if line, err := produceCommand(conn, &m); err != nil || !strings.Contains(line, "\nprintf") || !strings.Contains(line, "mqscope -c 'events' produce ") {
		t.Fatalf("NATS from the config: %s %v", line, err)
	}

	// Redis
	_, prefix := testbroker.RedisKeys(t)
	key := prefix + "cu-copy"
	spec, err = redis.Driver().FromFlag(testbroker.RedisURL())
	conn = openSpec(t, spec, err, "redis")
	m = sources.Message{Stream: key, Value: []byte("redis value"), Headers: ctlHeaders}
	line, err = produceCommand(conn, &m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "mqscope --redis '"+testbroker.RedisURL()+"' produce ") || strings.Contains(line, " -c ") {
		t.Fatalf("Redis from --redis: %s", line)
	}
	runCopied(t, line)
	got = testbroker.ReadAll(t, conn.(sources.Reader), key)
	if len(got) != 1 || string(got[0].Value) != "redis value" {
		t.Fatalf("Redis read back %+v", got)
	}
	for _, h := range ctlHeaders {
		if v, ok := headerOf(got[0], h.Key); !ok || v != string(h.Value) {
			t.Fatalf("Redis header %q: %q %v in %q", h.Key, v, ok, got[0].Headers)
		}
	}
	spec, err = configSpec(t, redis.Driver(), "cache", "url: "+testbroker.RedisURL()+"\n")
	conn = openSpec(t, spec, err, "cache")
	if line, err := produceCommand(conn, &m); err != nil || !strings.Contains(line, "mqscope -c 'cache' produce ") {
		t.Fatalf("Redis from the config: %s %v", line, err)
	}
}

// headerOf is the value of m's header key.
func headerOf(m sources.Message, key string) (string, bool) {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value), true
		}
	}
	return "", false
}

// TestSQSReachNamesItsFlags: SQS from --sqs names its region and
// endpoint flags and says the credentials come from the environment, from
// the config -c NAME.
func TestSQSReachNamesItsFlags(t *testing.T) {
	ep := testbroker.SQS(t)
	spec, err := sqs.Driver().FromFlags("", sources.FlagValues{"sqs-endpoint": {ep}, "region": {"us-east-1"}})
	conn := openSpec(t, spec, err, "sqs")
	if r := connFlags(conn); strings.Join(r.Flags, " ") != "--sqs --region us-east-1 --sqs-endpoint "+ep || !r.Credentials {
		t.Fatalf("sqs reach %+v", r)
	}
	spec, err = configSpec(t, sqs.Driver(), "queues", "region: us-east-1\nendpoint: "+ep+"\n")
	conn = openSpec(t, spec, err, "queues")
	if r := connFlags(conn); strings.Join(r.Flags, " ") != "-c queues" || r.Credentials {
		t.Fatalf("sqs config reach %+v", r)
	}
}
