package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Subjects of the demo's Schema Registry.
const (
	SubjectPaymentsAvro = TopicPaymentsAvro + "-value"
	// SubjectPaymentsAvroKey is the key schema (an Avro string) of the
	// payments v3 producers write: they serialise keys with it, the older
	// ones write keys as plain strings.
	SubjectPaymentsAvroKey = TopicPaymentsAvro + "-key"
	SubjectShipmentsProto  = TopicShipmentsProto + "-value"
	// SubjectAddressProto holds the Protobuf file shipments.proto imports;
	// it is named after the import path, as Confluent's serializers name
	// references.
	SubjectAddressProto = "acme/common/v1/address.proto"
)

// paymentSchemas are the versions of SubjectPaymentsAvro, oldest first:
// v2 adds an optional field with a default; v3 gives the amount a scale of
// 4 and the status a new symbol, which a consumer written for v2 chokes on.
var paymentSchemas = [3]string{
	`{"type":"record","name":"Payment","namespace":"com.acme.payments","doc":"A payment of an order.","fields":[` +
		`{"name":"paymentId","type":{"type":"string","logicalType":"uuid"}},` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},` +
		`{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},` +
		`{"name":"status","type":{"type":"enum","name":"PaymentStatus","symbols":["AUTHORIZED","DECLINED"]}},` +
		`{"name":"authorizedAt","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"valueDate","type":{"type":"int","logicalType":"date"}},` +
		`{"name":"card","type":["null",{"type":"record","name":"Card","fields":[` +
		`{"name":"brand","type":"string"},{"name":"last4","type":"string"},{"name":"expMonth","type":"int"},{"name":"expYear","type":"int"}]}],"default":null},` +
		`{"name":"metadata","type":{"type":"map","values":"string"},"default":{}}]}`,
	`{"type":"record","name":"Payment","namespace":"com.acme.payments","doc":"A payment of an order.","fields":[` +
		`{"name":"paymentId","type":{"type":"string","logicalType":"uuid"}},` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},` +
		`{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},` +
		`{"name":"status","type":{"type":"enum","name":"PaymentStatus","symbols":["AUTHORIZED","DECLINED"]}},` +
		`{"name":"authorizedAt","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"valueDate","type":{"type":"int","logicalType":"date"}},` +
		`{"name":"card","type":["null",{"type":"record","name":"Card","fields":[` +
		`{"name":"brand","type":"string"},{"name":"last4","type":"string"},{"name":"expMonth","type":"int"},{"name":"expYear","type":"int"}]}],"default":null},` +
		`{"name":"metadata","type":{"type":"map","values":"string"},"default":{}},` +
		`{"name":"riskScore","type":["null","double"],"default":null}]}`,
	`{"type":"record","name":"Payment","namespace":"com.acme.payments","doc":"A payment of an order.","fields":[` +
		`{"name":"paymentId","type":{"type":"string","logicalType":"uuid"}},` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":14,"scale":4}},` +
		`{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},` +
		`{"name":"status","type":{"type":"enum","name":"PaymentStatus","symbols":["AUTHORIZED","DECLINED","PENDING_REVIEW"]}},` +
		`{"name":"authorizedAt","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"valueDate","type":{"type":"int","logicalType":"date"}},` +
		`{"name":"card","type":["null",{"type":"record","name":"Card","fields":[` +
		`{"name":"brand","type":"string"},{"name":"last4","type":"string"},{"name":"expMonth","type":"int"},{"name":"expYear","type":"int"}]}],"default":null},` +
		`{"name":"metadata","type":{"type":"map","values":"string"},"default":{}},` +
		`{"name":"riskScore","type":["null","double"],"default":null}]}`,
}

// paymentKeySchema is SubjectPaymentsAvroKey.
const paymentKeySchema = `"string"`

// addressProto is the file shipmentsProto imports (SubjectAddressProto).
const addressProto = `syntax = "proto3";

package acme.common.v1;

// Address is a postal address.
message Address {
  string line1 = 1;
  string city = 2;
  string postal_code = 3;
  string country_code = 4;
}
`

// shipmentsProto is v1 of SubjectShipmentsProto: its values are
// ShipmentEvent, the second message of the file (message index [1]).
const shipmentsProto = `syntax = "proto3";

package acme.shipments.v1;

import "google/protobuf/timestamp.proto";
import "acme/common/v1/address.proto";

enum Carrier {
  CARRIER_UNSPECIFIED = 0;
  DHL = 1;
  UPS = 2;
  FEDEX = 3;
  POSTNL = 4;
}

// Parcel is one box of a shipment.
message Parcel {
  string parcel_id = 1;
  int32 weight_grams = 2;
}

// ShipmentEvent is what happened to a shipment.
message ShipmentEvent {
  message Dispatched {
    string tracking_no = 1;
    string warehouse = 2;
  }
  message Delivered {
    string signed_by = 1;
  }
  message DeliveryFailed {
    string reason = 1;
    int32 attempt = 2;
  }
  string shipment_id = 1;
  string order_id = 2;
  Carrier carrier = 3;
  google.protobuf.Timestamp occurred_at = 4;
  acme.common.v1.Address destination = 5;
  map<string, string> labels = 6;
  repeated Parcel parcels = 7;
  oneof detail {
    Dispatched dispatched = 8;
    Delivered delivered = 9;
    DeliveryFailed failed = 10;
  }
}
`

