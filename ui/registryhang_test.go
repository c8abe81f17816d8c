package ui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// hangingRegistry is a registry that accepts requests and never answers
// them (a network fault) until the test ends.
func hangingRegistry(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handlers return, Close can end
	return srv
}

// hungList is a message list of a kfake topic of three values framed with
// schema id 7, decoded with a registry that hangs (timeout d).
func hungList(t *testing.T, d time.Duration) (*Common, *messagesPage, string) {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	addr := kf.ListenAddrs()[0]
	if err := testbroker.FillKafka(addr, "orders", 3, append(schema.AppendHeader(nil, 7), "order-1 qty 3"...)); err != nil {
		t.Fatal(err)
	}
	reg := hangingRegistry(t)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL, Timeout: d, RetryAfter: time.Minute}, Timeout: d})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(120, 16)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	mp := newMessagesPage(c, dialKafka(t, addr), sources.StreamInfo{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: make([]sources.PartitionInfo, 1)})
	mp.start, mp.bounded = sources.Start{Kind: sources.StartOldest}, true
	return c, mp, strings.TrimPrefix(reg.URL, "http://")
}

// TestListWhileTheRegistryHangs: with a registry that never answers, the
// messages are listed at once, "decoding…", and the list says it waits
// for the registry and for which id, not that there are no messages; once
// the registry's timeout passes the rows show their bytes and why.
func TestListWhileTheRegistryHangs(t *testing.T) {
	_, mp, host := hungList(t, 2*time.Second)
	mp.pid = 30
	defer mp.Close()
	l := newLoop(mp)
	l.until(t, mp.Init(), func() bool { return mp.buf.Len() == 3 })
	wait := "waiting for the schema registry (" + host + ") for schema id 7…"
	v := mp.View(120, 14)
	if !strings.Contains(v, wait) || strings.Count(v, "decoding…") != 3 || strings.Contains(v, "no messages yet") {
		t.Fatalf("while the registry hangs:\n%s", v)
	}
	mp.Update(keyPress("up")) // the list answers keys while it waits
	if mp.cur.sel != 1 {
		t.Fatalf("up moved the selection to %d", mp.cur.sel)
	}
	l.until(t, nil, func() bool { return len(mp.waiting) == 0 })
	v = mp.View(120, 14)
	if strings.Contains(v, "waiting for the schema registry") || strings.Count(v, "✖ registry slow: ") != 3 || strings.Count(v, "00 00 00 00 07 6f 72 64") != 3 {
		t.Fatalf("after the registry's timeout:\n%s", v)
	}
}

// TestQuitWhileTheRegistryHangs: q ends the program while the list waits
// for a registry that never answers.
func TestQuitWhileTheRegistryHangs(t *testing.T) {
	c, mp, _ := hungList(t, time.Minute)
	m := newModel(c, []sources.Conn{staticConn{}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(c.Width, c.Height))
	tm.Send(pagePushed{mp})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("for schema id 7…")) }, teatest.WithDuration(10*time.Second))
	tm.Send(keyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
