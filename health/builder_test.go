package health_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// flawed is a stream with known flaws: per entity, events numbered by seq.
type flawed struct {
	msgs []sources.Message
	next map[int32]int64
	t0   time.Time
}

func (f *flawed) add(part int32, key string, seq int, value string, at int, headers ...sources.Header) sources.Message {
	if f.next == nil {
		f.next = map[int32]int64{}
	}
	m := sources.Message{Stream: "payments", Partition: part, Offset: f.next[part], Key: []byte(key),
		Value: []byte(fmt.Sprintf(`{"id":%q,"seq":%d,"v":%q}`, key+fmt.Sprint(seq), seq, value)), Headers: headers,
		Timestamp: f.t0.Add(time.Duration(at) * time.Second)}
	f.next[part]++
	f.msgs = append(f.msgs, m)
	return m
}

func (f *flawed) again(m sources.Message, headers ...sources.Header) {
	m.Offset = f.next[m.Partition]
	f.next[m.Partition]++
	m.Headers = append(m.Headers, headers...)
	if len(headers) > 0 {
		m.Redriven = &sources.RedriveCopy{ID: "rd-1", Source: "payments.DLT"}
	}
	f.msgs = append(f.msgs, m)
}

func check(t *testing.T, o health.Options, msgs []sources.Message) health.Report {
	t.Helper()
	b, err := health.NewBuilder("payments", o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		b.Add(&msgs[i])
	}
	return b.Report()
}