// shipmentsProtoV2 is v2 of SubjectShipmentsProto: a new carrier and an
// estimated delivery time.
var shipmentsProtoV2 = strings.NewReplacer(
	"  POSTNL = 4;\n", "  POSTNL = 4;\n  GLS = 5;\n",
	"    DeliveryFailed failed = 10;\n  }\n", "    DeliveryFailed failed = 10;\n  }\n  google.protobuf.Timestamp estimated_delivery = 11;\n",
).Replace(shipmentsProto)

// shipmentEventIndex is ShipmentEvent's message index in both versions.
var shipmentEventIndex = []int{1}

// registry is the demo's Schema Registry (srfake over HTTP) and the codecs
// of the schemas it holds.
type registry struct {
	reg *srfake.Registry
	srv *http.Server
	url string
	// done is closed when the server's Serve returned.
	done chan struct{}

	paymentIDs  [3]int
	payments    [3]avro.Schema
	keyID       int
	key         avro.Schema
	shipmentIDs [2]int
	shipments   [2]protoreflect.MessageDescriptor
}

// Schema ids of the demo's registry. They are fixed, so the records of a
// reused data directory name the same schemas; none is 1, the id the
// orders topic's poison messages (from another registry) carry.
const (
	idPaymentsV1  = 101 // v2 and v3 follow
	idPaymentsKey = 104
	idAddress     = 201
	idShipments   = 202 // v2 is 203
)

// startRegistry registers the demo's schemas and serves them on
// 127.0.0.1:port (zero: a free port).
func startRegistry(port int) (*registry, error) {
	r := &registry{reg: srfake.NewRegistry(), done: make(chan struct{})}
	if err := r.register(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("demo: schema registry: %w", err)
	}
	r.url = "http://" + ln.Addr().String()
	r.srv = &http.Server{Handler: r.reg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.done)
		_ = r.srv.Serve(ln) // ends with http.ErrServerClosed on close
	}()
	return r, nil
}

// register registers every demo schema and builds its codec.
func (r *registry) register() error {
	for i, s := range paymentSchemas {
		// A cache of its own: the versions define the same names differently.
		parsed, err := avro.ParseWithCache(s, "", &avro.SchemaCache{})
		if err != nil {
			return fmt.Errorf("demo: %s v%d: %w", SubjectPaymentsAvro, i+1, err)
		}
		r.payments[i], r.paymentIDs[i] = parsed, idPaymentsV1+i
		if err := r.seed(SubjectPaymentsAvro, i+1, r.paymentIDs[i], sr.Schema{Schema: s, Type: sr.TypeAvro}); err != nil {
			return err
		}
	}
	var err error
	if r.key, err = avro.Parse(paymentKeySchema); err != nil {
		return fmt.Errorf("demo: %s: %w", SubjectPaymentsAvroKey, err)
	}
	r.keyID = idPaymentsKey
	if err := r.seed(SubjectPaymentsAvroKey, 1, r.keyID, sr.Schema{Schema: paymentKeySchema, Type: sr.TypeAvro}); err != nil {
		return err
	}
	if err := r.seed(SubjectAddressProto, 1, idAddress, sr.Schema{Schema: addressProto, Type: sr.TypeProtobuf}); err != nil {
		return err
	}
	for i, text := range []string{shipmentsProto, shipmentsProtoV2} {
		r.shipmentIDs[i] = idShipments + i
		if err := r.seed(SubjectShipmentsProto, i+1, r.shipmentIDs[i], sr.Schema{
			Schema: text, Type: sr.TypeProtobuf,
			References: []sr.SchemaReference{{Name: SubjectAddressProto, Subject: SubjectAddressProto, Version: 1}},
		}); err != nil {
			return err
		}
		comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(map[string]string{
				"shipments.proto": text, SubjectAddressProto: addressProto,
			}),
		})}
		files, err := comp.Compile(context.Background(), "shipments.proto")
		if err != nil {
			return fmt.Errorf("demo: compile %s v%d: %w", SubjectShipmentsProto, i+1, err)
		}
		r.shipments[i] = files[0].Messages().Get(shipmentEventIndex[0])
	}
	return nil
}

// seed registers a schema under a fixed id and version.
func (r *registry) seed(subject string, version, id int, s sr.Schema) (err error) {
	defer func() {
		if p := recover(); p != nil { // srfake panics on a schema it refuses
			err = fmt.Errorf("demo: register %s v%d (id %d): %v", subject, version, id, p)
		}
	}()
	r.reg.SeedSchema(subject, version, id, s)
	return nil
}

// close stops the server and waits for it.
func (r *registry) close() {
	_ = r.srv.Close() // closing a listener that is serving cannot fail in a way to act on
	<-r.done
}
