package nats_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// TestTailSaysAStreamWasDeleted: a tail of a stream deleted under it says
// so, and when the stream is created again says that too and reads it
// from its first sequence (not from after the last one it read).
func TestTailSaysAStreamWasDeleted(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	_, name := plainStream(t, js, "GONE")
	publish(t, js, name+".in", 5, "before")
	ctx := ctxT(t)
	sub, err := c.Read(ctx, name, sources.ReadOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var seqs []int64
	var notices []*sources.StreamGoneNotice
	until := func(messages, notes int) {
		t.Helper()
		for len(seqs) < messages || len(notices) < notes {
			b, err := sub.Next(ctx, 100)
			for _, m := range b {
				seqs = append(seqs, m.Offset)
			}
			var n *sources.StreamGoneNotice
			switch {
			case errors.As(err, &n):
				if !errors.Is(err, sources.ErrNotice) || n.Stream != name {
					t.Fatalf("notice %v", err)
				}
				notices = append(notices, n)
			case err != nil:
				t.Fatalf("tail: %v (read %v, notices %v)", err, seqs, notices)
			}
		}
	}
	until(5, 0)
	if err := js.DeleteStream(ctx, name); err != nil {
		t.Fatal(err)
	}
	until(5, 1)
	if len(notices) != 1 || notices[0].Back || len(seqs) != 5 {
		t.Fatalf("after the delete: notices %v, read %v", notices, seqs)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
		t.Fatal(err)
	}
	publish(t, js, name+".in", 3, "after")
	until(8, 2)
	if len(notices) != 2 || !notices[1].Back || !slices.Equal(seqs[5:], []int64{1, 2, 3}) {
		t.Fatalf("back: notices %v, read %v", notices, seqs)
	}
}
