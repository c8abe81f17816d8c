package cmd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// poisonHeader is a header line the Go client cannot publish (an ESC in
// its name); only the raw protocol writes it.
const poisonHeader = "x-\x1b[1mhn: v"

// natsJS connects to the test server; the client is closed after the
// streams made with it are deleted.
func natsJS(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	u := envOrDefault("MQSCOPE_TEST_NATS", "nats://127.0.0.1:4222")
	nc, err := natsgo.Connect(u, natsgo.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s (scripts/test starts it): %v", u, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return u, js
}

// natsStreamOf creates a stream with these subjects (deleted when the
// test ends).
func natsStreamOf(t *testing.T, ctx context.Context, js jetstream.JetStream, name string, subjects ...string) jetstream.Stream {
	t.Helper()
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: subjects})
	if err != nil {
		t.Fatalf("create stream %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := js.DeleteStream(context.Background(), name); err != nil {
			t.Errorf("delete stream %s: %v", name, err)
		}
	})
	return s
}

// rawPublish publishes one message over the raw protocol with header as
// its one header line, and waits for the server's PONG.
func rawPublish(t *testing.T, serverURL, subject, header, body string) {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil { // INFO
		t.Fatal(err)
	}
	hdr := "NATS/1.0\r\n" + header + "\r\n\r\n"
	if _, err := fmt.Fprintf(c, "CONNECT {\"headers\":true,\"verbose\":false}\r\nHPUB %s %d %d\r\n%s%s\r\nPING\r\n", subject, len(hdr), len(hdr)+len(body), hdr, body); err != nil {
		t.Fatal(err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "PONG\r\n" {
		t.Fatalf("raw publish: %q %v", line, err)
	}
}

// msgs is how many messages a stream holds.
func msgs(t *testing.T, ctx context.Context, s jetstream.Stream) uint64 {
	t.Helper()
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// A NATS redrive --to a stream with one subject writes to that subject;
// --to a stream with several is refused, naming them. A dead letter whose
// original has a header name the client cannot encode fails alone
// (named, escaped), stays in the dead-letter stream, and is counted
// failed; the others are written, each keeping the application's own
// Nats-Msg-Id.
func TestRedriveNATSPoisonFailsAloneToAStreamName(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	testbroker.NATSAdvisories(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u, js := natsJS(t)
	name, dlq, to, multi := testName("nrd-ORD"), testName("nrd-DLQ"), testName("nrd-COPY"), testName("nrd-MULTI")
	orders := natsStreamOf(t, ctx, js, name, name+".in")
	capture := natsStreamOf(t, ctx, js, dlq, "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."+name+".*")
	copies := natsStreamOf(t, ctx, js, to, to+".in")
	natsStreamOf(t, ctx, js, multi, multi+".a", multi+".b")
	if _, err := js.Publish(ctx, name+".in", []byte("one"), jetstream.WithMsgID("app-1")); err != nil {
		t.Fatal(err)
	}
	rawPublish(t, u, name+".in", poisonHeader, "poison")
	if _, err := js.Publish(ctx, name+".in", []byte("three"), jetstream.WithMsgID("app-3")); err != nil {
		t.Fatal(err)
	}
	cons, err := orders.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for msgs(t, ctx, capture) < 3 {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.Term(); err != nil {
				t.Fatal(err)
			}
		}
	}

	code, out, errOut := run(t, "--nats", u, "redrive", dlq, "--to", multi, "--yes")
	want := fmt.Sprintf("stream %s stores subjects %q, %q", multi, multi+".a", multi+".b")
	if code == 0 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("--to a stream of two subjects: %d %q %q", code, out, errOut)
	}

	code, out, errOut = run(t, "--nats", u, "redrive", dlq, "--to", to, "--yes")
	if code == 0 || !strings.Contains(out, "-> "+to+".in") || !strings.Contains(out, ": 2 redriven, 0 parked, 0 skipped, 1 failed") ||
		!strings.Contains(out, `header name "x-\x1b[1mhn"`) || strings.Contains(out+errOut, "\x1b") {
		t.Fatalf("redrive --to %s: %d %q %q", to, code, out, errOut)
	}
	if n := msgs(t, ctx, capture); n != 1 {
		t.Fatalf("the dead-letter stream holds %d, want the poison's record only", n)
	}
	ids := map[string]bool{}
	for seq := uint64(1); seq <= 2; seq++ {
		m, err := copies.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("copy %d: %v", seq, err)
		}
		if m.Subject != to+".in" || !strings.HasPrefix(m.Header.Get(natsgo.MsgIdHdr), "mqscope-redrive:") {
			t.Fatalf("copy %d: %s %v", seq, m.Subject, m.Header)
		}
		ids[m.Header.Get("x-mqscope-redrive-original-nats-msg-id")] = true
	}
	if !ids["app-1"] || !ids["app-3"] {
		t.Fatalf("the copies' original ids: %v", ids)
	}
	if n := msgs(t, ctx, copies); n != 2 {
		t.Fatalf("%s holds %d messages, want 2", to, n)
	}
}

// A capture replayed to NATS with a line whose header name the client
// cannot encode writes every other line, counts what it wrote, names the
// line not written, and exits non-zero.
func TestReplayNATSPoisonLineIsNamedAndTheRestWritten(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u, js := natsJS(t)
	from, to := testName("nrd-FROM"), testName("nrd-TO")
	natsStreamOf(t, ctx, js, from, from+".in")
	target := natsStreamOf(t, ctx, js, to, to+".in")
	for i, v := range []string{"a", "poison", "c", "d"} {
		if v == "poison" {
			rawPublish(t, u, from+".in", poisonHeader, v)
			continue
		}
		if _, err := js.Publish(ctx, from+".in", []byte(v), jetstream.WithMsgID(fmt.Sprint("id-", i))); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "poison.jsonl")
	if code, _, errOut := run(t, "--nats", u, "export", from, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	code, out, errOut := run(t, "--nats", u, "replay", file, "--to", to, "--yes")
	if code == 0 || !strings.Contains(out, "replayed 3 messages to subject "+to+".in") || !strings.Contains(errOut, "capture line 2 not written") ||
		!strings.Contains(errOut, `"x-\x1b[1mhn"`) || strings.Contains(out+errOut, "\x1b") {
		t.Fatalf("replay: %d %q %q", code, out, errOut)
	}
	for seq, want := range []string{"a", "c", "d"} {
		m, err := target.GetMsg(ctx, uint64(seq+1))
		if err != nil || string(m.Data) != want {
			t.Fatalf("message %d: %v %v", seq+1, m, err)
		}
	}
	if n := msgs(t, ctx, target); n != 3 {
		t.Fatalf("%s holds %d, want 3", to, n)
	}
}
