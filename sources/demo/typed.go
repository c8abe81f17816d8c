package demo

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/IBM/sarama"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Topics of the demo whose values are registered schemas in the Confluent
// wire format.
const (
	// TopicPaymentsAvro holds Avro payments written by three versions of
	// the payment-service side by side (SubjectPaymentsAvro v1, v2, v3);
	// the v3 ones have Avro keys (SubjectPaymentsAvroKey), the others
	// plain string keys.
	TopicPaymentsAvro = "payments.avro"
	// TopicPaymentsAvroDLT holds the payments the ledger-service could not
	// process, with Spring Kafka provenance: mostly v3 ones.
	TopicPaymentsAvroDLT = "payments.avro.DLT"
	// TopicShipmentsProto holds Protobuf shipment events
	// (SubjectShipmentsProto): every third order's with v2.
	TopicShipmentsProto = "shipments.proto"
)

// Of every 60 orders (by sequence number), the payment-service writes 20
// payments with v1 of the schema, 30 with v2 and 10 with v3; the
// ledger-service fails on 9 of the 10 v3 payments and on one v2 payment,
// so 90% of payments.avro.DLT is v3 while 1 in 6 of payments.avro is.
const versionCycle = 60

// paymentVersion is the schema version (1-3) the payment of order seq is
// written with, and whether the ledger-service fails on it.
func paymentVersion(seq int) (version int, fails bool) {
	k := seq % versionCycle
	switch k % 6 {
	case 0, 1:
		return 1, false
	case 5:
		return 3, k != versionCycle-1
	default:
		return 2, k == 32
	}
}

// payment is a value of SubjectPaymentsAvro; each version encodes the
// fields its schema has.
type payment struct {
	PaymentID    string            `avro:"paymentId"`
	OrderID      string            `avro:"orderId"`
	Amount       *big.Rat          `avro:"amount"`
	Currency     string            `avro:"currency"`
	Status       string            `avro:"status"`
	AuthorizedAt time.Time         `avro:"authorizedAt"`
	ValueDate    time.Time         `avro:"valueDate"`
	Card         *card             `avro:"card"`
	Metadata     map[string]string `avro:"metadata"`
	RiskScore    *float64          `avro:"riskScore"`
}

type card struct {
	Brand    string `avro:"brand"`
	Last4    string `avro:"last4"`
	ExpMonth int    `avro:"expMonth"`
	ExpYear  int    `avro:"expYear"`
}

// typedRecord is a record of a typed topic and, when its consumer fails on
// it, the dead letter's builder.
type typedRecord struct {
	msg  *sarama.ProducerMessage
	dead func(produced *sarama.ProducerMessage) *sarama.ProducerMessage
}

// typedFlow writes the typed topics for the orders of a flow. It has its
// own random source, so the order flow's content does not depend on it.
type typedFlow struct {
	rng *rand.Rand
	reg *registry
}

func newTypedFlow(seed uint64, reg *registry) *typedFlow {
	return &typedFlow{rng: rand.New(rand.NewPCG(seed^0x5ca1ab1e0ddba11, seed+0x243f6a8885a308d3)), reg: reg}
}

// next returns the typed records of an order.
func (t *typedFlow) next(o orderFacts) ([]typedRecord, error) {
	pay, err := t.payment(o)
	if err != nil {
		return nil, err
	}
	ship, err := t.shipment(o)
	if err != nil {
		return nil, err
	}
	return []typedRecord{pay, ship}, nil
}

var cardBrands = []string{"visa", "mastercard", "amex"}

// ledgerFailure is one way the ledger-service fails on a payment.
type ledgerFailure struct {
	fqcn, cause, frame string
}

var ledgerFailures = map[string]ledgerFailure{
	"enum": {
		fqcn:  "org.springframework.kafka.support.serializer.DeserializationException",
		cause: "org.apache.avro.AvroTypeException",
		frame: "org.apache.avro.io.ResolvingDecoder.readEnum(ResolvingDecoder.java:269)",
	},
	"scale": {
		fqcn:  "com.acme.ledger.posting.PostingException",
		cause: "java.lang.ArithmeticException",
		frame: "com.acme.ledger.posting.LedgerPoster.post(LedgerPoster.java:112)",
	},
	"lock": {
		fqcn:  "org.springframework.dao.CannotAcquireLockException",
		cause: "org.postgresql.util.PSQLException",
		frame: "com.acme.ledger.posting.EntryRepository.save(EntryRepository.java:37)",
	},
}

