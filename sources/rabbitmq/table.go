package rabbitmq

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// TableHeaders turns AMQP headers into message headers, sorted by name (an
// AMQP table has no order). Strings and byte arrays keep their bytes; other
// values are rendered as text (nested tables and arrays as JSON).
func TableHeaders(t amqp.Table) []sources.Header {
	if len(t) == 0 {
		return nil
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]sources.Header, len(keys))
	for i, k := range keys {
		out[i] = sources.Header{Key: k, Value: valueBytes(t[k])}
	}
	return out
}

// valueBytes renders one AMQP field value.
func valueBytes(v any) []byte {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []byte(x)
	case []byte:
		return x
	}
	return []byte(ValueText(v))
}

// ValueText renders any AMQP field value as text: numbers in decimal,
// times in RFC 3339, tables and arrays as JSON.
func ValueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case amqp.Decimal:
		return decimalText(x)
	}
	b, ok := appendJSON(nil, v)
	if !ok {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func decimalText(d amqp.Decimal) string {
	s := strconv.FormatInt(int64(d.Value), 10)
	if d.Scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= int(d.Scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// jsonable converts nested AMQP values into values encoding/json renders
// faithfully (tables as objects, times as strings, bytes as text).
func jsonable(v any) any {
	switch x := v.(type) {
	case amqp.Table:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case map[string]any:
		return jsonable(amqp.Table(x))
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = jsonable(e)
		}
		return a
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case amqp.Decimal:
		return json.Number(decimalText(x))
	case float32, float64:
		f := fmt.Sprint(x)
		if f == "NaN" || strings.Contains(f, "Inf") {
			return f
		}
		return x
	}
	return v
}

// DeadLetterFromTable decodes RabbitMQ's dead-letter headers (x-death, newest
// first, and x-first-death-*), falling back to the Kafka-style schemes
// (x-original-queue...) in headers. It returns nil when the message was
// never dead-lettered. Malformed values are skipped, never trusted.
func DeadLetterFromTable(t amqp.Table, headers []sources.Header) *sources.DeadLetter {
	deaths := parseXDeath(t["x-death"])
	firstQueue, _ := t["x-first-death-queue"].(string)
	if len(deaths) == 0 && firstQueue == "" {
		return dlq.FromHeaders(headers)
	}
	d := &sources.DeadLetter{Scheme: "rabbitmq", ByExchange: true, OriginPartition: sources.NoPartition, OriginOffset: -1, Deaths: deaths}
	d.OriginStream = firstQueue
	d.Reason, _ = t["x-first-death-reason"].(string)
	d.Exchange, _ = t["x-first-death-exchange"].(string)
	if len(deaths) > 0 {
		oldest, newest := deaths[len(deaths)-1], deaths[0]
		if d.OriginStream == "" {
			d.OriginStream = oldest.Queue
		}
		if d.Reason == "" {
			d.Reason = oldest.Reason
		}
		if d.Exchange == "" {
			d.Exchange = oldest.Exchange
		}
		d.RoutingKeys = oldest.RoutingKeys
		d.FirstDeath, d.LastDeath = oldest.Time, newest.Time
		for _, x := range deaths {
			d.Count += x.Count
		}
		if len(deaths) > 1 || newest.Reason != oldest.Reason {
			d.Extra = append(d.Extra, sources.Property{Name: "Last death", Value: newest.Reason + " in " + newest.Queue})
		}
	}
	if len(deaths) > 0 || firstQueue != "" {
		firstExchange, hasExchange := t["x-first-death-exchange"].(string)
		if d.Doubt = firstDeathDoubt(deaths, firstQueue, d.Reason, firstExchange, hasExchange); d.Doubt != "" {
			d.Extra = append(d.Extra, sources.Property{Name: "Warning", Value: d.Doubt})
		}
	}
	if g := dlq.FromHeaders(headers); g != nil { // an application's own exception headers
		d.ExceptionClass, d.ExceptionMessage, d.StackTrace = g.ExceptionClass, g.ExceptionMessage, g.StackTrace
	}
	return d
}

// firstDeathDoubt says why a dead letter's first death (where a redrive
// sends it) may be forged, or "" when the headers are as the broker writes
// them. What RabbitMQ guarantees: x-death has one entry per queue and
// reason, the most recent first, and never loses one; the newest entry is
// the broker's own, for the death that brought the message here;
// x-first-death-* are written once, from the entry of the first death.
// A publisher can send its own x-death and x-first-death-*, which the
// broker keeps, and the entries it adds cannot be told from those. So:
// x-first-death-* must name an entry x-death has (queue, reason,
// exchange), and the first death must be the newest entry or have been
// published to the same exchange; a history that moved between exchanges
// (a forged one, or a genuine chain of dead-letter exchanges) is doubted,
// since only the broker's topology could vouch for it.
func firstDeathDoubt(deaths []sources.Death, queue, reason, exchange string, hasExchange bool) string {
	if len(deaths) == 0 {
		return fmt.Sprintf("x-first-death-queue names %q but there is no x-death: the broker writes both, so the first death may be forged", queue)
	}
	first := len(deaths) - 1 // the oldest entry, when x-first-death-* say nothing
	if queue != "" {
		first = -1
		for i, x := range deaths {
			if x.Queue == queue && (reason == "" || x.Reason == reason) {
				first = i
				break
			}
		}
		if first < 0 {
			return fmt.Sprintf("x-death and x-first-death disagree: x-death has no entry for queue %q (reason %q) that x-first-death names: the first death may be forged", queue, reason)
		}
		if hasExchange && deaths[first].Exchange != exchange {
			return fmt.Sprintf("x-death and x-first-death disagree: x-first-death-exchange is %q, x-death says %q for that death: the first death may be forged", exchange, deaths[first].Exchange)
		}
	}
	newest := deaths[0]
	if first == 0 || newest.Exchange == deaths[first].Exchange {
		return ""
	}
	return fmt.Sprintf("x-death and x-first-death disagree: the broker's newest entry has the message published to %s and dead-lettered from queue %q, the first death says %s (queue %q): the first death may be forged",
		exchangeName(newest.Exchange), newest.Queue, exchangeName(deaths[first].Exchange), deaths[first].Queue)
}

// exchangeName names an exchange for people ("" is the default exchange).
func exchangeName(x string) string {
	if x == "" {
		return "the default exchange"
	}
	return fmt.Sprintf("exchange %q", x)
}

// parseXDeath reads the x-death array. Entries that are not tables are skipped.
func parseXDeath(v any) []sources.Death {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []sources.Death
	for _, e := range arr {
		var t amqp.Table
		switch x := e.(type) {
		case amqp.Table:
			t = x
		case map[string]any:
			t = x
		default:
			continue
		}
		var d sources.Death
		d.Queue, _ = t["queue"].(string)
		d.Reason, _ = t["reason"].(string)
		d.Exchange, _ = t["exchange"].(string)
		d.Count = toInt(t["count"])
		if tm, ok := t["time"].(time.Time); ok {
			d.Time = tm
		}
		if keys, ok := t["routing-keys"].([]any); ok {
			for _, k := range keys {
				switch s := k.(type) {
				case string:
					d.RoutingKeys = append(d.RoutingKeys, s)
				case []byte:
					d.RoutingKeys = append(d.RoutingKeys, string(s))
				}
			}
		}
		out = append(out, d)
	}
	return out
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case int:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	}
	return 0
}

const (
	// maxTableDepth is how deep tables and arrays may nest in a header that
	// mqscope decodes; a header nested deeper is left out and reported.
	maxTableDepth = 64
	// clientTableDepth is how deep amqp091-go decodes: on a deeper table it
	// fails the frame and closes the whole connection.
	clientTableDepth = 32
	// depthCounted bounds how far a nesting is counted for the report.
	depthCounted = 10000
)

// DecodeHeaders decodes a header table's entries as sent (package wire's
// Properties.Table) defensively: a header nested deeper than mqscope
// decodes, or malformed, is left out, and problems says what was wrong
// with each header that would break other clients. A table that stops
// making sense keeps the headers before the damage.
func DecodeHeaders(entries []byte) (amqp.Table, []string) {
	t := amqp.Table{}
	var problems []string
	err := wire.Entries(entries, func(key string, typ byte, value, _ []byte) error {
		depth := nesting(typ, value, 0)
		if depth > clientTableDepth {
			problems = append(problems, deepProblem(key, depth))
		}
		if depth > maxTableDepth {
			return nil
		}
		v, err := wire.Decode(typ, value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("header %q cannot be decoded (%v): left out", key, err))
			return nil
		}
		t[key] = v
		return nil
	})
	if err != nil {
		problems = append(problems, fmt.Sprintf("the header table is malformed after %d headers (%v): the rest left out", len(t), err))
	}
	return t, problems
}

