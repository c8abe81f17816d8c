package cmd

import (
	"strings"
	"testing"

	"github.com/IBM/sarama"

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
