package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// poisonDeadLetters reads the poisoned dead letters from the real brokers:
// a Spring Kafka one from kfake and a RabbitMQ one with x-death,
// x-first-death-* and properties from the RabbitMQ server.
func poisonDeadLetters(t *testing.T) (kc, rc sources.Conn, kafkaTopic, queue string, msgs []sources.Message) {
	t.Helper()
	addr, kafkaTopic := testbroker.PoisonKafka(t)
	k := dialKafka(t, addr)
	msgs = append(msgs, testbroker.ReadAll(t, k, kafkaTopic)...)
	url, queue := testbroker.PoisonRabbit(t)
	r, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	msgs = append(msgs, testbroker.ReadAll(t, r, queue)...)
	if len(msgs) != 2 {
		t.Fatalf("read %d poisoned dead letters, want 2", len(msgs))
	}
	for _, m := range msgs {
		d := m.DeadLetter
		if d == nil || !strings.Contains(d.OriginStream, poison.Text) || !strings.Contains(d.ExceptionClass, poison.Text) {
			t.Fatalf("%q: the poison did not come through the broker: %q", m.Stream, fmt.Sprintf("%+v", d))
		}
	}
	if !strings.Contains(msgs[1].ID, poison.Text) || len(msgs[1].DeadLetter.Deaths) != 1 || !strings.Contains(msgs[1].DeadLetter.Deaths[0].Queue, poison.Text) {
		t.Fatalf("RabbitMQ dead letter: id %q, deaths %q", msgs[1].ID, fmt.Sprintf("%+v", msgs[1].DeadLetter.Deaths))
	}
	return k, r, kafkaTopic, queue, msgs
}

// clean fails the test when out holds something that must not reach the
// terminal, and when it does not show the poison as pictures (the field
// was drawn at all).
func clean(t *testing.T, where, out string) {
	t.Helper()
	if bad := poison.Find(out); bad != "" {
		t.Errorf("%s: %s reached the screen", safetext.String(where), bad)
	}
}