func deepProblem(key string, depth int) string {
	deep := strconv.Itoa(depth) + " deep"
	if depth > depthCounted {
		deep = "more than " + strconv.Itoa(depthCounted) + " deep"
	}
	what := "mqscope leaves the header out"
	if depth <= maxTableDepth {
		what = "mqscope read it"
	}
	return fmt.Sprintf("header %q nests tables or arrays %s: amqp091-go reads %d levels and closes the connection on more (%s)", key, deep, clientTableDepth, what)
}

// nesting is how deep tables and arrays nest in a field value (0 for a
// scalar), counted up to depthCounted+1.
func nesting(typ byte, v []byte, depth int) int {
	if (typ != 'F' && typ != 'A') || len(v) < 4 {
		return depth
	}
	if depth > depthCounted {
		return depth
	}
	deepest := depth + 1
	body := v[4:]
	if typ == 'F' {
		_ = wire.Entries(body, func(_ string, t byte, value, _ []byte) error {
			deepest = max(deepest, nesting(t, value, depth+1))
			return nil
		})
		return deepest
	}
	for len(body) > 0 {
		n, err := wire.ValueLen(body[0], body[1:])
		if err != nil {
			break
		}
		deepest = max(deepest, nesting(body[0], body[1:1+n], depth+1))
		body = body[1+n:]
	}
	return deepest
}