func TestFindsEachKindWithItsExamples(t *testing.T) {
	f := &flawed{t0: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	a1 := f.add(0, "a", 1, "x", 0)
	f.again(a1) // a producer retry: right after
	f.add(0, "a", 2, "x", 1)
	f.add(0, "a", 4, "x", 2) // 3 never comes: a gap
	b1 := f.add(1, "b", 1, "x", 3)
	f.add(1, "b", 3, "x", 4)
	f.add(1, "b", 2, "x", 5) // late: out of order, and no gap
	for i := 0; i < 8; i++ {
		f.add(1, fmt.Sprintf("c%d", i), 1, "x", 6)
	}
	f.again(b1)                                                                     // far apart: a re-publish
	f.again(a1, sources.Header{Key: "x-mqscope-redrive-id", Value: []byte("rd-1")}) // a redrive
	f.add(2, "a", 5, "x", 7)                                                        // a on another partition: split

	var o health.Options
	if err := o.SetSequence("json.seq"); err != nil {
		t.Fatal(err)
	}
	r := check(t, o, f.msgs)
	d := r.Duplicates
	if d.Count != 3 || d.Retry != 1 || d.Republish != 1 || d.Redrive != 1 || d.Possible != 0 {
		t.Fatalf("duplicates %+v", d)
	}
	for _, p := range d.Examples {
		want := map[string][2]int64{"retry": {0, 1}, "republish": {0, 11}, "redrive": {0, 4}}[p.Kind]
		if p.First == nil || p.First.Offset != want[0] || p.Second.Offset != want[1] {
			t.Errorf("%s example %+v, want offsets %v", p.Kind, p, want)
		}
	}
	if r.Ordering.Count != 1 || r.Ordering.BySequence != 1 {
		t.Fatalf("ordering %+v", r.Ordering)
	}
	if p := r.Ordering.Examples[0]; p.Entity != "b" || p.First.Partition != 1 || p.First.Offset != 1 || p.Second.Offset != 2 || p.Detail != "seq 2 after 3" {
		t.Fatalf("ordering example %+v", p)
	}
	if r.SplitKeys.Count != 1 || r.SplitKeys.Examples[0].Entity != "a" || r.SplitKeys.Examples[0].At[1].Partition != 2 {
		t.Fatalf("split %+v", r.SplitKeys)
	}
	if r.Gaps.Count != 1 || r.Gaps.Entities != 1 || r.Gaps.Examples[0].Entity != "a" || r.Gaps.Examples[0].Ranges[0] != (health.Range{From: 3, To: 3}) {
		t.Fatalf("gaps %+v", r.Gaps)
	}
	if len(r.Offenders) == 0 || r.Offenders[0].Entity != "a" || r.Offenders[0].Duplicates != 2 || r.Offenders[0].Gaps != 1 || !r.Offenders[0].Split {
		t.Fatalf("offenders %+v", r.Offenders)
	}
	if r.Healthy() || r.Findings() != 6 || !r.Memory.Exact {
		t.Fatalf("findings %d healthy %v memory %+v", r.Findings(), r.Healthy(), r.Memory)
	}
	// an example's filter selects exactly its messages
	flt, err := filter.Compile(health.Filter(d.Examples[0].Positions()))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for i := range f.msgs {
		if ok, _ := flt.Match(&f.msgs[i]); ok {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%s selects %d messages", flt, n)
	}
}

func TestEventTimeBackwardsBeyondTheTolerance(t *testing.T) {
	f := &flawed{t0: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	f.add(0, "a", 0, "1", 10)
	f.add(0, "a", 0, "2", 9) // within the second of tolerance
	f.add(0, "a", 0, "3", 5) // 5 s back
	f.add(0, "a", 0, "4", 11)
	r := check(t, health.Options{}, f.msgs)
	if r.Ordering.Count != 1 || r.Ordering.ByTime != 1 || r.Ordering.Examples[0].Second.Offset != 2 || r.Ordering.Examples[0].First.Offset != 0 {
		t.Fatalf("ordering %+v", r.Ordering)
	}
	if r.Gaps.Count != 0 || r.Duplicates.Count != 0 {
		t.Fatalf("report %+v", r)
	}
}

func TestACleanStreamHasNoFinding(t *testing.T) {
	f := &flawed{t0: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	for i := 1; i <= 50; i++ {
		for k := 0; k < 4; k++ {
			f.add(int32(k%2), fmt.Sprintf("k%d", k), i, "x", i)
		}
	}
	var o health.Options
	_ = o.SetSequence("auto")
	r := check(t, o, f.msgs)
	if !r.Healthy() || r.Scanned != 200 || r.Sequence != "json.seq (found in the messages)" {
		t.Fatalf("report %+v", r)
	}
}

func TestIdentityByHeaderAndPath(t *testing.T) {
	f := &flawed{t0: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	f.add(0, "a", 1, "first", 0, sources.Header{Key: "event-id", Value: []byte("e1")})
	f.add(0, "a", 2, "other content", 1, sources.Header{Key: "event-id", Value: []byte("e1")})
	f.add(0, "a", 3, "third", 2)
	r := check(t, health.Options{IDHeader: "event-id"}, f.msgs)
	if r.Duplicates.Count != 1 || r.ByFallback != 1 {
		t.Fatalf("by header: %+v, fallback %d", r.Duplicates, r.ByFallback)
	}
	p, _ := health.ParsePath("json.v")
	f2 := &flawed{t0: f.t0}
	f2.add(0, "a", 1, "same", 0)
	f2.add(1, "b", 1, "same", 1)
	if r := check(t, health.Options{IDPath: p}, f2.msgs); r.Duplicates.Count != 1 || r.Duplicates.Republish != 1 {
		t.Fatalf("by path: %+v", r.Duplicates)
	}
}

// Beyond the window identities are in the Bloom filter: over 300,000
// distinct identities every duplicate found is a false positive, and they
// come at no more than the rate the report states.
func TestBeyondTheWindowAtTheStatedRate(t *testing.T) {
	const n = 300_000
	b, err := health.NewBuilder("t", health.Options{Window: 5000, FalsePositive: 0.01, Expected: n})
	if err != nil {
		t.Fatal(err)
	}
	m := sources.Message{Stream: "t", Partition: 0, Key: []byte("k"), Timestamp: time.Unix(1e9, 0)}
	for i := 0; i < n; i++ {
		m.Offset = int64(i)
		m.Value = fmt.Appendf(m.Value[:0], "v%d", i)
		m.Timestamp = m.Timestamp.Add(time.Millisecond)
		b.Add(&m)
	}
	r := b.Report()
	mem := r.Memory
	if mem.Exact || mem.SwitchedAt != 10001 || mem.Reason != "window" || mem.FalsePositive != 0.01 {
		t.Fatalf("memory %+v", mem)
	}
	probed := float64(n - mem.SwitchedAt)
	d := r.Duplicates
	measured := float64(d.Possible) / probed
	if d.Count != 0 || measured > mem.FalsePositive || measured < mem.FalsePositive/50 {
		t.Fatalf("%d false duplicates over %v probes: %v, stated %v (estimated now %v)", d.Possible, probed, measured, mem.FalsePositive, mem.Estimated)
	}
	// the false positives expected from the filter's fill are those it gave
	if diff := math.Abs(float64(d.Possible) - d.ExpectedFalse); diff > 4*math.Sqrt(d.ExpectedFalse)+1 {
		t.Fatalf("%d possible duplicates, %.1f expected", d.Possible, d.ExpectedFalse)
	}
	if d.PossibleCounted || !r.Healthy() {
		t.Fatalf("a stream of distinct identities is not healthy: %+v", d)
	}
	if mem.Estimated > mem.FalsePositive*1.3 || mem.Estimated < measured {
		t.Fatalf("estimated %v, measured %v, stated %v", mem.Estimated, measured, mem.FalsePositive)
	}
	// the ordering check is not fooled by what it took for duplicates
	if r.Ordering.Count != 0 || r.Gaps.Count != 0 {
		t.Fatalf("report %+v", r)
	}
}

// Without a window, identities are held exactly until the memory budget,
// then the report says it switched.
func TestMemoryBudgetSwitchesToTheBloomFilter(t *testing.T) {
	b, err := health.NewBuilder("t", health.Options{Memory: 56 * 2000})
	if err != nil {
		t.Fatal(err)
	}
	m := sources.Message{Stream: "t", Key: []byte("k"), Timestamp: time.Unix(1e9, 0)}
	for i := 0; i < 10_000; i++ {
		m.Offset, m.Value = int64(i), fmt.Appendf(nil, "v%d", i)
		b.Add(&m)
	}
	first := m
	first.Offset, first.Value = 10_000, []byte("v9999") // the last one again: held exactly
	b.Add(&first)
	r := b.Report()
	if r.Memory.Exact || r.Memory.Reason != "memory" || r.Memory.SwitchedAt == 0 || r.Memory.Held*32*4/3 > r.Memory.Budget || r.Memory.BloomIdentities == 0 {
		t.Fatalf("memory %+v", r.Memory)
	}
	last := r.Duplicates.Examples[len(r.Duplicates.Examples)-1]
	if last.First == nil || last.First.Offset != 9999 || last.Kind != "retry" {
		t.Fatalf("examples %+v", r.Duplicates.Examples)
	}
}

// TestPathLookup: a path reads nested members through the filter's JSON
// scanner: a string without its quotes, a number as written, an escaped
// member name by what it decodes to; null, a missing member and text that
// is not an object have no value.
func TestPathLookup(t *testing.T) {
	p, err := health.ParsePath("json.order.id")
	if err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{
		`{"order":{"id":"o-1"}}`:                  "o-1",
		`{"x":[1,{"id":2}], "order" : {"id":42}}`: "42",
		`{"order":{"\u0069d":"esc"}}`:             "esc",
		`{"order":{"id":null}}`:                   "(none)",
		`{"order":{"other":1}}`:                   "(none)",
		`{"order":"id"}`:                          "(none)",
		`[{"order":{"id":1}}]`:                    "(none)",
		`{"order":{"id":`:                         "(none)",
	} {
		got := "(none)"
		if v, ok := p.Lookup([]byte(doc)); ok {
			got = string(v)
		}
		if got != want {
			t.Errorf("%s: %s, want %s", doc, got, want)
		}
	}
	if n, ok := p.Int([]byte(`{"order":{"id":"17"}}`)); !ok || n != 17 {
		t.Errorf("a numeric string: %d %v", n, ok)
	}
}

// TestIdentityPathOfMixedTypes: ids compare as JSON values (7 and "7"
// are two identities); an empty or null id is no identity to count
// duplicates by: the fallback tells those messages apart; an object id
// seen twice is a duplicate. An empty entity path value names no entity.
func TestIdentityPathOfMixedTypes(t *testing.T) {
	id, _ := health.ParsePath("json.id")
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var msgs []sources.Message
	for i, v := range []string{`{"id":7,"n":1}`, `{"id":"7","n":2}`, `{"id":"","n":3}`, `{"id":"","n":4}`, `{"id":null,"n":5}`, `{"id":null,"n":6}`, `{"n":7}`, `{"id":{"a":1},"n":8}`, `{"id":{"a":1},"n":9}`} {
		msgs = append(msgs, sources.Message{Stream: "t", Offset: int64(i), Key: []byte("k"), Value: []byte(v), Timestamp: t0.Add(time.Duration(i) * time.Second)})
	}
	r := check(t, health.Options{IDPath: id}, msgs)
	// 7 and "7" are two; {"a":1} twice is one; empty, null and missing fall back
	if r.Duplicates.Count != 1 || r.ByFallback != 5 {
		t.Fatalf("duplicates %+v, fallback %d", r.Duplicates, r.ByFallback)
	}
	key, _ := health.ParsePath("json.order")
	r = check(t, health.Options{KeyPath: key}, []sources.Message{
		{Stream: "t", Offset: 0, Value: []byte(`{"order":""}`), Timestamp: t0},
		{Stream: "t", Offset: 1, Value: []byte(`{"order":"o1"}`), Timestamp: t0},
	})
	if r.NoEntity != 1 || r.Memory.Entities != 1 {
		t.Fatalf("no entity %d, entities %d", r.NoEntity, r.Memory.Entities)
	}
}

// TestGapsCountNumbersAndJumpsApart: seq 1,2,4,3,3,7,100000000 misses 5
// and 6 (two numbers, one range) and jumps once over 8-99999999: the
// report's count, the example, the offender and the findings all say 2
// missing and 1 jump, and the jump is not among the missing ranges.
func TestGapsCountNumbersAndJumpsApart(t *testing.T) {
	f := &flawed{t0: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	for i, seq := range []int{1, 2, 4, 3, 3, 7, 100000000} {
		f.add(0, "a", seq, "x", i)
	}
	var o health.Options
	if err := o.SetSequence("json.seq"); err != nil {
		t.Fatal(err)
	}
	r := check(t, o, f.msgs)
	if r.Gaps.Count != 2 || r.Gaps.Jumps != 1 || r.Gaps.Entities != 1 || len(r.Gaps.Examples) != 1 {
		t.Fatalf("gaps %+v", r.Gaps)
	}
	g := r.Gaps.Examples[0]
	if g.Missing != 2 || g.Jumps != 1 || g.RangesTotal != 1 || len(g.Ranges) != 1 || g.Ranges[0] != (health.Range{From: 5, To: 6}) {
		t.Fatalf("example %+v", g)
	}
	if len(g.JumpRanges) != 1 || g.JumpRanges[0] != (health.Range{From: 8, To: 99999999}) {
		t.Fatalf("jump ranges %+v", g.JumpRanges)
	}
	if len(r.Offenders) != 1 || r.Offenders[0].Gaps != 2 || r.Offenders[0].Jumps != 1 {
		t.Fatalf("offenders %+v", r.Offenders)
	}
	if want := r.Duplicates.Count + r.Ordering.Count + 2 + 1; r.Findings() != want || r.Offenders[0].Total() != want {
		t.Fatalf("findings %d, offender total %d, want %d", r.Findings(), r.Offenders[0].Total(), want)
	}
}
