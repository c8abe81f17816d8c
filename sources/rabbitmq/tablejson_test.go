package rabbitmq

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestAppendJSONMatchesEncodingJSON: the hand-written renderer gives what
// encoding/json gives for every shape a broker writes, so fingerprints
// (taken over rendered headers) do not change.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	when := time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("x", 3600))
	values := []any{
		nil, "plain", "quote\" back\\slash <html> & amp", "ctl \x00\x01\x1f\b\f\n\r\t", "bad \xff\xfe utf8", "line\u2028para\u2029", "ünïcödé ✓ 😀",
		[]byte("bytes <&>"), true, false, int8(-8), int16(-16), int32(-32), int64(-64), 7, uint8(8), uint16(16), uint32(32), uint64(1 << 63),
		when, 1.5, float32(2.25), math.NaN(), math.Inf(-1), amqp.Decimal{Scale: 2, Value: 12345},
		[]any{"a", int32(1), nil, []any{}, amqp.Table{}},
		amqp.Table{"count": int64(3), "reason": "rejected", "queue": "orders.work", "time": when, "exchange": "", "routing-keys": []any{"orders", "b<>"}},
		map[string]any{"z": 1, "a": map[string]any{"nested": []any{1.5, "x"}}},
		[]any{amqp.Table{"count": int64(1)}, amqp.Table{"count": int64(2), "original-expiration": "6000"}},
	}
	for _, v := range values {
		want, err := json.Marshal(jsonable(v))
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		got, ok := appendJSON(nil, v)
		if !ok || string(got) != string(want) {
			t.Errorf("%#v:\n got  %s (ok %v)\n want %s", v, got, ok, want)
		}
	}
}