// TestPoisonNeverReachesTheScreen feeds dead letters with terminal
// controls in every field (header names, key, provenance, x-death,
// properties) through every page that shows them and the status line.
func TestPoisonNeverReachesTheScreen(t *testing.T) {
	kc, rc, topic, queue, msgs := poisonDeadLetters(t)
	c := testCommon(180, 120)
	for _, m := range msgs {
		d := newDetailPage(c, m, nil, nil)
		clean(t, "detail of "+m.Conn, d.View(180, 117))
		clean(t, "detail lines of "+m.Conn, strings.Join(d.lines, "\n"))
		if !strings.Contains(strings.Join(d.lines, "\n"), "␛]52;c;") {
			t.Errorf("detail of %s does not show the OSC 52 sequence as pictures", m.Conn)
		}
		d.Update(keyPress("f"))
		clean(t, "full detail of "+m.Conn, strings.Join(d.lines, "\n"))
		clean(t, "detail crumb and status", d.Crumb()+d.Status())
	}

	for _, dlq := range []bool{true, false} {
		p := newMessagesPage(c, staticConn{}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "orders.DLT" + poison.Text, DeadLetter: dlq, DeadLetterFor: "orders" + poison.Text,
			Partitions: make([]sources.PartitionInfo, 1), Messages: 2})
		p.pid, p.subID, p.opened = 7, 1, true
		deliver(p, msgs)
		clean(t, "messages list", p.View(180, 40))
		clean(t, "messages status and crumb", p.Status()+p.Crumb())
		p.err = errors.New("cannot read " + poison.Text)
		clean(t, "messages error", p.View(180, 40)+p.infoLine())
	}

	for _, tc := range []struct {
		conn   sources.Conn
		stream sources.StreamInfo
	}{{kc, sources.StreamInfo{Name: topic, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true}}, {rc, sources.StreamInfo{Name: queue, Kind: "classic", Reading: sources.Reading{Queue: true}, DeadLetter: true}}} {
		p := newTriagePage(c, tc.conn, tc.stream)
		p.pid = 3
		pump(t, p, p.Init(), func() bool { return p.done })
		if len(p.report.Groups) != 1 {
			t.Fatalf("triage of %q: %d groups", tc.stream.Name, len(p.report.Groups))
		}
		for range 3 { // by failure, origin, consumer
			clean(t, "triage of "+tc.stream.Name+" by "+p.mode.String(), p.View(180, 40)+p.Status())
			p.Update(keyPress("tab"))
			pump(t, p, nil, func() bool { return p.done })
		}
		p.Close()
	}

	tr := newTracePage(c, []sources.Conn{kc, rc}, traceRequested{via: "correlation-id" + poison.Text, value: "corr-1" + poison.Text})
	tr.pid = 4
	pump(t, tr, tr.Init(), func() bool { return tr.done })
	if len(tr.res.Hits) != 1 || len(tr.res.Skipped) != 1 { // the work queue is not peeked
		t.Fatalf("trace found %d messages, skipped %q", len(tr.res.Hits), tr.res.Skipped)
	}
	clean(t, "trace", tr.View(180, 40)+tr.Status())
	tr.Close()

	d := newRedriveDialog(c, kc, 7, topic, msgs[:1], false)
	d.replan()
	clean(t, "redrive plan", d.view(180, 40))
	d.state, d.err = redriveDone, errors.New("publish "+poison.Text)
	d.res = replay.Result{PerTarget: map[string]int{"topic " + poison.Text: 1}, Failures: []replay.Failure{{Position: poison.Text, Err: poison.Text}}, Stop: replay.Stop{Reason: replay.PublishFailed, Detail: poison.Text}}
	clean(t, "redrive result", d.view(180, 40))

	sp := newStreamsPage(c, 8, rc)
	pump(t, sp, sp.Init(), func() bool { return sp.loaded })
	if len(sp.streams) != 1 || sp.streams[0].Name != queue {
		t.Fatalf("streams %q", fmt.Sprintf("%+v", sp.streams))
	}
	sv := sp.View(180, 20)
	clean(t, "streams", sv+sp.Crumb()+sp.Status())
	if !strings.Contains(sv, "orders.parking␛]52;c;") {
		t.Errorf("the streams page does not show the queue: %q", sv)
	}
	sp.Close()

	df := newDiffPage(c, msgs[0], msgs[1], nil, nil)
	clean(t, "diff", df.View(180, 60)+df.Crumb()+df.Status())

	gl := kc.(sources.GroupLister)
	gs := newGroupsPage(c, kc, gl)
	gs.pid = 5
	pump(t, gs, gs.Init(), func() bool { return gs.loaded })
	if len(gs.groups) != 1 || gs.groups[0].Name != testbroker.PoisonGroup {
		t.Fatalf("groups %q", fmt.Sprintf("%+v", gs.groups))
	}
	clean(t, "groups", gs.View(180, 20)+gs.Crumb()+gs.Status())
	g := newGroupPage(c, kc, gl, testbroker.PoisonGroup)
	g.pid = 6
	pump(t, g, g.Init(), func() bool { return g.loaded })
	clean(t, "group", g.View(180, 20)+g.Crumb()+g.Status())

	m := newModel(c, []sources.Conn{kc})
	m.Update(tea.WindowSizeMsg{Width: 180, Height: 40})
	m.Update(pagePushed{newDetailPage(c, msgs[1], nil, nil)})
	m.Update(statusSet{text: "cannot read " + poison.Text, err: true})
	clean(t, "root view with the status line", m.View())
}

// TestFrameNetCatchesWhatAPageMissed: the root view writes a field a page
// forgot to sanitise with its escapes shown, never acted on.
func TestFrameNetCatchesWhatAPageMissed(t *testing.T) {
	c := testCommon(100, 20)
	m := newModel(c, []sources.Conn{staticConn{}})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	m.Update(pagePushed{rawPage{detailPage: newDetailPage(c, sources.Message{Stream: "s"}, nil, nil), text: "raw " + poison.Text}})
	v := m.View()
	clean(t, "root view without its styles", sgr.ReplaceAllString(v, "")) // the poison's own colour (ESC [31m) may stay
	if !strings.Contains(v, "raw ␛]52;c;") {
		t.Fatalf("the raw field is not shown:\n%q", v)
	}
}

// sgr matches the SGR sequences (colours) the frame keeps.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// rawPage draws its text as it is, as a page with a bug would.
type rawPage struct {
	*detailPage
	text string
}