// payment builds the Avro payment of an order.
func (t *typedFlow) payment(o orderFacts) (typedRecord, error) {
	version, fails := paymentVersion(o.seq)
	cents := int64(math.Round(o.total * 100))
	at := o.ref.At.Add(time.Duration(300+t.rng.IntN(900)) * time.Millisecond)
	p := payment{
		PaymentID: newUUID(t.rng), OrderID: o.ref.ID,
		Amount: big.NewRat(cents, 100), Currency: o.currency, Status: "AUTHORIZED",
		AuthorizedAt: at.UTC().Truncate(time.Millisecond),
		ValueDate:    time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC),
		Metadata:     map[string]string{"psp": "stripe", "channel": []string{"web", "app", "pos"}[t.rng.IntN(3)]},
	}
	if t.rng.IntN(10) == 0 {
		p.Status = "DECLINED"
		p.Metadata["declineCode"] = []string{"insufficient_funds", "do_not_honor", "expired_card"}[t.rng.IntN(3)]
	}
	if t.rng.IntN(5) > 0 {
		p.Card = &card{Brand: cardBrands[t.rng.IntN(len(cardBrands))], Last4: fmt.Sprintf("%04d", t.rng.IntN(10000)),
			ExpMonth: 1 + t.rng.IntN(12), ExpYear: at.Year() + 1 + t.rng.IntN(4)}
	} else {
		p.Metadata["method"] = "sepa_debit"
	}
	if version >= 2 && t.rng.IntN(10) < 7 {
		score := float64(t.rng.IntN(1000)) / 1000
		p.RiskScore = &score
	}
	kind := ""
	if fails {
		kind = "lock"
		if version == 3 {
			kind = []string{"enum", "scale"}[t.rng.IntN(2)]
		}
	}
	switch kind {
	case "enum": // a symbol v3 added
		p.Status = "PENDING_REVIEW"
		delete(p.Metadata, "declineCode")
	case "scale": // converted at a rate with sub-cent digits
		p.Amount = big.NewRat(cents*100+1+int64(t.rng.IntN(99)), 10000)
	}
	id := t.reg.paymentIDs[version-1]
	schema := t.reg.payments[version-1]
	value, err := sr.AppendEncode(nil, p, &sr.ConfluentHeader{}, id, nil, func(b []byte, v any) ([]byte, error) {
		body, err := avro.Marshal(schema, v)
		return append(b, body...), err
	})
	if err != nil {
		return typedRecord{}, fmt.Errorf("demo: encode payment of %s (v%d): %w", o.ref.ID, version, err)
	}
	var key sarama.Encoder = sarama.StringEncoder(o.ref.ID)
	if version == 3 {
		k, err := sr.AppendEncode(nil, o.ref.ID, &sr.ConfluentHeader{}, t.reg.keyID, nil, func(b []byte, v any) ([]byte, error) {
			body, err := avro.Marshal(t.reg.key, v)
			return append(b, body...), err
		})
		if err != nil {
			return typedRecord{}, fmt.Errorf("demo: encode payment key %s: %w", o.ref.ID, err)
		}
		key = sarama.ByteEncoder(k)
	}
	rec := typedRecord{msg: &sarama.ProducerMessage{
		Topic: TopicPaymentsAvro, Key: key, Value: sarama.ByteEncoder(value), Timestamp: at,
		Headers: []sarama.RecordHeader{header("producer", fmt.Sprintf("payment-service/%d.%d", 4+version, t.rng.IntN(3)))},
	}}
	if kind == "" {
		return rec, nil
	}
	lf := ledgerFailures[kind]
	var msg, causeMsg string
	switch kind {
	case "enum":
		causeMsg = "No match for PENDING_REVIEW"
		msg = fmt.Sprintf("failed to deserialize; nested exception is org.apache.kafka.common.errors.SerializationException: Error deserializing Avro message for id %d: %s", id, causeMsg)
	case "scale":
		causeMsg = "Rounding necessary"
		msg = fmt.Sprintf("Payment %s: amount %s %s has scale 4, ledger accounts hold 2 decimals: %s", p.PaymentID, p.Amount.FloatString(4), p.Currency, causeMsg)
	default:
		causeMsg = "ERROR: canceling statement due to lock timeout"
		msg = "could not execute statement; SQL [n/a]; " + causeMsg
	}
	delay := time.Duration(200+t.rng.IntN(2000)) * time.Millisecond
	rec.dead = func(orig *sarama.ProducerMessage) *sarama.ProducerMessage {
		trace := lf.fqcn + ": " + msg + "\n\tat " + lf.frame +
			"\n\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.doInvokeOnMessage(KafkaMessageListenerContainer.java:2869)" +
			"\n\tat java.base/java.lang.Thread.run(Thread.java:1583)" +
			"\nCaused by: " + lf.cause + ": " + causeMsg
		return &sarama.ProducerMessage{
			Topic: TopicPaymentsAvroDLT, Key: orig.Key, Value: orig.Value, Partition: orig.Partition,
			Timestamp: orig.Timestamp.Add(delay),
			Headers:   springProvenance(orig, "ledger-service", lf.fqcn, lf.cause, msg, trace),
		}
	}
	return rec, nil
}

