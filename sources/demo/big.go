package demo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/IBM/sarama"
)

// TopicBig is the topic of the demo's large data set (Options.Big).
const TopicBig = "events.big"

// Fill writes n records, record(i) each, to a Kafka as fast as it takes
// them (pipelined through an async producer): the demo's large data set,
// and the data of tests and benchmarks.
func Fill(addr string, n int, record func(i int) *sarama.ProducerMessage) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.Flush.Messages = 5000
	cfg.Producer.Flush.Frequency = 5 * time.Millisecond
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	p, err := sarama.NewAsyncProducer([]string{addr}, cfg)
	if err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	go func() {
		for i := 0; i < n; i++ {
			p.Input() <- record(i)
		}
	}()
	var first error
	for i := 0; i < n; i++ {
		select {
		case <-p.Successes():
		case e := <-p.Errors():
			if first == nil {
				first = e.Err
			}
		}
	}
	if err := p.Close(); err != nil && first == nil {
		first = err
	}
	if first != nil {
		return fmt.Errorf("fill: %w", first)
	}
	return nil
}

// fillBig writes n records of about 200 bytes to TopicBig: JSON events with
// a status, a tenant header and a key, for trying filters and search at
// scale.
func (c *Cluster) fillBig(n int) error {
	statuses := []string{"OK", "OK", "OK", "RETRYING", "FAILED"}
	err := Fill(c.addr, n, func(i int) *sarama.ProducerMessage {
		tenant := customers[i%len(customers)]
		v := `{"type":"Event","seq":` + strconv.Itoa(i) + `,"status":"` + statuses[i%len(statuses)] + `","tenant":"` + tenant +
			`","payload":"` + pad[:120-len(strconv.Itoa(i))] + `"}`
		return &sarama.ProducerMessage{Topic: TopicBig, Key: sarama.StringEncoder(fmt.Sprintf("evt-%07d", i)), Value: sarama.StringEncoder(v),
			Headers: []sarama.RecordHeader{{Key: []byte("tenant"), Value: []byte(tenant)}}}
	})
	if err != nil {
		return fmt.Errorf("demo: %s: %w", TopicBig, err)
	}
	return nil
}

// pad fills the events' payload field.
var pad = func() string {
	b := make([]byte, 128)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}()
