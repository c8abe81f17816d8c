package demo

import (
	"fmt"
	"strconv"

	"github.com/IBM/sarama"
)

// TopicBig is the topic of the demo's large data set (Options.Big).
const TopicBig = "events.big"

// fillBig writes n records of about 200 bytes to TopicBig: JSON events with
// a status, a tenant header and a key, for trying filters and search at
// scale. It pipelines through an async producer.
func (c *Cluster) fillBig(n int) error {
	cfg := c.clientConfig()
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.Flush.Messages = 5000
	cfg.Producer.Flush.Frequency = 5e6 // 5ms
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	p, err := sarama.NewAsyncProducer([]string{c.addr}, cfg)
	if err != nil {
		return fmt.Errorf("demo: fill %s: %w", TopicBig, err)
	}
	statuses := []string{"OK", "OK", "OK", "RETRYING", "FAILED"}
	go func() {
		for i := 0; i < n; i++ {
			tenant := customers[i%len(customers)]
			v := `{"type":"Event","seq":` + strconv.Itoa(i) + `,"status":"` + statuses[i%len(statuses)] + `","tenant":"` + tenant +
				`","payload":"` + pad[:120-len(strconv.Itoa(i))] + `"}`
			p.Input() <- &sarama.ProducerMessage{Topic: TopicBig, Key: sarama.StringEncoder(fmt.Sprintf("evt-%07d", i)), Value: sarama.StringEncoder(v),
				Headers: []sarama.RecordHeader{{Key: []byte("tenant"), Value: []byte(tenant)}}}
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
		return fmt.Errorf("demo: fill %s: %w", TopicBig, first)
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
