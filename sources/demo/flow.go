package demo

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/IBM/sarama"
)

// Topic names of the demo flow.
const (
	TopicOrders     = "orders"
	TopicPayments   = "payments"
	TopicShipments  = "shipments"
	TopicInventory  = "inventory.snapshots"
	TopicOrdersDLT  = "orders.DLT"
	TopicConnectDLQ = "connect.dlq"
)

// topicPartitions is every demo topic with its partition count.
var topicPartitions = []struct {
	name       string
	partitions int32
}{
	{TopicOrders, 3}, {TopicPayments, 3}, {TopicShipments, 3},
	{TopicInventory, 2}, {TopicOrdersDLT, 3}, {TopicConnectDLQ, 1},
	{TopicPaymentsAvro, 3}, {TopicPaymentsAvroDLT, 3}, {TopicShipmentsProto, 3},
}

// flow generates a realistic order -> payment -> shipment flow, with some
// orders failing into orders.DLT (Spring Kafka) and some payments failing a
// JDBC sink connector into connect.dlq (Kafka Connect).
type flow struct {
	rng  *rand.Rand
	seq  int
	last OrderRef // the order next made last
	// lastTotal and lastCurrency are the last order's total and currency.
	lastTotal    float64
	lastCurrency string
}

// orderFacts is what the typed topics say about one order.
type orderFacts struct {
	seq      int
	ref      OrderRef
	total    float64
	currency string
}

// facts returns the facts of the order next made last.
func (f *flow) facts() orderFacts {
	return orderFacts{seq: f.seq, ref: f.last, total: f.lastTotal, currency: f.lastCurrency}
}

// OrderRef names one order of the Kafka demo: its id, the correlation id
// every event about it carries, and when it was placed.
type OrderRef struct {
	ID, Correlation string
	At              time.Time
}

