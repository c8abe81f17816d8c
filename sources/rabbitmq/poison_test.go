package rabbitmq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// poisonQueue fills a quorum queue with five messages, the third with 1
// MiB of headers (published over the management API: the broker delivers
// it as one header frame, larger than frame_max) and the fourth with a
// header nested 200 tables deep.
func poisonQueue(e *env, name string) {
	e.t.Helper()
	e.queue(name, amqp.Table{"x-queue-type": "quorum"})
	e.publish("", name, amqp.Publishing{MessageId: "m1", Body: []byte("one")})
	e.publish("", name, amqp.Publishing{MessageId: "m2", Body: []byte("two")})
	e.waitDepth(name, 2)
	testbroker.PublishOverHTTP(e.t, e.vhost, name, map[string]any{"big": strings.Repeat("x", 1<<20)}, "three")
	e.waitDepth(name, 3)
	testbroker.PublishTable(e.t, e.url, name, testbroker.DeepTable("deep", 200), "four")
	e.waitDepth(name, 4)
	e.publish("", name, amqp.Publishing{MessageId: "m5", Body: []byte("five"), Headers: amqp.Table{"tenant": "acme"}})
	e.waitDepth(name, 5)
}

// TestPoisonBreaksAmqp091: what made such a queue unreadable. amqp091-go
// closes the whole connection on either message (a frame larger than
// frame_max; a table nested deeper than it decodes), and the broker
// gives back everything the consumer held.
func TestPoisonBreaksAmqp091(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		publish func(q string)
		want    error
	}{
		{func(q string) {
			testbroker.PublishOverHTTP(t, e.vhost, q, map[string]any{"big": strings.Repeat("x", 1<<20)}, "big")
		}, amqp.ErrFrameTooLarge},
		{func(q string) { testbroker.PublishTable(t, e.url, q, testbroker.DeepTable("deep", 200), "deep") }, amqp.ErrSyntax},
	} {
		q := fmt.Sprintf("cause-%v", tc.want == amqp.ErrSyntax)
		e.queue(q, nil)
		tc.publish(q)
		e.waitDepth(q, 1)
		conn, err := amqp.Dial(e.url)
		if err != nil {
			t.Fatal(err)
		}
		closed := conn.NotifyClose(make(chan *amqp.Error, 1))
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Consume(q, "", false, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-closed:
			if err == nil || err.Code != amqp.FrameError || !strings.Contains(err.Reason, tc.want.Error()) {
				t.Fatalf("%s: the connection closed with %v, want a frame error %q", q, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: amqp091-go read the poison message", q)
		}
		if _, err := ch.QueueDeclarePassive(q, true, false, false, false, nil); !errors.Is(err, amqp.ErrClosed) {
			t.Fatalf("%s: the channel after: %v", q, err)
		}
		conn.Close()
		e.waitDepth(q, 1) // given back
	}
}

// TestPeekReadsPastPoison: a peek reads every message of a queue holding
// both poison messages, says what is wrong with each (size, reason), and
// raises every delivery count by exactly one per read.
func TestPeekReadsPastPoison(t *testing.T) {
	e := newEnv(t)
	poisonQueue(e, "poison.q")
	c, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: e.url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	read := func() []sources.Message {
		t.Helper()
		sub, err := c.Read(context.Background(), "poison.q", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := sources.Drain(context.Background(), sub, 0)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	for round := 0; round < 2; round++ {
		ms := read()
		var bodies []string
		for _, m := range ms {
			bodies = append(bodies, string(m.Value))
			count, _ := m.Header("x-delivery-count")
			if want := fmt.Sprint(round); round > 0 && string(count) != want {
				t.Fatalf("round %d: %s has x-delivery-count %q, want %s (one delivery per read)", round, m.Value, count, want)
			}
		}
		if strings.Join(bodies, ",") != "one,two,three,four,five" {
			t.Fatalf("round %d: read %v", round, bodies)
		}
		for i, m := range ms {
			if (m.Flaw != nil) != (i == 2 || i == 3) {
				t.Fatalf("message %d: flaw %+v", i+1, m.Flaw)
			}
		}
		big, deep := ms[2], ms[3]
		if v, _ := big.Header("big"); len(v) != 1<<20 {
			t.Fatalf("the 1 MiB header was not read whole: %d bytes", len(v))
		}
		if line := big.FlawLine(); !strings.HasPrefix(line, "poison.q@2 (1.0 MiB of headers): its header frame is larger than the 128 KiB frame_max") ||
			!strings.Contains(line, "amqp091-go and other clients that keep to it close the connection on it") {
			t.Fatalf("big: %q", line)
		}
		if _, ok := deep.Header("deep"); ok {
			t.Fatal("the 200-deep header was decoded")
		}
		if line := deep.FlawLine(); !strings.HasPrefix(line, "poison.q@3 (") || !strings.Contains(line, `header "deep" nests tables or arrays 200 deep: amqp091-go reads 32 levels and closes the connection on more (mqscope leaves the header out)`) {
			t.Fatalf("deep: %q", line)
		}
		if v, _ := ms[4].Header("tenant"); string(v) != "acme" || ms[4].ID != "m5" {
			t.Fatalf("after the poison: %+v", ms[4])
		}
		e.waitDepth("poison.q", 5)
	}
}

// TestStreamReadsPastPoison: a stream read goes past a message amqp091-go
// cannot read (1 MiB of headers): that message is read on its own, with
// its flaw, and every message is read once, in order.
func TestStreamReadsPastPoison(t *testing.T) {
	e := newEnv(t)
	e.queue("events", amqp.Table{"x-queue-type": "stream"})
	e.publish("", "events", amqp.Publishing{Body: []byte("one")})
	e.publish("", "events", amqp.Publishing{Body: []byte("two")})
	testbroker.PublishOverHTTP(t, e.vhost, "events", map[string]any{"big": strings.Repeat("x", 1<<20)}, "three")
	e.publish("", "events", amqp.Publishing{Body: []byte("four")})
	e.publish("", "events", amqp.Publishing{Body: []byte("five")})
	testbroker.PublishTable(t, e.url, "events", testbroker.DeepTable("deep", 200), "six")
	e.publish("", "events", amqp.Publishing{Body: []byte("seven")})
	c, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: e.url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ms := testbroker.ReadAll(t, c, "events")
		var got []string
		for _, m := range ms {
			got = append(got, fmt.Sprintf("%d:%s", m.Offset, m.Value))
		}
		if len(ms) == 7 {
			if strings.Join(got, ",") != "0:one,1:two,2:three,3:four,4:five,5:six,6:seven" {
				t.Fatalf("read %v", got)
			}
			if ms[2].Flaw == nil || !strings.HasPrefix(ms[2].FlawLine(), "events@2 (1.0 MiB of headers): its header frame is larger than the 128 KiB frame_max") {
				t.Fatalf("the poison message: %q", ms[2].FlawLine())
			}
			if v, _ := ms[2].Header("big"); len(v) != 1<<20 {
				t.Fatalf("its header: %d bytes", len(v))
			}
			// a stream stores messages as AMQP 1.0, which has no nested
			// tables: the broker drops the deep header, so the message reads
			if _, ok := ms[5].Header("deep"); ok || ms[5].Flaw != nil {
				t.Fatalf("the deep one: %+v", ms[5])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
