package nats_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// A read's ephemeral consumer is listed as a group mqscope made; an
// application's consumer is not.
func TestReadConsumerIsInternal(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "OWN")
	publish(t, js, name+".a", 2, "a")
	if _, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "app", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	sub, err := c.Read(ctx, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if ms, err := sub.Next(ctx, 10); err != nil || len(ms) == 0 {
		t.Fatalf("the read delivered %d: %v", len(ms), err)
	}
	groups, err := c.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var own, app []sources.GroupInfo
	for _, g := range groups {
		if !slices.Equal(g.Topics, []string{name}) {
			continue
		}
		if g.Internal {
			own = append(own, g)
		} else {
			app = append(app, g)
		}
	}
	if len(app) != 1 || app[0].Name != name+"/app" {
		t.Fatalf("application consumers %+v", app)
	}
	if len(own) != 1 || !strings.HasPrefix(own[0].Name, name+"/"+sources.ReadConsumerPrefix) {
		t.Fatalf("the read's consumer %+v", own)
	}
}