func newFlow(seed uint64) *flow {
	return &flow{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// The demo's JSON events, fields in the order a service would write them.
type (
	orderLine struct {
		SKU       string  `json:"sku"`
		Qty       int     `json:"qty"`
		UnitPrice float64 `json:"unitPrice"`
	}
	orderCreated struct {
		Type       string      `json:"type"`
		OrderID    string      `json:"orderId"`
		CustomerID string      `json:"customerId"`
		Currency   string      `json:"currency"`
		Total      float64     `json:"total"`
		Lines      []orderLine `json:"lines"`
		CreatedAt  string      `json:"createdAt"`
	}
	paymentEvent struct {
		Type      string  `json:"type"`
		PaymentID string  `json:"paymentId"`
		OrderID   string  `json:"orderId"`
		Amount    float64 `json:"amount"`
		Currency  string  `json:"currency"`
		Status    string  `json:"status"`
		PSP       string  `json:"psp"`
	}
	shipmentEvent struct {
		Type       string `json:"type"`
		ShipmentID string `json:"shipmentId"`
		OrderID    string `json:"orderId"`
		Carrier    string `json:"carrier"`
		Warehouse  string `json:"warehouse"`
		TrackingNo string `json:"trackingNo"`
	}
)

// step is one business event: the messages to produce now and, once the
// first is written (its partition and offset known), the failure to record.
type step struct {
	msgs []*sarama.ProducerMessage
	// fail builds dead letters for msgs[i] once produced; nil when none.
	fail func(produced []*sarama.ProducerMessage) []*sarama.ProducerMessage
}

var (
	customers = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"}
	skus      = []string{"SKU-1001", "SKU-1002", "SKU-2040", "SKU-3300", "SKU-4711", "SKU-5150", "SKU-8080"}
	carriers  = []string{"dhl", "ups", "fedex", "postnl"}
	currency  = []string{"EUR", "USD", "GBP"}
)

func (f *flow) uuid() string { return newUUID(f.rng) }

// newUUID makes a random (version 4) UUID from rng.
func newUUID(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

func header(k, v string) sarama.RecordHeader {
	return sarama.RecordHeader{Key: []byte(k), Value: []byte(v)}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("demo: marshal fixed event: %v", err)) // only fixed, known-good types reach here
	}
	return b
}

// next returns the events of one order at time now.
func (f *flow) next(now time.Time) []step {
	f.seq++
	orderID := fmt.Sprintf("ord-%06d", 10000+f.seq)
	corr := f.uuid()
	f.last = OrderRef{ID: orderID, Correlation: corr, At: now}
	trace := fmt.Sprintf("00-%016x%016x-%016x-01", f.rng.Uint64(), f.rng.Uint64(), f.rng.Uint64())
	customer := customers[f.rng.IntN(len(customers))]
	cur := currency[f.rng.IntN(len(currency))]
	var lines []orderLine
	total := 0.0
	for i := 0; i < 1+f.rng.IntN(3); i++ {
		qty := 1 + f.rng.IntN(4)
		price := float64(500+f.rng.IntN(20000)) / 100
		total += float64(qty) * price
		lines = append(lines, orderLine{SKU: skus[f.rng.IntN(len(skus))], Qty: qty, UnitPrice: price})
	}
	total = float64(int(total*100)) / 100
	f.lastTotal, f.lastCurrency = total, cur
	common := func(schema string) []sarama.RecordHeader {
		return []sarama.RecordHeader{
			header("correlation-id", corr),
			header("traceparent", trace),
			header("schema-version", schema),
			header("content-type", "application/json"),
		}
	}
	roll := f.rng.Float64()
	order := &sarama.ProducerMessage{
		Topic:     TopicOrders,
		Key:       sarama.StringEncoder(orderID),
		Timestamp: now,
		Headers:   append(common("3"), header("producer", "checkout-service")),
		Value: sarama.ByteEncoder(mustJSON(orderCreated{
			Type: "OrderCreated", OrderID: orderID, CustomerID: customer,
			Currency: cur, Total: total, Lines: lines,
			CreatedAt: now.UTC().Format(time.RFC3339Nano),
		})),
	}
	var steps []step
	switch {
	case roll < 0.04: // a poison message: Confluent Avro wire format on a JSON topic
		order.Value = sarama.ByteEncoder(f.avroFramed(orderID, total))
		order.Headers = append(common("avro-7"), header("producer", "legacy-pos-gateway"))
		steps = append(steps, step{msgs: []*sarama.ProducerMessage{order}, fail: f.springDLT(now, "deserialize")})
		return steps
	case roll < 0.08:
		steps = append(steps, step{msgs: []*sarama.ProducerMessage{order}, fail: f.springDLT(now, "timeout")})
		return steps
	case roll < 0.11:
		steps = append(steps, step{msgs: []*sarama.ProducerMessage{order}, fail: f.springDLT(now, "duplicate")})
		return steps
	case roll < 0.14:
		order.Value = sarama.ByteEncoder(mustJSON(orderCreated{
			Type: "OrderCreated", OrderID: orderID, CustomerID: customer,
			Currency: cur, Total: -total, Lines: lines,
			CreatedAt: now.UTC().Format(time.RFC3339Nano),
		}))
		steps = append(steps, step{msgs: []*sarama.ProducerMessage{order}, fail: f.springDLT(now, "validation")})
		return steps
	}
	steps = append(steps, step{msgs: []*sarama.ProducerMessage{order}})

	payAt := now.Add(time.Duration(200+f.rng.IntN(800)) * time.Millisecond)
	declined := f.rng.Float64() < 0.1
	status := "AUTHORIZED"
	if declined {
		status = "DECLINED"
	}
	payment := &sarama.ProducerMessage{
		Topic:     TopicPayments,
		Key:       sarama.StringEncoder(orderID),
		Timestamp: payAt,
		Headers:   append(common("2"), header("producer", "payment-service")),
		Value: sarama.ByteEncoder(mustJSON(paymentEvent{
			Type:      "Payment" + map[bool]string{true: "Declined", false: "Authorized"}[declined],
			PaymentID: "pay-" + f.uuid()[:8], OrderID: orderID, Amount: total,
			Currency: cur, Status: status, PSP: "stripe",
		})),
	}
	var connectFail func([]*sarama.ProducerMessage) []*sarama.ProducerMessage
	if f.rng.Float64() < 0.12 {
		connectFail = f.connectDLQ(payAt)
	}
	steps = append(steps, step{msgs: []*sarama.ProducerMessage{payment}, fail: connectFail})
	if declined {
		return steps
	}
	shipAt := payAt.Add(time.Duration(1+f.rng.IntN(5)) * time.Second)
	steps = append(steps, step{msgs: []*sarama.ProducerMessage{{
		Topic:     TopicShipments,
		Key:       sarama.StringEncoder(orderID),
		Timestamp: shipAt,
		Headers:   append(common("1"), header("producer", "fulfilment-service")),
		Value: sarama.ByteEncoder(mustJSON(shipmentEvent{
			Type: "ShipmentCreated", ShipmentID: "shp-" + f.uuid()[:8], OrderID: orderID,
			Carrier: carriers[f.rng.IntN(len(carriers))], Warehouse: "AMS-2",
			TrackingNo: fmt.Sprintf("%s%010d", "TRK", f.rng.IntN(1e9)),
		})),
	}}})
	if f.seq%5 == 0 {
		steps = append(steps, step{msgs: []*sarama.ProducerMessage{f.inventorySnapshot(shipAt)}})
	}
	return steps
}

// avroFramed returns bytes in the Confluent wire format: magic 0, a 4-byte
// schema id, then an Avro-like body. It is not valid UTF-8.
func (f *flow) avroFramed(orderID string, total float64) []byte {
	b := []byte{0x00, 0x00, 0x00, 0x01, 0xa7}
	b = append(b, byte(len(orderID)<<1))
	b = append(b, orderID...)
	var cents [8]byte
	binary.LittleEndian.PutUint64(cents[:], uint64(total*100))
	b = append(b, cents[:]...)
	return append(b, 0xff, 0xfe, 0x02, 0x80)
}

// inventorySnapshot is a binary (protobuf-style) value; every fourth one is
// a tombstone (null value) for a retired SKU.
func (f *flow) inventorySnapshot(at time.Time) *sarama.ProducerMessage {
	sku := skus[f.rng.IntN(len(skus))]
	m := &sarama.ProducerMessage{
		Topic: TopicInventory, Key: sarama.StringEncoder(sku), Timestamp: at,
		Headers: []sarama.RecordHeader{header("content-type", "application/x-protobuf"), header("schema-version", "inventory.v1.Snapshot")},
	}
	if f.seq%20 == 0 {
		return m // tombstone
	}
	// field 1 (string sku), field 2 (varint on hand), field 3 (fixed64 time)
	b := []byte{0x0a, byte(len(sku))}
	b = append(b, sku...)
	b = append(b, 0x10)
	b = binary.AppendUvarint(b, uint64(f.rng.IntN(5000)))
	b = append(b, 0x19)
	b = binary.LittleEndian.AppendUint64(b, uint64(at.UnixMilli()))
	m.Value = sarama.ByteEncoder(b)
	return m
}

// springFailure is one way an order fails in the order-service.
type springFailure struct {
	fqcn, cause, message, frame string
}

var springFailures = map[string]springFailure{
	"deserialize": {
		fqcn:    "org.springframework.kafka.support.serializer.DeserializationException",
		cause:   "org.apache.kafka.common.errors.SerializationException",
		message: "failed to deserialize; nested exception is org.apache.kafka.common.errors.SerializationException: Unknown magic byte!",
		frame:   "org.springframework.kafka.support.serializer.ErrorHandlingDeserializer.deserialize(ErrorHandlingDeserializer.java:202)",
	},
	"timeout": {
		fqcn:    "org.springframework.web.client.ResourceAccessException",
		cause:   "java.net.SocketTimeoutException",
		message: "I/O error on POST request for \"http://inventory-service:8080/reservations\": Read timed out after %d ms",
		frame:   "com.acme.orders.inventory.InventoryClient.reserve(InventoryClient.java:88)",
	},
	"duplicate": {
		fqcn:    "org.springframework.dao.DataIntegrityViolationException",
		cause:   "org.postgresql.util.PSQLException",
		message: "could not execute statement; SQL [n/a]; constraint [orders_pkey]; duplicate key value violates unique constraint \"orders_pkey\" Detail: Key (order_id)=(%s) already exists.",
		frame:   "com.acme.orders.OrderRepository.save(OrderRepository.java:41)",
	},
	"validation": {
		fqcn:    "com.acme.orders.validation.OrderValidationException",
		message: "Order %s rejected: total %.2f must be positive",
		frame:   "com.acme.orders.validation.OrderValidator.validate(OrderValidator.java:57)",
	},
}

// springDLT returns a builder of the Spring Kafka dead letter for an order
// that failed with the named failure.
func (f *flow) springDLT(at time.Time, kind string) func([]*sarama.ProducerMessage) []*sarama.ProducerMessage {
	sf := springFailures[kind]
	timeoutMs := 5000 + 1000*f.rng.IntN(26)
	delay := time.Duration(500+f.rng.IntN(3000)) * time.Millisecond
	return func(produced []*sarama.ProducerMessage) []*sarama.ProducerMessage {
		orig := produced[0]
		key, _ := orig.Key.Encode()
		value, _ := orig.Value.Encode()
		var msg string
		switch kind {
		case "timeout":
			msg = fmt.Sprintf(sf.message, timeoutMs)
		case "duplicate":
			msg = fmt.Sprintf(sf.message, key)
		case "validation":
			var ev struct{ Total float64 }
			_ = json.Unmarshal(value, &ev)
			msg = fmt.Sprintf(sf.message, key, ev.Total)
		default:
			msg = sf.message
		}
		trace := sf.fqcn + ": " + msg + "\n\tat " + sf.frame +
			"\n\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.doInvokeOnMessage(KafkaMessageListenerContainer.java:2869)" +
			"\n\tat java.base/java.lang.Thread.run(Thread.java:1583)"
		if sf.cause != "" {
			trace += "\nCaused by: " + sf.cause + ": " + msg
		}
		headers := springProvenance(orig, "order-service", sf.fqcn, sf.cause, msg, trace)
		return []*sarama.ProducerMessage{{
			Topic: TopicOrdersDLT, Key: orig.Key, Value: orig.Value,
			Partition: orig.Partition, Timestamp: at.Add(delay), Headers: headers,
		}}
	}
}

// springProvenance returns the headers Spring Kafka's dead-letter
// recoverer writes for orig: its own, then where it came from and why it
// failed.
func springProvenance(orig *sarama.ProducerMessage, group, fqcn, cause, msg, trace string) []sarama.RecordHeader {
	var part [4]byte
	binary.BigEndian.PutUint32(part[:], uint32(orig.Partition))
	var off, ts [8]byte
	binary.BigEndian.PutUint64(off[:], uint64(orig.Offset))
	binary.BigEndian.PutUint64(ts[:], uint64(orig.Timestamp.UnixMilli()))
	headers := append([]sarama.RecordHeader{}, orig.Headers...)
	headers = append(headers,
		sarama.RecordHeader{Key: []byte("kafka_dlt-original-topic"), Value: []byte(orig.Topic)},
		sarama.RecordHeader{Key: []byte("kafka_dlt-original-partition"), Value: part[:]},
		sarama.RecordHeader{Key: []byte("kafka_dlt-original-offset"), Value: off[:]},
		sarama.RecordHeader{Key: []byte("kafka_dlt-original-timestamp"), Value: ts[:]},
		header("kafka_dlt-original-timestamp-type", "CreateTime"),
		header("kafka_dlt-original-consumer-group", group),
		header("kafka_dlt-exception-fqcn", fqcn),
	)
	if cause != "" {
		headers = append(headers, header("kafka_dlt-exception-cause-fqcn", cause))
	}
	return append(headers,
		header("kafka_dlt-exception-message", msg),
		header("kafka_dlt-exception-stacktrace", trace),
	)
}

// connectFailure is one way the JDBC sink connector fails on a payment.
type connectFailure struct {
	stage, class, exception, message string
}

var connectFailures = []connectFailure{
	{"VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter", "org.apache.kafka.connect.errors.DataException",
		"Converting byte[] to Kafka Connect data failed due to serialization error of topic payments: "},
	{"TASK_PUT", "io.confluent.connect.jdbc.sink.JdbcSinkTask", "java.sql.BatchUpdateException",
		"Batch entry 0 INSERT INTO \"payments\" (\"paymentId\",\"orderId\",\"amount\",\"currency\") VALUES (...) was aborted: ERROR: value too long for type character varying(3)  Call getNextException to see other errors in the batch."},
	{"TRANSFORMATION", "org.apache.kafka.connect.transforms.Cast$Value", "org.apache.kafka.connect.errors.DataException",
		"Unexpected type in Cast transformation: STRUCT"},
}

// connectDLQ returns a builder of the Kafka Connect dead letter of a payment
// the JDBC sink connector could not write.
func (f *flow) connectDLQ(at time.Time) func([]*sarama.ProducerMessage) []*sarama.ProducerMessage {
	cf := connectFailures[f.rng.IntN(len(connectFailures))]
	task := f.rng.IntN(3)
	return func(produced []*sarama.ProducerMessage) []*sarama.ProducerMessage {
		orig := produced[0]
		const p = "__connect.errors."
		headers := []sarama.RecordHeader{
			header(p+"topic", orig.Topic),
			header(p+"partition", fmt.Sprint(orig.Partition)),
			header(p+"offset", fmt.Sprint(orig.Offset)),
			header(p+"connector.name", "jdbc-sink-payments"),
			header(p+"task.id", fmt.Sprint(task)),
			header(p+"stage", cf.stage),
			header(p+"class.name", cf.class),
			header(p+"exception.class.name", cf.exception),
			header(p+"exception.message", cf.message),
			header(p+"exception.stacktrace", cf.exception+": "+cf.message+"\n\tat "+cf.class+".apply(Unknown Source)\n\tat org.apache.kafka.connect.runtime.WorkerSinkTask.convertAndTransformRecord(WorkerSinkTask.java:536)"),
		}
		return []*sarama.ProducerMessage{{
			Topic: TopicConnectDLQ, Key: orig.Key, Value: orig.Value,
			Timestamp: at.Add(2 * time.Second), Headers: headers,
		}}
	}
}

// inventoryReport is one large JSON value (about 250 KB): a full stock
// report, so the UI's truncation of large values can be seen.
func (f *flow) inventoryReport(at time.Time) *sarama.ProducerMessage {
	type item struct {
		SKU       string `json:"sku"`
		Warehouse string `json:"warehouse"`
		OnHand    int    `json:"onHand"`
		Reserved  int    `json:"reserved"`
		Bin       string `json:"bin"`
	}
	report := struct {
		Type      string `json:"type"`
		ReportID  string `json:"reportId"`
		CreatedAt string `json:"createdAt"`
		Items     []item `json:"items"`
	}{Type: "InventoryReport", ReportID: "rep-" + f.uuid()[:8], CreatedAt: at.UTC().Format(time.RFC3339)}
	for i := 0; i < 3000; i++ {
		report.Items = append(report.Items, item{
			SKU: fmt.Sprintf("SKU-%04d", 1000+i), Warehouse: []string{"AMS-2", "FRA-1", "LHR-3"}[i%3],
			OnHand: f.rng.IntN(5000), Reserved: f.rng.IntN(100), Bin: fmt.Sprintf("A%02d-%03d", i%40, i),
		})
	}
	return &sarama.ProducerMessage{
		Topic: TopicInventory, Key: sarama.StringEncoder("report-full"), Timestamp: at,
		Value:   sarama.ByteEncoder(mustJSON(report)),
		Headers: []sarama.RecordHeader{header("content-type", "application/json"), header("schema-version", "inventory.v1.Report")},
	}
}
