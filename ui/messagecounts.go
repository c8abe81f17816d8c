package ui

import (
	"context"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// streamCounted carries the stream's counts as the connection lists them now.
type streamCounted struct {
	page  int
	st    sources.StreamInfo
	found bool
}

func (m streamCounted) pageID() int { return m.page }

// countDue asks for the stream's counts again.
type countDue struct{ page int }

func (m countDue) pageID() int { return m.page }

// count asks for this stream's counts in a Cmd (nil when the connection
// cannot list): a Counter counts only this stream.
func (p *messagesPage) count() tea.Cmd {
	l, ok := p.conn.(sources.Lister)
	if !ok {
		return nil
	}
	ctx, page, name := p.ctx, p.pid, p.stream.Name
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		st, found, err := sources.CountOne(ctx, l, name)
		if err != nil {
			return streamCounted{page: page} // the counts stay as they were; the read says what is wrong
		}
		return streamCounted{page: page, st: st, found: found}
	}
}

// counted takes the counts of a listing (the partitions read stay those
// the page was opened with) and asks again after a while.
func (p *messagesPage) counted(msg streamCounted) tea.Cmd {
	if msg.found {
		p.stream.Messages, p.stream.High = msg.st.Messages, msg.st.High
		p.stream.Partitions = slices.Clone(p.stream.Partitions) // the list the page came from keeps its own
		for i, part := range p.stream.Partitions {
			for _, now := range msg.st.Partitions {
				if now.ID == part.ID {
					p.stream.Partitions[i].Low, p.stream.Partitions[i].High = now.Low, now.High
				}
			}
		}
	}
	page := p.pid
	return tea.Tick(refreshEvery, func(time.Time) tea.Msg { return countDue{page} })
}
