package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// TestBoundedReadSkipsAbortedTransactions: the direct fetch of a bounded
// read delivers committed and plain records and never an aborted one,
// across several fetches.
func TestBoundedReadSkipsAbortedTransactions(t *testing.T) {
	_, addr := cluster(t, "tx")
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := c.TransactionalProducer("mqscope-test-tx")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	send := func(prefix string, n int, commit bool) {
		t.Helper()
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			p.Input() <- &sarama.ProducerMessage{Topic: "tx", Partition: int32(i % 3), Key: sarama.StringEncoder(fmt.Sprintf("%s-%d", prefix, i)), Value: sarama.StringEncoder("v")}
		}
		for i := 0; i < n; i++ {
			select {
			case <-p.Successes():
			case e := <-p.Errors():
				t.Fatal(e)
			}
		}
		if commit {
			err = p.CommitTxn()
		} else {
			err = p.AbortTxn()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	send("ok1", 30, true)
	send("bad1", 40, false)
	send("ok2", 20, true)
	send("bad2", 10, false)
	send("ok3", 5, true)
	produce(t, addr, &sarama.ProducerMessage{Topic: "tx", Partition: 1, Key: sarama.StringEncoder("plain"), Value: sarama.StringEncoder("v")})
	sub, err := c.Read(context.Background(), "tx", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sources.Drain(context.Background(), sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range got {
		keys = append(keys, string(m.Key))
	}
	slices.Sort(keys)
	if len(keys) != 56 || slices.ContainsFunc(keys, func(k string) bool { return k[:3] == "bad" }) || !slices.Contains(keys, "plain") {
		t.Fatalf("%d records: %v", len(keys), keys)
	}
	// offsets in order within each partition, none twice
	last := map[int32]int64{}
	for _, m := range got {
		if o, ok := last[m.Partition]; ok && m.Offset <= o {
			t.Fatalf("partition %d: offset %d after %d", m.Partition, m.Offset, o)
		}
		last[m.Partition] = m.Offset
	}
}

// TestBoundedReadFallsBackToTheConsumer: when the direct fetches fail (the
// broker closes the connection on the first ones), the consumer reads the
// rest from where they stopped: every record, once. (sarama does not
// reopen a closed broker connection by itself: one failure is enough.)
func TestBoundedReadFallsBackToTheConsumer(t *testing.T) {
	kf, addr := cluster(t, "fb")
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 90; i++ {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: "fb", Partition: int32(i % 3), Key: sarama.StringEncoder(fmt.Sprint(i)), Value: sarama.StringEncoder("v")})
	}
	produce(t, addr, msgs...)
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	failed := 0
	kf.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if failed < 1 {
			failed++
			kf.KeepControl()
			return nil, errors.New("injected"), true // the connection is closed
		}
		return nil, nil, false
	})
	sub, err := c.Read(context.Background(), "fb", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sources.Drain(context.Background(), sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[string(m.Key)] {
			t.Fatalf("record %s twice", m.Key)
		}
		seen[string(m.Key)] = true
	}
	if len(seen) != 90 || failed != 1 {
		t.Fatalf("%d of 90 records after %d failed fetches", len(seen), failed)
	}
}
