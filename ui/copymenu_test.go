package ui

import (
	"bytes"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/sources"
)

// copied opens the copy menu on the list's selection, presses keys and
// returns what reached the clipboard (decoded from OSC 52) and the status.
func copied(t *testing.T, c *Common, p *messagesPage, keys ...string) (string, statusSet) {
	t.Helper()
	c.Clipboard.(*bytes.Buffer).Reset()
	p.Update(keyPress("c"))
	if copyMenuOf(p) == nil {
		t.Fatal("c did not open the copy menu")
	}
	var st statusSet
	for _, k := range keys {
		if cmd := p.Update(keyPress(k)); cmd != nil {
			for _, msg := range runBatch(cmd) {
				if s, ok := msg.(statusSet); ok {
					st = s
				}
			}
		}
	}
	if copyMenuOf(p) != nil {
		t.Fatalf("the menu is still open after %v", keys)
	}
	raw := c.Clipboard.(*bytes.Buffer).String()
	if raw == "" {
		return "", st
	}
	return clipboardText(t, raw), st
}

func TestCopyMenuKinds(t *testing.T) {
	c := testCommon(120, 30)
	p := newTestMessages(c)
	m := sources.Message{Conn: "test", Stream: "orders", Partition: 2, Offset: 97, Key: []byte("it's"),
		Value:   []byte("{\"a\": \"b c\"}\nline 2"),
		Headers: []sources.Header{{Key: "trace id", Value: []byte("x'y")}, {Key: "tenant", Value: []byte("acme")}}}
	m.ValueSize = len(m.Value)
	deliver(p, []sources.Message{m})

	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"v"}, "{\"a\": \"b c\"}\nline 2"},
		{[]string{"k"}, "it's"},
		{[]string{"p"}, "orders[2]@97"},
		{[]string{"h", "j", "enter"}, "acme"},
		{[]string{"h", "enter"}, "x'y"},
		{[]string{"c"}, `printf %s '{"a": "b c"}` + "\n" + `line 2' | mqscope -c 'test' produce 'orders' --key 'it'\''s' --header 'trace id=x'\''y' --header 'tenant=acme' -f -`},
		{[]string{"K"}, `printf %s 'it'\''s#mqscope-key#{"a": "b c"}` + "\n" + `line 2' | kcat -P -b '127.0.0.1:9092' -t 'orders' -p 2 -K '#mqscope-key#' -D '#mqscope-end#' -H 'trace id=x'\''y' -H 'tenant=acme'`},
	} {
		got, st := copied(t, c, p, tc.keys...)
		if got != tc.want || st.err {
			t.Fatalf("%v copied %q (%+v), want %q", tc.keys, got, st, tc.want)
		}
	}
	if got, _ := copied(t, c, p, "m"); !strings.Contains(got, `"key":"it's"`) {
		t.Fatalf("message JSON: %q", got)
	}
	// esc closes the menu and copies nothing.
	if got, _ := copied(t, c, p, "esc"); got != "" {
		t.Fatalf("esc copied %q", got)
	}
}

func TestCopyPositionWithoutPartitions(t *testing.T) {
	m := sources.Message{Stream: "orders", Partition: sources.NoPartition, Offset: 97}
	if got := positionText(&m); got != "orders@97" {
		t.Fatalf("position %q", got)
	}
}

