package rabbitmq_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

func TestDeadLetterFromTable(t *testing.T) {
	t1 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	tbl := amqp.Table{
		"x-death": []any{
			amqp.Table{"queue": "retry", "reason": "expired", "count": int64(3), "time": t1.Add(time.Minute), "exchange": "", "routing-keys": []any{"work"}},
			amqp.Table{"queue": "work", "reason": "rejected", "count": int64(1), "time": t1, "exchange": "shop", "routing-keys": []any{"order.created", []byte("b")}},
		},
		"x-first-death-queue": "work", "x-first-death-reason": "rejected", "x-first-death-exchange": "shop",
		"x-exception-message": "boom",
	}
	d := rabbitmq.DeadLetterFromTable(tbl, rabbitmq.TableHeaders(tbl))
	if d == nil || d.OriginStream != "work" || d.Reason != "rejected" || d.Exchange != "shop" || d.Count != 4 ||
		!d.FirstDeath.Equal(t1) || !d.LastDeath.Equal(t1.Add(time.Minute)) || len(d.Deaths) != 2 ||
		d.RoutingKeys[1] != "b" || d.ExceptionMessage != "boom" {
		t.Fatalf("%+v", d)
	}
	if rabbitmq.DeadLetterFromTable(amqp.Table{"x-death": "garbage", "other": int32(1)}, nil) != nil {
		t.Fatal("garbage x-death taken as a dead letter")
	}
}

func TestTableHeadersRendersEveryType(t *testing.T) {
	tbl := amqp.Table{
		"s": "text", "b": []byte{0xff}, "i": int32(-7), "l": int64(1 << 40), "f": 1.5, "t": time.Unix(0, 0),
		"bool": true, "dec": amqp.Decimal{Scale: 2, Value: -1234}, "nested": amqp.Table{"a": []any{int8(1), "x"}}, "nil": nil,
	}
	want := map[string]string{
		"s": "text", "b": "\xff", "i": "-7", "l": "1099511627776", "f": "1.5", "t": "1970-01-01T00:00:00Z",
		"bool": "true", "dec": "-12.34", "nested": `{"a":[1,"x"]}`, "nil": "",
	}
	hs := rabbitmq.TableHeaders(tbl)
	if len(hs) != len(want) || hs[0].Key != "b" {
		t.Fatalf("headers not sorted or missing: %+v", hs)
	}
	for _, h := range hs {
		if string(h.Value) != want[h.Key] {
			t.Errorf("%s = %q, want %q", h.Key, h.Value, want[h.Key])
		}
	}
}

// tableFrom builds an arbitrary AMQP value from fuzz bytes: every type
// amqp091-go decodes, nested tables and arrays included.
func tableFrom(data []byte) any {
	pos := 0
	next := func() byte {
		if pos >= len(data) {
			return 0
		}
		b := data[pos]
		pos++
		return b
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch next() % 12 {
		case 0:
			return nil
		case 1:
			n := int(next() % 8)
			s := make([]byte, 0, n)
			for i := 0; i < n; i++ {
				s = append(s, next())
			}
			return string(s)
		case 2:
			return []byte{next(), next()}
		case 3:
			return int64(next()) - 100
		case 4:
			return int32(next())
		case 5:
			return float64(next()) / 3
		case 6:
			return time.Unix(int64(next())*1000, 0)
		case 7:
			return next()%2 == 0
		case 8:
			return amqp.Decimal{Scale: next() % 5, Value: int32(next()) - 50}
		case 9, 10:
			if depth > 4 {
				return "deep"
			}
			t := amqp.Table{}
			for i := 0; i < int(next()%5); i++ {
				keys := []string{"queue", "reason", "count", "time", "exchange", "routing-keys", "x"}
				t[keys[int(next())%len(keys)]] = value(depth + 1)
			}
			return t
		default:
			if depth > 4 {
				return "deep"
			}
			var a []any
			for i := 0; i < int(next()%5); i++ {
				a = append(a, value(depth+1))
			}
			return a
		}
	}
	return value(0)
}

func FuzzDeadLetterFromTable(f *testing.F) {
	f.Add([]byte{11, 3, 9, 3, 0, 1, 3, 'a', 'b', 'c'})
	f.Add([]byte{9, 4, 1, 2, 6, 200, 5, 3, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		v := tableFrom(data)
		tbl := amqp.Table{"x-death": v, "x-first-death-queue": tableFrom(data[min(len(data), 3):]), "other": v}
		hs := rabbitmq.TableHeaders(tbl)
		d := rabbitmq.DeadLetterFromTable(tbl, hs)
		if d != nil {
			_ = d.Summary()
		}
		if inner, ok := v.(amqp.Table); ok {
			rabbitmq.DeadLetterFromTable(inner, rabbitmq.TableHeaders(inner))
		}
	})
}