func (p rawPage) View(w, h int) string { return p.text }

// TestCopiedValueCarriesNoControls: a value with control characters goes
// to the clipboard in base64; a JSON copy escapes them.
func TestCopiedValueCarriesNoControls(t *testing.T) {
	c := testCommon(100, 30)
	m := poison.KafkaDeadLetter()
	m.Value = []byte("text " + poison.Text)
	m.ValueSize = len(m.Value)
	st := copyValue(c, &m)().(statusSet)
	if st.err || !strings.Contains(st.text, "value as base64 (it holds control characters)") {
		t.Fatalf("copy: %+v", st)
	}
	want := osc52.New(base64.StdEncoding.EncodeToString(m.Value)).String()
	if got := c.Clipboard.(*bytes.Buffer).String(); got != want {
		t.Fatalf("clipboard write %q, want %q", got, want)
	}
	c.Clipboard.(*bytes.Buffer).Reset()
	copyMessage(c, &m)()
	if raw := clipboardText(t, c.Clipboard.(*bytes.Buffer).String()); poison.Find(raw) != "" {
		t.Fatalf("the JSON copy carries %s", poison.Find(raw))
	}
	m.Value = []byte("plain\ttext\n")
	m.ValueSize = len(m.Value)
	c.Clipboard.(*bytes.Buffer).Reset()
	if st := copyValue(c, &m)().(statusSet); !strings.HasPrefix(st.text, "copied value (") {
		t.Fatalf("plain text: %+v", st)
	}
}

// clipboardText decodes what an OSC 52 write puts in the clipboard.
func clipboardText(t *testing.T, seq string) string {
	t.Helper()
	body, ok := strings.CutPrefix(seq, "\x1b]52;c;")
	if !ok {
		t.Fatalf("not an OSC 52 write: %q", seq)
	}
	body = strings.TrimSuffix(body, "\x07")
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		t.Fatalf("OSC 52 body: %v", err)
	}
	return string(b)
}

// FuzzDetailView: whatever bytes stand in any field of a message (and of
// its decoded Spring or RabbitMQ provenance), the detail page, the list
// row and the root frame show no control a terminal would act on.
func FuzzDetailView(f *testing.F) {
	f.Add(poison.Bytes, []byte(poison.Bytes), "x")
	f.Add("\x1b]52;c;eA==\x07", []byte("\u009b2J"), "\u202e")
	f.Fuzz(func(t *testing.T, s string, b []byte, name string) {
		m := poison.KafkaDeadLetter()
		for i := range m.Headers {
			if !strings.HasSuffix(m.Headers[i].Key, "partition") && !strings.HasSuffix(m.Headers[i].Key, "offset") && !strings.HasSuffix(m.Headers[i].Key, "timestamp") {
				m.Headers[i].Value = append([]byte(s), b...)
			}
		}
		m.Headers = append(m.Headers, sources.Header{Key: name + s, Value: b})
		m.Stream, m.ID, m.Key, m.Value = s, name, b, append([]byte(name), b...)
		m.ValueSize = len(m.Value)
		m.Properties = []sources.Property{{Name: name, Value: s}}
		m.DeadLetter = dlq.FromHeaders(m.Headers)
		rm := poison.RabbitDeadLetter()
		rm.ID, rm.Stream = s, name
		rm.DeadLetter.Deaths[0].Queue, rm.DeadLetter.Deaths[0].Reason, rm.DeadLetter.RoutingKeys = s, name, []string{s, name}
		c := testCommon(120, 60)
		for _, msg := range []sources.Message{m, rm} {
			d := newDetailPage(c, msg, nil, nil)
			if bad := poison.Find(strings.Join(d.lines, "\n")); bad != "" {
				t.Fatalf("detail: %s reached the screen", bad)
			}
			p := newMessagesPage(c, staticConn{}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: s, DeadLetter: true, Partitions: make([]sources.PartitionInfo, 1)})
			p.pid, p.subID, p.opened = 7, 1, true
			deliver(p, []sources.Message{msg})
			if bad := poison.Find(p.View(120, 10) + p.Crumb() + p.Status()); bad != "" {
				t.Fatalf("list: %s reached the screen", bad)
			}
		}
	})
}
