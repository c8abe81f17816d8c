package kafka_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// scanned runs a scan and returns the offsets it handed over, as p/o.
func scanned(t *testing.T, c *kafka.Conn, topic string, o kafka.ScanOptions) ([]int64, kafka.HeaderScan) {
	t.Helper()
	var got []int64
	res, err := c.ScanHeaders(context.Background(), topic, o, func(ms []sources.Message) {
		for _, m := range ms {
			if _, ok := m.Header("n"); !ok {
				t.Errorf("record %s without its header", m.Where())
			}
			got = append(got, int64(m.Partition)*1000+m.Offset)
		}
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	slices.Sort(got)
	return got, res
}

func TestScanHeadersFromATimeToTheEnd(t *testing.T) {
	_, addr := cluster(t, "orders")
	old := time.Now().Add(-time.Hour)
	var msgs []*sarama.ProducerMessage
	for i := range 6 {
		ts := old
		if i >= 2 {
			ts = time.Now()
		}
		msgs = append(msgs, &sarama.ProducerMessage{Topic: "orders", Partition: int32(i % 3), Timestamp: ts, Value: sarama.StringEncoder("v"),
			Headers: []sarama.RecordHeader{{Key: []byte("n"), Value: []byte{byte(i)}}}})
	}
	produce(t, addr, msgs...)
	c := dial(t, addr)
	defer c.Close()

	got, res := scanned(t, c, "orders", kafka.ScanOptions{Since: time.Now().Add(-time.Minute)})
	// records 0 and 1 (offset 0 of partitions 0 and 1) are older: left out
	if want := []int64{1, 1001, 2000, 2001}; !slices.Equal(got, want) || res.Records != 4 {
		t.Fatalf("scanned %v (%d records), want %v", got, res.Records, want)
	}
	if res.Ends[0] != 2 || res.Ends[1] != 2 || res.Ends[2] != 2 {
		t.Fatalf("ends %v", res.Ends)
	}
	// Going on from the ends reads only what came since.
	produce(t, addr, &sarama.ProducerMessage{Topic: "orders", Partition: 1, Value: sarama.StringEncoder("v"),
		Headers: []sarama.RecordHeader{{Key: []byte("n"), Value: []byte{9}}}})
	if got, _ := scanned(t, c, "orders", kafka.ScanOptions{From: res.Ends}); !slices.Equal(got, []int64{1002}) {
		t.Fatalf("scan from the ends: %v", got)
	}
	var tooLarge *kafka.ScanTooLargeError
	_, err := c.ScanHeaders(context.Background(), "orders", kafka.ScanOptions{Limit: 5}, func([]sources.Message) { t.Error("a refused scan read") })
	if !errors.As(err, &tooLarge) || tooLarge.Records != 7 || tooLarge.Topic != "orders" {
		t.Fatalf("a scan over its limit: %v", err)
	}
}

// A scan waits for an open transaction below the end it reads to: the
// records committed after it are seen, the aborted ones are not.
func TestScanHeadersWaitsForAnOpenTransaction(t *testing.T) {
	_, addr := cluster(t, "orders")
	c := dial(t, addr)
	defer c.Close()
	txn := func(id string) sarama.AsyncProducer {
		p, err := c.TransactionalProducer(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		p.Input() <- &sarama.ProducerMessage{Topic: "orders", Partition: 0, Value: sarama.StringEncoder(id),
			Headers: []sarama.RecordHeader{{Key: []byte("n"), Value: []byte(id)}}}
		select {
		case <-p.Successes():
		case err := <-p.Errors():
			t.Fatal(err)
		}
		return p
	}
	open := txn("open")       // offset 0, committed later
	aborted := txn("aborted") // offset 1, aborted later
	produce(t, addr, &sarama.ProducerMessage{Topic: "orders", Partition: 0, Value: sarama.StringEncoder("plain"),
		Headers: []sarama.RecordHeader{{Key: []byte("n"), Value: []byte("plain")}}})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		time.Sleep(700 * time.Millisecond)
		_ = aborted.AbortTxn()
		_ = open.CommitTxn()
	}()
	defer open.Close()
	defer aborted.Close()
	defer func() { <-ended }() // the transactions are over before their producers close
	got, _ := scanned(t, c, "orders", kafka.ScanOptions{})
	if want := []int64{0, 2}; !slices.Equal(got, want) {
		t.Fatalf("scanned %v, want %v (the committed transaction and the plain record, not the aborted one)", got, want)
	}
}

// A transaction that stays open stops the scan with a clear error, once,
// not after retries.
func TestScanHeadersGivesUpOnATransactionLeftOpen(t *testing.T) {
	_, addr := cluster(t, "orders")
	c := dial(t, addr)
	defer c.Close()
	p, err := c.TransactionalProducer("hung")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.BeginTxn(); err != nil {
		t.Fatal(err)
	}
	p.Input() <- &sarama.ProducerMessage{Topic: "orders", Partition: 1, Value: sarama.StringEncoder("v")}
	select {
	case <-p.Successes():
	case err := <-p.Errors():
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.ScanHeaders(context.Background(), "orders", kafka.ScanOptions{OpenTxnWait: 300 * time.Millisecond}, func([]sources.Message) {})
	if !errors.Is(err, kafka.ErrOpenTxn) || !strings.Contains(err.Error(), "orders/1 at offset 0") {
		t.Fatalf("scan past a hung transaction: %v", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("it gave up after %s: retried", d)
	}
	_ = p.AbortTxn()
}
