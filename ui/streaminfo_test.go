package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
)

// The selected stream's further facts (a Redis stream's first and last
// entry and groups) show on the list's last line, its escapes pictured;
// a stream without any leaves the line to the list.
func TestStreamsShowTheSelectedStreamsInfo(t *testing.T) {
	streams := []sources.StreamInfo{
		{Name: "orders", Kind: "stream", Partitions: make([]sources.PartitionInfo, 1), Messages: 3, Info: []sources.Property{
			{Name: "first", Value: "1733000000000-0"}, {Name: "last", Value: "1733000000000-2"}, {Name: "group billing", Value: "2 consumers, 1 pending, lag 0 \x1b[31m"}}},
		{Name: "plain", Kind: "stream", Partitions: make([]sources.PartitionInfo, 1), Messages: 1},
	}
	_, p := listedModel(t, 120, 12, streams)
	lines := strings.Split(ansi.Strip(p.View(120, 12)), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "orders · first: 1733000000000-0 · last: 1733000000000-2 · group billing: 2 consumers, 1 pending, lag 0 ␛[31m") {
		t.Fatalf("last line %q", last)
	}
	p.Update(keyPress("j"))
	if view := ansi.Strip(p.View(120, 12)); strings.Contains(view, "first:") {
		t.Fatalf("a stream without facts still shows the other's:\n%s", view)
	}
}

// Facts longer than a line wrap onto at most three, the last cut with "…".
func TestStreamsInfoWrapsToThreeLines(t *testing.T) {
	var info []sources.Property
	for i := range 40 {
		info = append(info, sources.Property{Name: "consumer c" + strings.Repeat("x", i%3), Value: "durable pull, pending 0, ack pending 1341, redelivered 7"})
	}
	_, p := listedModel(t, 80, 20, []sources.StreamInfo{{Name: "S", Kind: "stream", Partitions: make([]sources.PartitionInfo, 1), Info: info}})
	lines := strings.Split(ansi.Strip(p.View(80, 20)), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20", len(lines))
	}
	tail := lines[17:]
	if !strings.HasPrefix(tail[0], "S · consumer c: durable pull, pending 0, ack pending 1341") || !strings.HasSuffix(tail[2], "…") {
		t.Fatalf("the facts:\n%s", strings.Join(tail, "\n"))
	}
	for _, l := range tail {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("a line wider than the screen: %q", l)
		}
	}
}
