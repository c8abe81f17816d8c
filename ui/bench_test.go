package ui

import (
	"fmt"
	"runtime"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// benchMessages makes n messages of 200-byte JSON values with a key and
// two headers, like a busy topic.
func benchMessages(n int) []sources.Message {
	out := make([]sources.Message, n)
	pad := make([]byte, 120)
	for i := range pad {
		pad[i] = 'x'
	}
	for i := range out {
		v := []byte(fmt.Sprintf(`{"id":%d,"status":"%s","pad":"%s"}`, i, []string{"OK", "FAILED"}[i%2], pad))
		out[i] = sources.Message{Stream: "t", Partition: int32(i % 3), Offset: int64(i / 3), Key: []byte(fmt.Sprintf("k%07d", i)), Value: v[:min(len(v), 200)],
			Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}, {Key: "trace", Value: []byte("abc")}}, Timestamp: testNow}
		out[i].ValueSize = len(out[i].Value)
	}
	return out
}

// BenchmarkMessagesView is one View of the message list with n messages
// held: it must not grow with n.
func BenchmarkMessagesView(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := heldPage(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = p.View(160, 47)
			}
		})
	}
}

// BenchmarkFilterHeld runs a filter expression over 1M messages held.
func BenchmarkFilterHeld(b *testing.B) {
	p := heldPage(b, 1_000_000)
	f, err := filter.Compile(`json.status == "FAILED" && headers["tenant"] == "acme"`)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.view.setFilter(f)
		for p.view.step() {
		}
	}
	b.StopTimer()
	if p.view.Len() != 500_000 {
		b.Fatalf("matched %d", p.view.Len())
	}
}

// BenchmarkMemoryHeld reports the heap a message list needs for 1M messages
// of 200 B (raw bytes: key + value + headers).
func BenchmarkMemoryHeld(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p := heldPage(b, 1_000_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		raw := 0
		for j := 0; j < p.buf.Len(); j++ {
			m := p.buf.At(j)
			raw += len(m.Key) + len(m.Value)
			for _, h := range m.Headers {
				raw += len(h.Key) + len(h.Value)
			}
		}
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(raw), "heap/raw")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MiB")
		runtime.KeepAlive(p)
	}
}

// BenchmarkRootView draws a whole frame of a full messages page through
// the root model, the frame's sanitising net included.
func BenchmarkRootView(b *testing.B) {
	c := testCommon(200, 60)
	m := newModel(c, []sources.Conn{staticConn{}})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	p := newTestMessages(c)
	m.Update(pagePushed{p})
	deliver(p, orderMsgs(0, 1000))
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

// BenchmarkSearchHeld searches 1M messages held for a text none holds
// (every key, value and header is looked at), step by step as the page
// does, and reports the cost per message and what ten searches leave on
// the heap.
func BenchmarkSearchHeld(b *testing.B) {
	const n = 1_000_000
	p := heldPage(b, n)
	p.follow = false
	searchAll := func(text string) {
		p.search, p.cur.sel = text, 0
		p.findNext(1)
		for p.srch != nil {
			p.searchStep()
		}
	}
	for _, text := range []string{"no such text", "ünknown"} {
		b.Run(map[bool]string{true: "ascii", false: "unicode"}[text[0] < 0x80], func(b *testing.B) {
			searchAll(text) // warm
			runtime.GC()
			var before, after, ms runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				searchAll(text)
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/msg")
			b.ReportMetric(float64(ms.Mallocs-before.Mallocs)/float64(b.N)/n, "allocs/msg")
			for range 10 {
				searchAll(text)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(before.HeapInuse)/(1<<20), "heap-before-MiB")
			b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap-after10-MiB")
			b.ReportMetric(100*(float64(after.HeapInuse)/float64(before.HeapInuse)-1), "heap-growth-%")
		})
	}
	runtime.KeepAlive(p)
}
