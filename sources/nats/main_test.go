package nats_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// serverURL is the NATS server (JetStream on) the tests run against:
// $MQSCOPE_TEST_NATS, else 127.0.0.1:4222.
var serverURL = func() string {
	if u := os.Getenv("MQSCOPE_TEST_NATS"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}()

// startHint says how to start it.
const startHint = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server"

// open connects to the test server, failing the test with how to start it
// when it is not up.
func open(t testing.TB) *mqnats.Conn {
	t.Helper()
	return openTimeout(t, 5*time.Second)
}

func openTimeout(t testing.TB, timeout time.Duration) *mqnats.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := mqnats.Dial(ctx, mqnats.Options{URL: serverURL, Timeout: timeout})
	if err != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s (%v).\nStart it with:\n  %s", serverURL, err, startHint)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// uniq is a name no other test uses: letters, digits and "_".
func uniq(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + "_" + strings.ToUpper(hex.EncodeToString(b))
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newStream creates a stream (deleted when the test ends).
func newStream(t testing.TB, js jetstream.JetStream, cfg jetstream.StreamConfig) jetstream.Stream {
	t.Helper()
	s, err := js.CreateStream(ctxT(t), cfg)
	if err != nil {
		t.Fatalf("create stream %s: %v", cfg.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, cfg.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("delete stream %s: %v", cfg.Name, err)
		}
	})
	return s
}

// plainStream creates a stream whose one subject is "<name>.>".
func plainStream(t testing.TB, js jetstream.JetStream, prefix string) (jetstream.Stream, string) {
	t.Helper()
	name := uniq(prefix)
	return newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}), name
}

// captureFor creates a stream that captures the dead-letter advisories of
// one stream only (so tests never overlap).
func captureFor(t testing.TB, js jetstream.JetStream, origin string) (jetstream.Stream, string) {
	t.Helper()
	testbroker.NATSAdvisories(t)
	name := uniq("DLQ")
	return newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{
		mqnats.AdvisoryMaxDeliveries + "." + origin + ".*",
		mqnats.AdvisoryTerminated + "." + origin + ".*",
	}}), name
}

// publish writes n messages to subject (sync), with a Nats-Msg-Id and a
// header of their own; it returns their sequences.
func publish(t testing.TB, js jetstream.JetStream, subject string, n int, tag string) []uint64 {
	t.Helper()
	ctx := ctxT(t)
	seqs := make([]uint64, 0, n)
	for i := range n {
		m := natsgo.NewMsg(subject)
		m.Data = fmt.Appendf(nil, `{"tag":%q,"n":%d}`, tag, i)
		m.Header.Set("x-tag", tag)
		m.Header.Set("x-n", fmt.Sprint(i))
		ack, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(fmt.Sprintf("%s-%d", tag, i)))
		if err != nil {
			t.Fatalf("publish %s #%d: %v", subject, i, err)
		}
		seqs = append(seqs, ack.Sequence)
	}
	return seqs
}

// drain reads a subscription to its end.
func drain(t testing.TB, sub sources.Subscription) []sources.Message {
	t.Helper()
	got, err := sources.Drain(ctxT(t), sub, 0)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return got
}

func read(t testing.TB, c *mqnats.Conn, stream string, opts sources.ReadOptions) []sources.Message {
	t.Helper()
	sub, err := c.Read(ctxT(t), stream, opts)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return drain(t, sub)
}

func offsets(ms []sources.Message) []int64 {
	out := make([]int64, len(ms))
	for i := range ms {
		out[i] = ms[i].Offset
	}
	return out
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// waitFor polls until cond holds (set-up, not an assertion: the server
// publishes advisories asynchronously); it fails after 20s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