// TestCopiedCommandsCarryNoControls: keys, headers and values with
// terminal escapes reach the clipboard as base64 decoded by the command,
// and the shell gives back the exact bytes.
func TestCopiedCommandsCarryNoControls(t *testing.T) {
	c := testCommon(120, 30)
	p := newTestMessages(c)
	m := sources.Message{Conn: "test", Stream: "orders", Partition: 0, Offset: 1,
		Key:     []byte("k" + poison.Text),
		Value:   []byte(poison.Bytes),
		Headers: []sources.Header{{Key: "h" + poison.Text, Value: []byte(poison.Text)}, {Key: "bin", Value: []byte{0xff, 0x01, 'a'}}}}
	m.ValueSize = len(m.Value)
	deliver(p, []sources.Message{m})
	for _, k := range []string{"k", "c", "m", "v"} {
		got, st := copied(t, c, p, k)
		if st.err || got == "" {
			t.Fatalf("%s: %+v", k, st)
		}
		if bad := poison.Find(got); bad != "" {
			t.Fatalf("%s copied %s: %q", k, bad, got)
		}
	}
	// The key and a header hold a NUL byte, which no argument carries: the
	// produce command feeds the message whole as a capture line; kcat
	// reads the key from stdin with the value, but takes headers as
	// arguments only.
	if got, _ := copied(t, c, p, "c"); !strings.HasSuffix(got, "| mqscope -c 'test' produce 'orders' --format jsonl -f -") {
		t.Fatalf("produce with a NUL in the key: %q", got)
	}
	if got, st := copied(t, c, p, "K"); got != "" || !st.err || !strings.Contains(st.text, "NUL") || !strings.Contains(st.text, "header") {
		t.Fatalf("kcat with a NUL in a header copied %q (%+v)", got, st)
	}
	// The key and value go through stdin from base64, the header as an argument decoded from base64.
	p2 := newTestMessages(c)
	m2 := m
	m2.Key = []byte("k\x1b[2J\u202e")
	noNUL := strings.ReplaceAll(poison.Text, "\x00", "")
	m2.Headers = []sources.Header{{Key: "h" + noNUL, Value: []byte(noNUL)}}
	deliver(p2, []sources.Message{m2})
	got, st := copied(t, c, p2, "K")
	if st.err || poison.Find(got) != "" || !strings.Contains(got, `| base64 -d | kcat -P `) || !strings.Contains(got, `-H "$(printf %s `) {
		t.Fatalf("kcat with escapes in the key: %q (%+v)", got, st)
	}
	if got, st := copied(t, c, p, "k"); got != base64.StdEncoding.EncodeToString(m.Key) || !strings.Contains(st.text, "key as base64") {
		t.Fatalf("key copied %q (%s)", got, st.text)
	}
	if got, _ := copied(t, c, p, "h", "enter"); got != base64.StdEncoding.EncodeToString([]byte(poison.Text)) {
		t.Fatalf("header copied %q", got)
	}
	// The shell decodes each word back to the bytes of the message.
	for _, b := range [][]byte{m2.Key, m2.Headers[0].Value, []byte("it's a\ttab"), {0xff, 0x01, 'a'}} {
		arg, err := shellArg(b)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", "printf %s "+arg).Output()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("sh gave %q (%v), want %q from %s", out, err, b, arg)
		}
	}
	for _, b := range [][]byte{m.Key, m.Value, []byte("it's\nmulti-line\n")} { // NUL bytes and line breaks go through the pipe
		feed, err := exec.Command("sh", "-c", valueFeed(b)+"cat").Output()
		if err != nil || !bytes.Equal(feed, b) {
			t.Fatalf("the value feed gave %q (%v), want %q", feed, err, b)
		}
	}
	if _, err := shellArg([]byte("a\x00b")); err == nil {
		t.Fatal("a NUL byte became a shell argument")
	}
}

func TestCopyMenuKcatOnlyOnKafka(t *testing.T) {
	c := testCommon(120, 30)
	p := newMessagesPage(c, rabbitConn{}, sources.StreamInfo{Name: "jobs", Reading: sources.Reading{Live: true, Queue: true}})
	p.pid, p.subID, p.opened = 7, 1, true
	deliver(p, []sources.Message{{Stream: "jobs", Partition: sources.NoPartition, Value: []byte("x"), ValueSize: 1}})
	p.Update(keyPress("c"))
	if v := copyMenuOf(p).view(); strings.Contains(v, "kcat") || !strings.Contains(v, "produce") {
		t.Fatalf("menu on RabbitMQ:\n%s", v)
	}
	p.Update(keyPress("K"))
	if copyMenuOf(p) == nil {
		t.Fatal("K closed the menu on RabbitMQ")
	}
}

// TestCopyHeaderPickerPreviews: h lists each header's value with no raw
// control byte: text with control characters labelled so, the controls
// as their pictures; bytes that are not UTF-8 as binary in hex, a cut one
// ending with "…".
func TestCopyHeaderPickerPreviews(t *testing.T) {
	c := testCommon(120, 40)
	m := sources.Message{Stream: "orders", Key: []byte("k"), Value: []byte("v"), Headers: []sources.Header{
		{Key: "osc", Value: []byte("hello\x1b]52;c;QUFB\x07")},
		{Key: "sgr", Value: []byte("a\x1b[31m\nb")},
		{Key: "bin", Value: []byte("\xff\x1b[31m\nbcdefgh")},
		{Key: "short", Value: []byte{0xff, 0x01}},
		{Key: "plain", Value: []byte("acme")},
	}}
	cm := newCopyMenu(c, m, nil)
	if _, done := cm.update(keyPress("h")); done || !cm.headers {
		t.Fatal("h did not open the header picker")
	}
	view := cm.view()
	for _, want := range []string{"⟨text, controls⟩ hello␛]52;c;QUFB␇", "⟨text, controls⟩ a␛[31m⏎b", "⟨bin 14 B⟩ ff 1b 5b 33 31 6d …", "⟨bin 2 B⟩ ff 01  ", "acme"} {
		if !strings.Contains(view, want) {
			t.Fatalf("the picker lacks %q:\n%s", want, view)
		}
	}
	for _, raw := range []string{"\x1b]", "\x07", "\x1b[31m"} {
		if strings.Contains(view, raw) {
			t.Fatalf("a raw control %q on the screen:\n%q", raw, view)
		}
	}
	if strings.Count(view, "⟨bin") != 2 {
		t.Fatalf("valid UTF-8 labelled binary:\n%s", view)
	}
}
