package nats_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A subject given where a stream's name belongs is told which stream
// stores it, by a read and by a lookup, and is still an unknown stream
// to callers; a name neither stream nor stored subject says so.
func TestASubjectIsToldItsStream(t *testing.T) {
	c := open(t)
	name := uniq("SUBJ")
	subj := strings.ToLower(name) + ".created"
	newStream(t, c.JetStream(), jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".>"}, Storage: jetstream.MemoryStorage})
	ctx := ctxT(t)

	_, err := c.Read(ctx, subj, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	var sub mqnats.SubjectNotStreamError
	if !errors.As(err, &sub) || sub.Stream != name || sub.Subject != subj {
		t.Fatalf("read of subject %s: %v, want the stream %s named", subj, err, name)
	}
	if !errors.Is(err, sources.ErrUnknownStream) {
		t.Errorf("read of a subject: %v is not an unknown stream", err)
	}
	if want := `--filter 'key == "` + subj + `"'`; !strings.Contains(err.Error(), want) {
		t.Errorf("read of a subject: %q lacks the filter %s", err, want)
	}

	if _, err := c.Locate(ctx, subj); !errors.As(err, &sub) || sub.Stream != name {
		t.Errorf("locate subject %s: %v, want the stream %s named", subj, err, name)
	}
	if _, err := c.Locate(ctx, strings.ToLower(name)+".*"); !errors.As(err, &sub) || strings.Contains(err.Error(), "key ==") {
		t.Errorf("locate a pattern: %v, want the stream named and no equality filter", err)
	}
	if st, err := c.Locate(ctx, name); err != nil || st.Name != name {
		t.Errorf("locate stream %s: %+v, %v", name, st, err)
	}

	other := uniq("nostream") + ".x"
	_, err = c.Read(ctx, other, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if !errors.Is(err, sources.ErrUnknownStream) || errors.As(err, &sub) || !strings.Contains(err.Error(), "nor a subject any stream stores") {
		t.Errorf("read of %s: %v, want no stream nor stored subject", other, err)
	}
}
