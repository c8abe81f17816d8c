package replay

import "github.com/IBM/sarama"

// producerMessage builds the record of a planned item (a capture's
// message replayed to a topic).
func producerMessage(it Item, partition int32) *sarama.ProducerMessage {
	pm := &sarama.ProducerMessage{Topic: it.Target.Stream, Partition: partition}
	if k := it.Key(); k != nil {
		pm.Key = sarama.ByteEncoder(k)
	}
	if v := it.Value(); v != nil {
		pm.Value = sarama.ByteEncoder(v)
	}
	pm.Headers = make([]sarama.RecordHeader, len(it.Headers))
	for i, h := range it.Headers {
		pm.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
	}
	return pm
}
