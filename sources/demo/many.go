package demo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/IBM/sarama"
)

// ManyTopicPartitions is the partition count of each of Options.Topics's
// topics when Options.TopicPartitions is zero.
const ManyTopicPartitions = 10

// manyTeams, manyDomains and manyEntities make the names of the many
// topics: team.domain.entity-event.vN, and a dead-letter topic (.DLT) for
// every 40th.
var (
	manyTeams    = []string{"core", "growth", "billing", "search", "risk", "ledger", "identity", "logistics", "catalog", "notify", "ads", "data"}
	manyDomains  = []string{"orders", "payments", "users", "carts", "invoices", "refunds", "sessions", "stock", "prices", "emails", "clicks", "audits", "quotes", "claims"}
	manyEntities = []string{"created", "updated", "deleted", "snapshot", "changelog", "command", "retry", "compacted"}
)

// ManyTopicName is the name of the i-th of Options.Topics's topics.
func ManyTopicName(i int) string {
	if i%40 == 39 { // the dead-letter topic of the one before
		return ManyTopicName(i-1) + ".DLT"
	}
	team := manyTeams[i%len(manyTeams)]
	domain := manyDomains[(i/len(manyTeams))%len(manyDomains)]
	entity := manyEntities[(i/7)%len(manyEntities)]
	return team + "." + domain + "." + entity + ".v" + strconv.Itoa(i/(len(manyTeams)*len(manyDomains))+1)
}

// manyPartitions is the partition count of each of the many topics.
func (o Options) manyPartitions() int {
	if o.TopicPartitions > 0 {
		return o.TopicPartitions
	}
	return ManyTopicPartitions
}

// manyTopicNames names n topics, all distinct.
func manyTopicNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = ManyTopicName(i)
	}
	return out
}

// fillMany writes a few records to each of the many topics (topic i gets
// i%5, in its partitions 0, 1, ... of parts), so that their counts differ. The
// records go straight to the broker in produce requests of many topics
// each: a producer's per-topic machinery takes seconds for 10,000 topics.
func (c *Cluster) fillMany(names []string, parts int) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	broker := sarama.NewBroker(c.addr) // kfake's one broker leads every partition
	if err := broker.Open(cfg); err != nil {
		return fmt.Errorf("demo: fill the %d topics: %w", len(names), err)
	}
	defer broker.Close()
	const perRequest = 1000
	now := time.Now()
	for from := 0; from < len(names); from += perRequest {
		req := &sarama.ProduceRequest{Version: 3, RequiredAcks: sarama.WaitForLocal, Timeout: 10_000}
		for i := from; i < min(from+perRequest, len(names)); i++ {
			for j := 0; j < i%5; j++ {
				rec := &sarama.Record{Key: []byte("k" + strconv.Itoa(j)), Value: []byte(`{"seq":` + strconv.Itoa(j) + `}`)}
				req.AddBatch(names[i], int32(j%parts), &sarama.RecordBatch{Version: 2, FirstTimestamp: now, MaxTimestamp: now, Records: []*sarama.Record{rec}})
			}
		}
		resp, err := broker.Produce(req)
		if err != nil {
			return fmt.Errorf("demo: fill the %d topics: %w", len(names), err)
		}
		for topic, parts := range resp.Blocks {
			for p, b := range parts {
				if b.Err != sarama.ErrNoError {
					return fmt.Errorf("demo: fill %s/%d: %w", topic, p, b.Err)
				}
			}
		}
	}
	return nil
}
