package trace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/trace"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testbroker.ProcessWide()...)
}

func TestCorrelation(t *testing.T) {
	m := sources.Message{Key: []byte("ord-1"), Headers: []sources.Header{{Key: "traceparent", Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}}}
	if via, v, _ := trace.Correlation(&m, nil); via != "traceparent" || v != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("traceparent: %s %s", via, v)
	}
	m.Headers = append(m.Headers, sources.Header{Key: "correlation-id", Value: []byte("c-1")})
	if via, v, _ := trace.Correlation(&m, nil); via != "correlation-id" || v != "c-1" {
		t.Fatalf("correlation-id first: %s %s", via, v)
	}
	amqp := sources.Message{Properties: []sources.Property{{Name: "correlation-id", Value: "c-2"}}}
	if via, v, _ := trace.Correlation(&amqp, nil); via != "correlation-id" || v != "c-2" {
		t.Fatalf("AMQP property: %s %s", via, v)
	}
	if via, v, _ := trace.Correlation(&sources.Message{Key: []byte("k")}, []string{"x-id"}); via != "key" || v != "k" {
		t.Fatalf("key: %s %s", via, v)
	}
	if _, _, ok := trace.Correlation(&sources.Message{}, nil); ok {
		t.Fatal("nothing to trace")
	}
}

// TestTraceAcrossKafkaAndRabbitMQ: the Kafka demo and the RabbitMQ demo
// (in a vhost of its own, carrying on the Kafka demo's latest orders) are
// traced together: an order that shipped shows orders -> payments ->
// shipments in time order; the newest order shows its Kafka events and its
// death in RabbitMQ's orders.parking.
func TestTraceAcrossKafkaAndRabbitMQ(t *testing.T) {
	ctx := context.Background()
	cl, err := demo.Start(ctx, demo.Options{Port: -1, History: 120, TrickleEvery: -1, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	base, api := testbroker.RabbitURLs()
	vhost := fmt.Sprintf("mqscope-test-trace-%d", rand.IntN(1e6))
	url, err := demo.SeedRabbit(ctx, demo.RabbitOptions{URL: base, Vhost: vhost, Seed: 1, Orders: cl.Orders})
	if err != nil {
		t.Fatalf("seed RabbitMQ (scripts/test starts it with its management API): %v", err)
	}
	mgmt, _ := rabbitmq.NewManagement(api, "", "")
	t.Cleanup(func() {
		_ = mgmt.DeleteVhost(context.Background(), vhost)
		mgmt.Close()
	})
	kc, err := kafka.Dial(ctx, kafka.Options{Name: "kafka", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	rc, err := rabbitmq.Dial(ctx, rabbitmq.Options{Name: "rabbit", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	conns := []sources.Conn{kc, rc}

	// An order that shipped: its path through the three services' topics.
	ship := testbroker.ReadAll(t, kc, demo.TopicShipments)[0]
	_, corr, _ := trace.Correlation(&ship, nil)
	var calls int
	res, err := trace.Run(ctx, conns, corr, trace.Options{}, func(trace.Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for i, h := range res.Hits {
		path = append(path, h.Stream)
		if i > 0 && h.Timestamp.Before(res.Hits[i-1].Timestamp) {
			t.Fatalf("not in time order: %v", res.Hits)
		}
	}
	if len(path) != 3 || path[0] != demo.TopicOrders || path[1] != demo.TopicPayments || path[2] != demo.TopicShipments {
		t.Fatalf("path of %s: %v", corr, path)
	}
	if res.Hits[0].Event != "OrderCreated" || res.Hits[2].Event != "ShipmentCreated" || calls != res.Streams {
		t.Fatalf("events %q %q, %d progress calls for %d streams", res.Hits[0].Event, res.Hits[2].Event, calls, res.Streams)
	}
	if len(res.Skipped) == 0 {
		t.Fatal("the RabbitMQ work queues were not skipped")
	}

	// The newest order: rejected by the RabbitMQ consumer, it died in orders.parking.
	newest := cl.Orders[len(cl.Orders)-1]
	res, err = trace.Run(ctx, conns, newest.Correlation, trace.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	byConn := map[string]int{}
	var died *trace.Hit
	for i, h := range res.Hits {
		byConn[h.Conn]++
		if h.Stream == "orders.parking" {
			died = &res.Hits[i]
		}
	}
	if byConn["kafka"] == 0 || byConn["rabbit"] < 2 || died == nil || died.Died != "rejected: in orders.work" {
		t.Fatalf("newest order %s: %+v", newest.ID, res.Hits)
	}
	if res.Hits[len(res.Hits)-1].Conn != "rabbit" {
		t.Fatal("the RabbitMQ side was seeded after the Kafka history: it comes last")
	}
	// Nothing carries an unknown value; an empty value is refused.
	if res, err := trace.Run(ctx, conns, "no-such-correlation", trace.Options{}, nil); err != nil || len(res.Hits) != 0 {
		t.Fatalf("unknown value: %v %v", res.Hits, err)
	}
	if _, err := trace.Run(ctx, conns, " ", trace.Options{}, nil); err == nil {
		t.Fatal("an empty value was traced")
	}
	// A cancelled trace ends at once with the cancellation.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	start := time.Now()
	if _, err := trace.Run(cctx, conns, corr, trace.Options{}, nil); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled trace: %v after %v", err, time.Since(start))
	}
}

// TestTraceFindsIdsInDecodedValues: the demo's payments.avro and
// shipments.proto carry the order id only inside their Avro and Protobuf
// values. With a decoder the trace finds the order's payment, its dead
// letter and its shipment by the decoded field; without one it finds none
// of them.
func TestTraceFindsIdsInDecodedValues(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 120, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "demo", Brokers: []string{cl.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	dead := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvroDLT)[0]
	var p struct {
		OrderID string `json:"orderId"`
	}
	if d := dec.Value(context.Background(), &dead); d.Err != nil || json.Unmarshal(d.JSON, &p) != nil || p.OrderID == "" {
		t.Fatalf("dead letter value: %+v", d)
	}
	res, err := trace.Run(context.Background(), []sources.Conn{conn}, p.OrderID, trace.Options{Decoders: map[string]*schema.Decoder{"demo": dec}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]trace.Hit{}
	for _, h := range res.Hits {
		by[h.Stream] = h
	}
	if h := by[demo.TopicPaymentsAvro]; h.Via != "value.orderId" || h.Died != "" {
		t.Fatalf("payment hit %+v in %+v", h, res.Hits)
	}
	if h := by[demo.TopicPaymentsAvroDLT]; h.Via != "value.orderId" || h.Died == "" || h.Offset != dead.Offset {
		t.Fatalf("dead letter hit %+v", h)
	}
	if h, ok := by[demo.TopicShipmentsProto]; !ok || !strings.HasPrefix(h.Via, "value.order") {
		t.Fatalf("shipment hit %+v", h)
	}
	plain, err := trace.Run(context.Background(), []sources.Conn{conn}, p.OrderID, trace.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range plain.Hits {
		if h.Stream == demo.TopicPaymentsAvro || h.Stream == demo.TopicShipmentsProto || h.Stream == demo.TopicPaymentsAvroDLT {
			t.Fatalf("found without a decoder: %+v", h)
		}
	}
}
