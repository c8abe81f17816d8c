package ui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// bigStreamsPage is the root model on a list of n streams, listed and
// counted.
func bigStreamsPage(b *testing.B, n int) (*Model, *streamsPage) {
	c := testCommon(160, 50)
	m := newModel(c, []sources.Conn{staticConn{}})
	p := m.top().(*streamsPage)
	p.Update(streamsListed{page: p.pid, req: p.req, streams: manyNames(n), at: testNow})
	if len(p.visible) != n {
		b.Fatalf("%d rows shown of %d", len(p.visible), n)
	}
	return m, p
}

// BenchmarkStreamsView draws the list of 10,000 streams: the page alone
// and the whole frame (header, status line, the frame's sanitising net).
// Only the rows on screen are drawn, so neither grows with the list.
func BenchmarkStreamsView(b *testing.B) {
	m, p := bigStreamsPage(b, 10_000)
	p.Update(keyPress("G"))
	b.Run("page", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = p.View(160, 47)
		}
	})
	b.Run("frame", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = m.View()
		}
	})
}

// BenchmarkStreamsFilter is one key typed into the list's filter over
// 10,000 names: typing narrows what the last key matched, a backspace
// scores every name again. An op is one key (the average of the six).
func BenchmarkStreamsFilter(b *testing.B) {
	_, p := bigStreamsPage(b, 10_000)
	p.Update(keyPress("/"))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N / 6 {
		for _, r := range "lgv" {
			p.Update(keyPress(string(r)))
		}
		for range 3 {
			p.Update(tea.KeyMsg{Type: tea.KeyBackspace})
		}
	}
}

// BenchmarkStreamsUpdate times the page's longest Update steps on a
// list of 10,000 streams: a new listing of the names (every row kept or
// made, the filter applied again) and one batch of counts (500 topics of
// 10 partitions).
func BenchmarkStreamsUpdate(b *testing.B) {
	_, p := bigStreamsPage(b, 10_000)
	names := manyNames(10_000)
	for i := range names {
		names[i].Messages, names[i].High = -1, -1
	}
	b.Run("names", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			p.Update(streamsNamed{page: p.pid, req: p.req, streams: names})
		}
	})
	batch := manyNames(10_000)[:500]
	at := testNow
	b.Run("counts500", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			at = at.Add(time.Second)
			p.Update(streamsCounted{page: p.pid, req: p.req, streams: batch, at: at})
		}
	})
}
