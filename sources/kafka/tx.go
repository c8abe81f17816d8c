package kafka

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.TxWriter = (*Conn)(nil)

// OpenTx opens a transactional producer (see sources.TxWriter).
func (c *Conn) OpenTx(txnID string) (sources.TxBatcher, error) {
	p, err := c.TransactionalProducer(txnID)
	if err != nil {
		return nil, err
	}
	return txBatcher{p}, nil
}

// txBatcher commits batches with one transactional producer.
type txBatcher struct{ prod sarama.AsyncProducer }

// Close closes the producer.
func (b txBatcher) Close() error { return b.prod.Close() }

// fencedErr reports the producer was fenced by a newer one with its
// transactional id.
func fencedErr(err error) bool {
	return errors.Is(err, sarama.ErrProducerFenced) || errors.Is(err, sarama.ErrInvalidProducerEpoch)
}

// fenced marks an error of a fenced producer with sources.ErrFenced.
func fenced(err error) error {
	if fencedErr(err) {
		return fmt.Errorf("%w: %w", sources.ErrFenced, err)
	}
	return err
}

// CommitBatch writes one transaction: the records and the source offsets
// (see sources.TxBatcher). Records are handed to the producer without
// waiting one by one; the transaction commits once every record was
// acknowledged.
func (b txBatcher) CommitBatch(records []sources.Record, source, group string, next map[int32]int64) error {
	prod := b.prod
	if err := prod.BeginTxn(); err != nil {
		return fenced(fmt.Errorf("begin transaction: %w", err))
	}
	abort := func(err error) error {
		if fencedErr(err) {
			return fenced(err) // the coordinator aborted it; an abort would bump the epoch and fence the newer run
		}
		if aerr := prod.AbortTxn(); aerr != nil {
			return fmt.Errorf("%w (abort: %v)", err, aerr)
		}
		return err
	}
	var firstErr error
	results := 0
	collect := func() {
		for ; results < len(records); results++ {
			select {
			case <-prod.Successes():
			case perr := <-prod.Errors():
				if firstErr == nil {
					firstErr = perr.Err
				}
			}
		}
	}
	for _, r := range records {
		m := producerMessage(r)
		for sent := false; !sent; {
			select {
			case prod.Input() <- m:
				sent = true
			case <-prod.Successes():
				results++
			case perr := <-prod.Errors():
				results++
				if firstErr == nil {
					firstErr = perr.Err
				}
			}
		}
	}
	collect()
	if firstErr != nil {
		return abort(fmt.Errorf("produce: %w", firstErr))
	}
	offsets := make([]*sarama.PartitionOffsetMetadata, 0, len(next))
	for part, off := range next {
		offsets = append(offsets, &sarama.PartitionOffsetMetadata{Partition: part, Offset: off, LeaderEpoch: -1})
	}
	if err := prod.AddOffsetsToTxn(map[string][]*sarama.PartitionOffsetMetadata{source: offsets}, group); err != nil {
		return abort(fmt.Errorf("add offsets: %w", err))
	}
	if err := prod.CommitTxn(); err != nil {
		return abort(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// producerMessage builds the sarama record of a record.
func producerMessage(r sources.Record) *sarama.ProducerMessage {
	pm := &sarama.ProducerMessage{Topic: r.Stream, Partition: r.Partition}
	if r.Key != nil {
		pm.Key = sarama.ByteEncoder(r.Key)
	}
	if r.Value != nil {
		pm.Value = sarama.ByteEncoder(r.Value)
	}
	pm.Headers = make([]sarama.RecordHeader, len(r.Headers))
	for i, h := range r.Headers {
		pm.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
	}
	return pm
}
