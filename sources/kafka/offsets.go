package kafka

import (
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// tp names one partition of one topic.
type tp struct {
	topic     string
	partition int32
}

// topicPartitions names the partitions parts of topic.
func topicPartitions(topic string, parts []int32) []tp {
	tps := make([]tp, len(parts))
	for i, p := range parts {
		tps[i] = tp{topic, p}
	}
	return tps
}

// listBounds lists each partition's oldest and newest offsets (the two
// requests at the same time).
func (c *Conn) listBounds(parts []tp) (lows, highs map[tp]int64, err error) {
	var lowErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		lows, lowErr = c.listOffsets(parts, sarama.OffsetOldest)
	}()
	highs, err = c.listOffsets(parts, sarama.OffsetNewest)
	<-done
	if lowErr != nil {
		return nil, nil, lowErr
	}
	if err != nil {
		return nil, nil, err
	}
	return lows, highs, nil
}

// listOffsets asks each partition's leader, one request per broker, for the
// offset at time ts (sarama.OffsetOldest, sarama.OffsetNewest or unix millis).
// A partition with no message at or after ts gets -1.
func (c *Conn) listOffsets(parts []tp, ts int64) (map[tp]int64, error) {
	byBroker := map[*sarama.Broker][]tp{}
	for _, p := range parts {
		b, err := c.client.Leader(p.topic, p.partition)
		if err != nil {
			return nil, fmt.Errorf("leader of %s/%d: %w", p.topic, p.partition, err)
		}
		byBroker[b] = append(byBroker[b], p)
	}
	out := make(map[tp]int64, len(parts))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for b, ps := range byBroker {
		wg.Add(1)
		go func(b *sarama.Broker, ps []tp) {
			defer wg.Done()
			req := &sarama.OffsetRequest{Version: 1}
			for _, p := range ps {
				req.AddBlock(p.topic, p.partition, ts, 1)
			}
			resp, err := b.GetAvailableOffsets(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("list offsets on broker %s: %w", b.Addr(), err)
				}
				return
			}
			for _, p := range ps {
				blk := resp.GetBlock(p.topic, p.partition)
				switch {
				case blk == nil:
					if firstErr == nil {
						firstErr = fmt.Errorf("list offsets %s/%d: no answer", p.topic, p.partition)
					}
				case blk.Err != sarama.ErrNoError:
					if firstErr == nil {
						firstErr = fmt.Errorf("list offsets %s/%d: %w", p.topic, p.partition, blk.Err)
					}
				default:
					out[p] = blk.Offset
				}
			}
		}(b, ps)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