var (
	cities       = []string{"Amsterdam", "Berlin", "London", "Paris", "Madrid", "Milano"}
	countryCodes = []string{"NL", "DE", "GB", "FR", "ES", "IT"}
)

// shipment builds the Protobuf shipment event of an order.
func (t *typedFlow) shipment(o orderFacts) (typedRecord, error) {
	version := 1
	if o.seq%3 == 0 {
		version = 2
	}
	md := t.reg.shipments[version-1]
	fields := md.Fields()
	at := o.ref.At.Add(time.Duration(2+t.rng.IntN(30)) * time.Second)
	m := dynamicpb.NewMessage(md)
	m.Set(fields.ByName("shipment_id"), protoreflect.ValueOfString("shp-"+newUUID(t.rng)[:8]))
	m.Set(fields.ByName("order_id"), protoreflect.ValueOfString(o.ref.ID))
	m.Set(fields.ByName("carrier"), protoreflect.ValueOfEnum(protoreflect.EnumNumber(1+t.rng.IntN(3+version)))) // v2 adds GLS
	ts := m.Mutable(fields.ByName("occurred_at")).Message()
	ts.Set(ts.Descriptor().Fields().ByName("seconds"), protoreflect.ValueOfInt64(at.Unix()))
	ts.Set(ts.Descriptor().Fields().ByName("nanos"), protoreflect.ValueOfInt32(int32(at.Nanosecond())))
	city := t.rng.IntN(len(cities))
	addr := m.Mutable(fields.ByName("destination")).Message()
	af := addr.Descriptor().Fields()
	addr.Set(af.ByName("line1"), protoreflect.ValueOfString(fmt.Sprintf("%d %s", 1+t.rng.IntN(200), []string{"Main St", "Dam", "Hauptstr.", "Rue Lafayette"}[t.rng.IntN(4)])))
	addr.Set(af.ByName("city"), protoreflect.ValueOfString(cities[city]))
	addr.Set(af.ByName("postal_code"), protoreflect.ValueOfString(fmt.Sprintf("%05d", t.rng.IntN(100000))))
	addr.Set(af.ByName("country_code"), protoreflect.ValueOfString(countryCodes[city]))
	labels := m.Mutable(fields.ByName("labels")).Map()
	labels.Set(protoreflect.ValueOfString("service").MapKey(), protoreflect.ValueOfString([]string{"standard", "express"}[t.rng.IntN(2)]))
	if t.rng.IntN(4) == 0 {
		labels.Set(protoreflect.ValueOfString("fragile").MapKey(), protoreflect.ValueOfString("true"))
	}
	parcels := m.Mutable(fields.ByName("parcels")).List()
	for i := 0; i < 1+t.rng.IntN(3); i++ {
		p := parcels.NewElement()
		pf := p.Message().Descriptor().Fields()
		p.Message().Set(pf.ByName("parcel_id"), protoreflect.ValueOfString(fmt.Sprintf("prc-%s-%d", o.ref.ID[4:], i+1)))
		p.Message().Set(pf.ByName("weight_grams"), protoreflect.ValueOfInt32(int32(200+t.rng.IntN(15000))))
		parcels.Append(p)
	}
	switch roll := t.rng.IntN(10); {
	case roll < 7:
		d := m.Mutable(fields.ByName("dispatched")).Message()
		d.Set(d.Descriptor().Fields().ByName("tracking_no"), protoreflect.ValueOfString(fmt.Sprintf("TRK%010d", t.rng.IntN(1e9))))
		d.Set(d.Descriptor().Fields().ByName("warehouse"), protoreflect.ValueOfString([]string{"AMS-2", "FRA-1", "LHR-3"}[t.rng.IntN(3)]))
	case roll < 9:
		d := m.Mutable(fields.ByName("delivered")).Message()
		d.Set(d.Descriptor().Fields().ByName("signed_by"), protoreflect.ValueOfString([]string{"J. Jansen", "M. Müller", "A. Smith", "front desk"}[t.rng.IntN(4)]))
	default:
		d := m.Mutable(fields.ByName("failed")).Message()
		d.Set(d.Descriptor().Fields().ByName("reason"), protoreflect.ValueOfString([]string{"recipient not at home", "address not found", "refused"}[t.rng.IntN(3)]))
		d.Set(d.Descriptor().Fields().ByName("attempt"), protoreflect.ValueOfInt32(int32(1+t.rng.IntN(3))))
	}
	if version == 2 {
		eta := at.Add(time.Duration(24+t.rng.IntN(72)) * time.Hour).Truncate(time.Hour)
		ts := m.Mutable(fields.ByName("estimated_delivery")).Message()
		ts.Set(ts.Descriptor().Fields().ByName("seconds"), protoreflect.ValueOfInt64(eta.Unix()))
	}
	value, err := sr.AppendEncode(nil, m, &sr.ConfluentHeader{}, t.reg.shipmentIDs[version-1], shipmentEventIndex, func(b []byte, v any) ([]byte, error) {
		return proto.MarshalOptions{Deterministic: true}.MarshalAppend(b, v.(proto.Message))
	})
	if err != nil {
		return typedRecord{}, fmt.Errorf("demo: encode shipment of %s: %w", o.ref.ID, err)
	}
	return typedRecord{msg: &sarama.ProducerMessage{
		Topic: TopicShipmentsProto, Key: sarama.StringEncoder(o.ref.ID), Value: sarama.ByteEncoder(value), Timestamp: at,
		Headers: []sarama.RecordHeader{header("producer", "fulfilment-service")},
	}}, nil
}

