package demo

import (
	"time"

	"github.com/IBM/sarama"
)

// pinned marks a demo message written to the partition it names rather
// than the one its key hashes to (Metadata): a producer that split a key.
type pinned struct{}

// demoPartitioner hashes keys, except on the dead-letter topics (Spring's
// recoverer keeps the original partition) and for pinned messages.
type demoPartitioner struct {
	hash, manual sarama.Partitioner
	keep         bool
}

func newDemoPartitioner(topic string) sarama.Partitioner {
	return &demoPartitioner{hash: sarama.NewHashPartitioner(topic), manual: sarama.NewManualPartitioner(topic),
		keep: topic == TopicOrdersDLT || topic == TopicPaymentsAvroDLT}
}

// Partition picks the message's partition.
func (p *demoPartitioner) Partition(m *sarama.ProducerMessage, n int32) (int32, error) {
	if _, ok := m.Metadata.(pinned); ok || p.keep {
		return p.manual.Partition(m, n)
	}
	return p.hash.Partition(m, n)
}

// RequiresConsistency is true: a key keeps its partition.
func (p *demoPartitioner) RequiresConsistency() bool { return true }

// The payments the flow's health check finds flawed (mqscope check
// payments, H on payments): each entity is an order whose payment events
// carry a seq.
const (
	HealthRetried   = "ord-009001" // seq 2 written twice in a row (a producer retry); seq 1 again much later (a re-publish)
	HealthReordered = "ord-009002" // seq 3 before seq 2
	HealthGap       = "ord-009003" // seq 3 never written
	HealthSplit     = "ord-009004" // seq 2 on another partition than seq 1
	HealthRedriven  = "ord-009005" // seq 1 again later, as a redrive's copy
)

// healthEvent is a payment lifecycle event numbered per order.
type healthEvent struct {
	Type    string  `json:"type"`
	OrderID string  `json:"orderId"`
	Seq     int     `json:"seq"`
	Amount  float64 `json:"amount"`
	Status  string  `json:"status"`
}

var lifecycle = []string{"", "PaymentAuthorized", "PaymentCaptured", "PaymentSettled", "PaymentPaidOut"}

func healthPayment(order string, seq int, at time.Time) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{
		Topic: TopicPayments, Key: sarama.StringEncoder(order), Timestamp: at,
		Headers: []sarama.RecordHeader{header("content-type", "application/json"), header("producer", "payment-service")},
		Value: sarama.ByteEncoder(mustJSON(healthEvent{Type: lifecycle[seq], OrderID: order, Seq: seq, Amount: 42.5,
			Status: map[int]string{1: "AUTHORIZED", 2: "CAPTURED", 3: "SETTLED", 4: "PAID_OUT"}[seq]})),
	}
}

// healthFlaws are the flawed payments written early in the seeded
// history; healthLate those written later (the far copies).
func healthFlaws(at time.Time) []*sarama.ProducerMessage {
	tick := func(i int) time.Time { return at.Add(time.Duration(i) * 100 * time.Millisecond) }
	split := healthPayment(HealthSplit, 2, tick(11))
	split.Metadata = pinned{}
	return []*sarama.ProducerMessage{
		healthPayment(HealthRetried, 1, tick(0)), healthPayment(HealthRetried, 2, tick(1)), healthPayment(HealthRetried, 2, tick(1)), healthPayment(HealthRetried, 3, tick(2)),
		healthPayment(HealthReordered, 1, tick(3)), healthPayment(HealthReordered, 3, tick(4)), healthPayment(HealthReordered, 2, tick(5)),
		healthPayment(HealthGap, 1, tick(6)), healthPayment(HealthGap, 2, tick(7)), healthPayment(HealthGap, 4, tick(8)),
		healthPayment(HealthSplit, 1, tick(9)), split,
		healthPayment(HealthRedriven, 1, tick(12)),
	}
}

// healthLate are the copies written later: a re-publish, and a redrive's
// copy with mqscope's provenance.
func healthLate(at time.Time, first []*sarama.ProducerMessage) []*sarama.ProducerMessage {
	again := healthPayment(HealthRetried, 1, at)
	again.Timestamp = first[0].Timestamp
	redriven := healthPayment(HealthRedriven, 1, at)
	redriven.Timestamp = first[len(first)-1].Timestamp
	redriven.Headers = append(redriven.Headers,
		header("x-mqscope-redrive-id", "rd-demo-1"), header("x-mqscope-redrive-hops", "1"),
		// from a dead-letter topic the demo does not have, so no redrive of
		// its own DLTs takes it for an earlier run's copy
		header("x-mqscope-redrive-source", TopicPayments+".DLT"), header("x-mqscope-redrive-position", "1/7"))
	return []*sarama.ProducerMessage{again, redriven}
}

// splitPartition is where the split entity's second event goes: the
// partition after the one its key hashes to.
func splitPartition(m *sarama.ProducerMessage, n int32) int32 {
	p, _ := sarama.NewHashPartitioner(TopicPayments).Partition(m, n)
	return (p + 1) % n
}
