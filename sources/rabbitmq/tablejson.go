package rabbitmq

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// appendJSON appends v rendered as json.Marshal(jsonable(v)) renders it,
// without reflection for the shapes brokers write (tables, arrays,
// strings, integers, booleans, times): x-death is rendered for every dead
// letter read, so this is on the hot path of reads and redrives. Other
// values (floats, decimals) go through encoding/json. ok is false when
// encoding/json would fail.
func appendJSON(dst []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return jsonenc.AppendString(dst, x), true
	case []byte:
		return jsonenc.AppendString(dst, string(x)), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case time.Time:
		return jsonenc.AppendString(dst, x.UTC().Format(time.RFC3339)), true
	case amqp.Table:
		return appendJSONObject(dst, x)
	case map[string]any:
		return appendJSONObject(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = appendJSON(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return dst, false
	}
	return append(dst, b...), true
}

// appendJSONObject renders a table as an object with its keys sorted, as
// encoding/json renders a map.
func appendJSONObject[M ~map[string]any](dst []byte, t M) (_ []byte, ok bool) {
	var buf [16]string
	keys := buf[:0]
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendString(dst, k)
		dst = append(dst, ':')
		if dst, ok = appendJSON(dst, t[k]); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}
