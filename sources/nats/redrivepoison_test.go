package nats_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// rawPublish publishes one message over the raw protocol, with a header
// block as it is (one the Go client would refuse to encode), and waits
// for the server's PONG.
func rawPublish(t testing.TB, subject, header, body string) {
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
	line, err := r.ReadString('\n')
	if err != nil || line != "PONG\r\n" {
		t.Fatalf("raw publish: %q %v", line, err)
	}
}

// A dead letter whose original has a header name the client cannot
// encode (an ESC in it) fails alone, naming the header with its control
// character escaped, and stays in the dead-letter stream; the others
// are redriven, and each copy keeps the original's own Nats-Msg-Id.
func TestRedrivePoisonHeaderFailsAlone(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "nrd-POISON")
	capture, dlqName := captureFor(t, js, name)
	rawPublish(t, name+".term", "x-\x1b[1mhn: v", "poison")
	kill(t, js, s, name, capture, 0, 3)
	waitFor(t, "the poison's advisory", func() bool { return streamMsgs(t, capture) >= 4 })
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 4 {
		t.Fatalf("%d dead letters", len(dead))
	}
	id := uniq("poison")
	its := items(id, dlqName, dead, "", true)
	out := map[int]sources.RedriveOutcome{}
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: its}, func(o sources.RedriveOutcome) { out[o.Item] = o }); err != nil {
		t.Fatalf("the run stopped: %v", err)
	}
	failed, written := 0, 0
	for i, it := range its {
		o, ok := out[i]
		switch {
		case !ok:
			t.Fatalf("item %d not reported", i)
		case string(it.Message.Value) == "poison":
			failed++
			if o.Result != sources.RedriveFailed || !errors.Is(o.Err, mqnats.ErrUnpublishableHeader) || !strings.Contains(o.Err.Error(), `"x-\x1b[1mhn"`) || strings.Contains(o.Err.Error(), "\x1b") {
				t.Fatalf("the poison: %+v", o)
			}
		case o.Result == sources.RedriveWritten:
			written++
		default:
			t.Fatalf("item %d: %+v", i, o)
		}
	}
	if failed != 1 || written != 3 {
		t.Fatalf("%d failed, %d written", failed, written)
	}
	if streamMsgs(t, capture) != 1 {
		t.Fatalf("the capture holds %d records, want the poison's only", streamMsgs(t, capture))
	}
	copies := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 6}})
	ids := map[string]bool{}
	for _, m := range copies {
		if m.Redriven == nil {
			continue
		}
		v, _ := m.Header(dlq.HeaderRedriveOriginalMsgID)
		ids[string(v)] = true
		if !strings.HasPrefix(m.ID, "mqscope-redrive:") {
			t.Fatalf("copy id %q", m.ID)
		}
	}
	for i := range 3 {
		if !ids[fmt.Sprintf("term-%d", i)] {
			t.Fatalf("the copies' original ids %v lack term-%d", ids, i)
		}
	}

	// the copies die again: their redrive keeps the first original id
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker2", AckPolicy: jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: 6, FilterSubject: name + ".term"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the copies' advisories", func() bool {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.Term(); err != nil {
				t.Fatal(err)
			}
		}
		return streamMsgs(t, capture) >= 4
	})
	again := read(t, c, dlqName, sources.ReadOptions{})
	var hop2 []sources.Message
	for _, m := range again {
		if _, ok := m.Header(dlq.HeaderRedriveOriginalMsgID); ok {
			hop2 = append(hop2, m)
		}
	}
	if len(hop2) != 3 {
		t.Fatalf("%d copies died again", len(hop2))
	}
	id2 := uniq("poison2")
	last := streamMsgs(t, s)
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id2, Source: dlqName, Items: items(id2, dlqName, hop2, "", true)}, func(o sources.RedriveOutcome) {
		if o.Result != sources.RedriveWritten {
			t.Errorf("second hop: %+v", o)
		}
	}); err != nil {
		t.Fatal(err)
	}
	seconds := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: int64(last) + 1}})
	ids = map[string]bool{}
	for _, m := range seconds {
		var vs []string
		for _, h := range m.Headers {
			if h.Key == dlq.HeaderRedriveOriginalMsgID {
				vs = append(vs, string(h.Value))
			}
		}
		if len(vs) != 1 || m.Redriven == nil || m.Redriven.ID != id2 {
			t.Fatalf("second copy %+v: original ids %q", m, vs)
		}
		ids[vs[0]] = true
	}
	for i := range 3 {
		if !ids[fmt.Sprintf("term-%d", i)] {
			t.Fatalf("the second copies' original ids %v lack term-%d", ids, i)
		}
	}
}
