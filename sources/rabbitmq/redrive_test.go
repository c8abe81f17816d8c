package rabbitmq_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestOpenRedriveWritesWhatTheCallerDecides: on each of the three paths
// (pass-through over hand-framed connections, hand-framed reads with
// amqp091-go publishes, amqp091-go alone) a run hands over every delivery
// with its identity and the caller's plan, publishes the copies the plan
// writes with the message's kept headers and the provenance (an edit's
// headers and body where there is one), journals (BeforeWrite) before it
// writes, confirms every publish in order, gives back an unroutable copy
// with its position and the broker's reason, and acknowledges and gives
// back as the caller says.
func TestOpenRedriveWritesWhatTheCallerDecides(t *testing.T) {
	for _, path := range []string{"pass-through", "decoded", "amqp091-go"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			e.queue("dlq", nil)
			e.queue("target", nil)
			bodies := []string{"a", "b", "keep", "lost", "c"}
			for i, b := range bodies {
				e.publish("", "dlq", amqp.Publishing{Body: []byte(b), MessageId: "m-" + strconv.Itoa(i), CorrelationId: "c-" + b,
					Headers: amqp.Table{"tenant": "acme", "drop-me": "x", dlq.HeaderRedriveID: "an-earlier-run"}})
			}
			e.waitDepth("dlq", len(bodies))
			c := e.dial()
			var conn sources.StreamRedriver = c
			if path == "amqp091-go" {
				conn = rabbitmq.AMQPClientOnly(c)
			}
			depth, err := conn.QueueDepth(context.Background(), "dlq")
			if err != nil || depth != len(bodies) {
				t.Fatalf("depth %d, %v", depth, err)
			}
			journalled := 0
			var seen []string
			o := sources.StreamRedriveOptions{ID: "rd-open", Source: "dlq", Prefetch: 100, Window: 10, PassThrough: path == "pass-through",
				KeepHeader:  func(k string) bool { return k != "drop-me" },
				BeforeWrite: func() error { journalled++; return nil },
				Decide: func(m sources.Message) sources.StreamDecision {
					body := string(m.Value)
					seen = append(seen, body)
					d := sources.StreamDecision{Plan: body}
					prov := []sources.Header{{Key: dlq.HeaderRedriveID, Value: []byte("rd-open")},
						{Key: dlq.HeaderRedrivePosition, Value: []byte(strconv.FormatInt(m.Offset, 10))}}
					switch {
					case body == "keep":
					case body == "lost":
						d.Write, d.Target, d.Provenance = true, sources.Target{Exchange: true, RoutingKey: "nowhere"}, prov
					case body == "c" && path != "pass-through":
						d.Write, d.Target = true, sources.Target{Exchange: true, RoutingKey: "target"}
						d.Edit = &sources.StreamEdit{Headers: append([]sources.Header{{Key: "tenant", Value: []byte("edited")}}, prov...), Value: []byte("c, edited")}
					default:
						d.Write, d.Target, d.Provenance = true, sources.Target{Exchange: true, RoutingKey: "target"}, prov
					}
					return d
				}}
			run, err := conn.OpenRedrive(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			var got []sources.StreamDelivery
			for len(got) < len(bodies) {
				select {
				case part, ok := <-run.Deliveries():
					if !ok {
						t.Fatalf("the deliveries ended after %d: %s", len(got), run.Ended())
					}
					got = append(got, part...)
				case <-time.After(10 * time.Second):
					t.Fatalf("%d deliveries of %d came", len(got), len(bodies))
				}
			}
			if !slices.Equal(seen, bodies) {
				t.Fatalf("decided %v, want %v in delivery order", seen, bodies)
			}
			published := 0
			for i := range got {
				d := &got[i]
				if d.Plan != bodies[i] || d.Identity == "" || d.Unfit != nil || d.CorrelationID != "c-"+bodies[i] {
					t.Fatalf("delivery %d: plan %v, identity %q, unfit %v, correlation id %q", i, d.Plan, d.Identity, d.Unfit, d.CorrelationID)
				}
				if d.Outgoing == nil {
					continue
				}
				if err := run.Publish(context.Background(), d); err != nil {
					t.Fatal(err)
				}
				published++
			}
			if err := run.Flush(); err != nil {
				t.Fatal(err)
			}
			if journalled == 0 {
				t.Fatal("publishes were written without BeforeWrite")
			}
			var tags []uint64
			for len(tags) == 0 || tags[len(tags)-1] < uint64(published) {
				select {
				case cf, ok := <-run.Confirms():
					if !ok || !cf.Ack {
						t.Fatalf("confirm %+v, open %v", cf, ok)
					}
					tags = append(tags, cf.Tag)
				case <-time.After(10 * time.Second):
					t.Fatalf("confirms %v of %d publishes", tags, published)
				}
			}
			returned := run.Returned()
			if len(returned) != 1 || returned[0].Position != "3" || returned[0].Code != 312 || returned[0].String() != "returned by the broker: 312 NO_ROUTE" {
				t.Fatalf("returned %+v; want position 3, 312 NO_ROUTE", returned)
			}
			for i, d := range got {
				if bodies[i] == "keep" || bodies[i] == "lost" {
					err = d.Acker.Nack(false, true)
				} else {
					err = d.Acker.Ack(false)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := run.Sync(); err != nil {
				t.Fatal(err)
			}
			run.Cancel()
			run.Close()
			e.waitDepth("target", 3)
			e.waitDepth("dlq", 2)
			copies := map[string]amqp.Table{}
			for range 3 {
				m, ok, err := e.app.Get("target", true)
				if err != nil || !ok {
					t.Fatalf("target: %v", err)
				}
				if m.CorrelationId != "c-"+string(m.Body) && string(m.Body) != "c, edited" {
					t.Fatalf("copy %q lost its correlation id (%q)", m.Body, m.CorrelationId)
				}
				copies[string(m.Body)] = m.Headers
			}
			want := map[string]string{"a": "acme", "b": "acme", "c": "acme"}
			if path != "pass-through" {
				delete(want, "c")
				want["c, edited"] = "edited"
			}
			for body, tenant := range want {
				h, ok := copies[body]
				if !ok || h["tenant"] != tenant || h["drop-me"] != nil || h[dlq.HeaderRedriveID] != "rd-open" {
					t.Fatalf("copy %q: headers %v; want tenant %s, no drop-me, the run's id", body, h, tenant)
				}
			}
		})
	}
}
