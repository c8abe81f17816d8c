package cmd

import (
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/internal/safetext"
)

// TestCheckEntityNamesTellKeysApart: two binary keys (not UTF-8) are
// named by their bytes in base64, never alike; an entity from a JSON path
// has its escapes read and is shown as the same text in a key is.
func TestCheckEntityNamesTellKeysApart(t *testing.T) {
	const topic = "check-names"
	addr := kfakeTopics(t, 1, topic)
	bin := func(key []byte) *sarama.ProducerMessage {
		m := valued(topic, 0, "", `{"seq":1}`, 1)
		m.Key = sarama.ByteEncoder(key)
		return m
	}
	const evil = "\x1b]0;PWNED\x07"
	a, b := bin([]byte{0xff, 0x01}), bin([]byte{0xfe, 0x01})
	byKey := valued(topic, 0, evil, `{"o":"x","seq":1}`, 2)
	byPath := valued(topic, 0, "p", `{"o":"\u001b]0;PWNED\u0007","seq":1}`, 3)
	writeRecords(t, addr, []*sarama.ProducerMessage{a, a, b, b, byKey, byKey, byPath, byPath})

	code, r, errOut := checkJSON(t, "--kafka", addr, "check", topic)
	names := map[string]bool{}
	for _, o := range r.Offenders {
		names[o.Entity] = true
	}
	if code != exitFindings || !names["base64:/wE="] || !names["base64:/gE="] {
		t.Fatalf("exit %d, offenders %+v: %s", code, r.Offenders, errOut)
	}
	shown := safetext.String(evil)
	_, out, _ := run(t, "--kafka", addr, "check", topic)
	if !strings.Contains(out, "  "+shown+"  ") || strings.Contains(out, "\x1b") {
		t.Fatalf("by key:\n%s", out)
	}
	_, out, _ = run(t, "--kafka", addr, "check", topic, "--key-path", "json.o")
	if !strings.Contains(out, "  "+shown+"  ") || strings.Contains(out, `\u001b`) || strings.Contains(out, "\x1b") {
		t.Fatalf("by path:\n%s", out)
	}
}

// TestCheckTopEntitiesAlignAsShown: entities of wide characters and of
// control pictures keep the top entities' columns aligned on a terminal.
func TestCheckTopEntitiesAlignAsShown(t *testing.T) {
	const topic = "check-align"
	addr := kfakeTopics(t, 1, topic)
	var msgs []*sarama.ProducerMessage
	for _, key := range []string{"注文-1", "\x1b[1m", "plain"} {
		m := valued(topic, 0, key, `{"seq":1}`, 1)
		msgs = append(msgs, m, m)
	}
	writeRecords(t, addr, msgs)
	_, out, _ := run(t, "--kafka", addr, "check", topic)
	_, table, ok := strings.Cut(out, "top entities:\n")
	if !ok {
		t.Fatalf("no top entities:\n%s", out)
	}
	lines := strings.Split(table, "\n")[:4]
	col := ansi.StringWidth(lines[0][:strings.Index(lines[0], "DUPLICATES")])
	for _, l := range lines[1:] {
		if at := strings.Index(l, "  1 "); at < 0 || ansi.StringWidth(l[:at+2]) != col {
			t.Fatalf("not aligned at column %d:\n%s", col, table)
		}
	}
}
