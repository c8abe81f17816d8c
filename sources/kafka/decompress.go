package kafka

import "github.com/IBM/sarama"

// maxDecompressedBatch is the most one compressed record batch may
// decompress to: a batch that inflates further (a compression bomb) fails
// its fetch instead of taking the memory. Kafka's largest batch on the
// wire is about a megabyte by default (message.max.bytes), and even text
// that compresses very well inflates a hundredfold at most.
const maxDecompressedBatch = 1 << 30

// With a bound, sarama decompresses snappy batches into a pooled buffer
// and copies the result out once; without, it grows a new slice chunk by
// chunk, which cost a compressed read a tenth of its CPU time.
func init() {
	sarama.MaxDecompressedBatchSize = maxDecompressedBatch
}
