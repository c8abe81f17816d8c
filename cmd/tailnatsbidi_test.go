package cmd

import (
	"context"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestTailNATSEscapesBidiInSubjects: tail of a JetStream stream whose
// subjects carry a right-to-left override (U+202E) and an isolate
// (U+2066), or a bell and an escape, prints them escaped (⟨U+202E⟩),
// never as they are.
func TestTailNATSEscapesBidiInSubjects(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, _, name := natsStream(t, ctx, "TAILBIDI")
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	subject := name + ".\u202egnp.exe\u2066"
	m := natsgo.NewMsg(subject)
	m.Data = []byte("v")
	m.Header.Set("x-h", "a\u202eb")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	m = natsgo.NewMsg(name + ".bell\a\x1b[31mred")
	m.Data = []byte("w")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--nats", url, "tail", name, "--from", "oldest", "--limit", "2")
	if code != 0 {
		t.Fatalf("tail: %d %q %s", code, out, errOut)
	}
	for _, raw := range []string{"\u202e", "\u2066", "\a", "\x1b"} {
		if strings.Contains(out, raw) || strings.Contains(errOut, raw) {
			t.Fatalf("tail printed %q as it is: %q", raw, out)
		}
	}
	if !strings.Contains(out, "key="+name+".⟨U+202E⟩gnp.exe⟨U+2066⟩ ") || !strings.Contains(out, "key="+name+".bell␇␛[31mred ") {
		t.Fatalf("tail does not show the subject: %q", out)
	}
}