// TestDecodeHeadersDefensively: a table nested deeper than amqp091-go
// reads is decoded and reported, one deeper than mqscope decodes is left
// out and reported, and a malformed table keeps the headers before the
// damage; nothing panics, however deep.
func TestDecodeHeadersDefensively(t *testing.T) {
	ok := wire.AppendStringEntry(nil, "a", "1")
	for _, tc := range []struct {
		name      string
		entries   []byte
		keep      []string
		problem   string
		noProblem bool
	}{
		{"plain", ok, []string{"a"}, "", true},
		{"40 deep", append(append([]byte{}, ok...), testbroker.DeepTable("d", 40)...), []string{"a", "d"}, `header "d" nests tables or arrays 40 deep: amqp091-go reads 32 levels and closes the connection on more (mqscope read it)`, false},
		{"200 deep", append(append([]byte{}, ok...), testbroker.DeepTable("d", 200)...), []string{"a"}, `header "d" nests tables or arrays 200 deep`, false},
		{"a million deep", testbroker.DeepTable("d", 1_000_000), nil, `header "d" nests tables or arrays more than 10000 deep`, false},
		{"truncated", append(append([]byte{}, ok...), 1, 'b', 'S', 0, 0, 9), []string{"a"}, "the header table is malformed after 1 headers", false},
		{"unknown type", append(append([]byte{}, ok...), 1, 'b', '?', 1), []string{"a"}, "the header table is malformed after 1 headers", false},
	} {
		got, problems := rabbitmq.DecodeHeaders(tc.entries)
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, tc.keep) {
			t.Errorf("%s: kept %v, want %v", tc.name, keys, tc.keep)
		}
		joined := strings.Join(problems, "; ")
		if tc.noProblem != (joined == "") || !strings.Contains(joined, tc.problem) {
			t.Errorf("%s: problems %q, want %q", tc.name, joined, tc.problem)
		}
	}
}

// TestFirstDeathInDoubt: x-first-death-* must name an entry x-death has,
// and the first death must be the broker's newest entry or share its
// exchange; otherwise the dead letter carries a Doubt (and a Warning).
func TestFirstDeathInDoubt(t *testing.T) {
	entry := func(queue, exchange, key string) amqp.Table {
		return amqp.Table{"queue": queue, "reason": "rejected", "exchange": exchange, "routing-keys": []any{key}, "count": int64(1)}
	}
	first := func(queue, exchange string) amqp.Table {
		return amqp.Table{"x-first-death-queue": queue, "x-first-death-reason": "rejected", "x-first-death-exchange": exchange}
	}
	with := func(t amqp.Table, deaths ...amqp.Table) amqp.Table {
		arr := []any{}
		for _, d := range deaths {
			arr = append(arr, d)
		}
		if len(arr) > 0 {
			t["x-death"] = arr
		}
		return t
	}
	for _, tc := range []struct {
		name  string
		table amqp.Table
		doubt string // "" when trusted
	}{
		{"one death", with(first("orders.work", "shop"), entry("orders.work", "shop", "orders.created")), ""},
		{"died again in the first queue", with(first("orders.work", "shop"), entry("orders.work", "shop", "orders.created"), entry("orders.retry", "retry", "orders.created")), ""},
		{"a second queue on the same exchange", with(first("o1", "shop"), entry("o2", "shop", "k2"), entry("o1", "shop", "k1")), ""},
		{"forged x-death and x-first-death", with(first("o2.work", "shop2"), entry("orders.work", "shop", "orders.spoof"), entry("o2.work", "shop2", "orders.spoofed")), "x-death and x-first-death disagree"},
		{"forged x-first-death only", with(first("o2.work", "shop2"), entry("orders.work", "shop", "orders.spoof")), `no entry for queue "o2.work"`},
		{"forged x-first-death-exchange", with(first("orders.work", "shop2"), entry("orders.work", "shop", "orders.spoof")), `x-first-death-exchange is "shop2"`},
		{"x-first-death without x-death", with(first("orders.work", "shop")), "there is no x-death"},
		{"forged x-death, no x-first-death", with(amqp.Table{}, entry("orders.work", "shop", "k"), entry("o2.work", "shop2", "orders.spoofed")), "x-death and x-first-death disagree"},
	} {
		d := rabbitmq.DeadLetterFromTable(tc.table, rabbitmq.TableHeaders(tc.table))
		if d == nil {
			t.Fatalf("%s: no dead letter", tc.name)
		}
		warned := false
		for _, p := range d.Extra {
			warned = warned || p.Name == "Warning" && p.Value == d.Doubt
		}
		switch {
		case tc.doubt == "" && d.Doubt != "":
			t.Errorf("%s: doubted: %s", tc.name, d.Doubt)
		case tc.doubt != "" && (!strings.Contains(d.Doubt, tc.doubt) || !strings.Contains(d.Doubt, "may be forged") || !warned):
			t.Errorf("%s: doubt %q (warning %v), want %q", tc.name, d.Doubt, warned, tc.doubt)
		}
	}
}