// seedTyped writes the typed records of the orders it receives once the
// channel is closed; it runs while the order flow is seeded.
func (c *Cluster) seedTyped(orders <-chan orderFacts) error {
	var recs []typedRecord
	var err error
	for o := range orders {
		if err != nil {
			continue // drain, so the sender never blocks
		}
		var r []typedRecord
		r, err = c.typed.next(o)
		recs = append(recs, r...)
	}
	if err != nil {
		return err
	}
	return c.produceTyped(recs, false)
}

// produceTyped writes typed records in one batch, then the dead letters of
// those that failed (which name the partition and offset they got).
func (c *Cluster) produceTyped(recs []typedRecord, live bool) error {
	if len(recs) == 0 {
		return nil
	}
	msgs := make([]*sarama.ProducerMessage, len(recs))
	for i, r := range recs {
		if live {
			r.msg.Timestamp = time.Now()
		}
		msgs[i] = r.msg
	}
	if err := c.producer.SendMessages(msgs); err != nil {
		return fmt.Errorf("demo: typed topics: %w", err)
	}
	var dead []*sarama.ProducerMessage
	for _, r := range recs {
		if r.dead != nil {
			d := r.dead(r.msg)
			if live {
				d.Timestamp = time.Now()
			}
			dead = append(dead, d)
		}
	}
	if len(dead) == 0 {
		return nil
	}
	if err := c.producer.SendMessages(dead); err != nil {
		return fmt.Errorf("demo: %s: %w", TopicPaymentsAvroDLT, err)
	}
	return nil
}
