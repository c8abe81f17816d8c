package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// BenchmarkIngest feeds the message list from the real connector (kfake
// over TCP) as fast as it reads, calling View every 16 ms as a 60 fps
// screen would, and reports messages per second into the model.
func BenchmarkIngest(b *testing.B) {
	const n = 500_000
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	value := []byte(`{"status":"OK","pad":"` + strings.Repeat("x", 176) + `"}`)
	if err := testbroker.FillKafka(addr, "bench", n, value); err != nil {
		b.Fatal(err)
	}
	conn, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		c := testCommon(160, 50)
		c.Now = time.Now
		c.BufferBudget = 1 << 30
		page := newMessagesPage(c, conn, sources.StreamInfo{Name: "bench", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: make([]sources.PartitionInfo, 3)})
		page.pid = 1
		page.start = sources.Start{Kind: sources.StartOldest}
		start := time.Now()
		nextFrame := start
		// A one-goroutine stand-in for Bubble Tea's loop: run a Cmd, hand
		// its message to Update, queue what Update returns.
		queue := []tea.Cmd{page.Init()}
		for page.buf.Len() < n && len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			if cur == nil {
				continue
			}
			msg := cur()
			if batch, ok := msg.(tea.BatchMsg); ok {
				queue = append(queue, batch...)
				continue
			}
			queue = append(queue, page.Update(msg))
			if time.Now().After(nextFrame) {
				_ = page.View(160, 47)
				nextFrame = nextFrame.Add(16 * time.Millisecond)
			}
		}
		d := time.Since(start)
		page.Close()
		if page.buf.Len() < n {
			b.Fatalf("got %d of %d", page.buf.Len(), n)
		}
		b.ReportMetric(float64(n)/d.Seconds(), "msgs/s")
	}
}
