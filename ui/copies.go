package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

const (
	// copyLookupDelay is how long a dead-letter list waits after its first
	// messages before it looks for their earlier redrives (the backlog is
	// in by then).
	copyLookupDelay = time.Second
	// copyLookupLimit bounds the records of one origin topic the list reads
	// to find the copies earlier redrives wrote.
	copyLookupLimit = replay.CopyScanBudget
)

// copyLookupDue says it is time to look for earlier redrives of the dead
// letters a list holds.
type copyLookupDue struct{ page, sub int }

func (m copyLookupDue) pageID() int { return m.page }

// copiesFound carries what the look-up found (sub: the read it was for).
type copiesFound struct {
	page, sub int
	copies    *replay.Copies
	err       error
}

func (m copiesFound) pageID() int { return m.page }

// copyLookup is a dead-letter list's look-up of earlier redrives: once per
// read, on Kafka.
type copyLookup struct {
	asked  bool
	copies *replay.Copies
}

// scheduleCopyLookup asks, once per read of a Kafka DLT, for a look-up a
// moment after the first messages came.
func (p *messagesPage) scheduleCopyLookup() tea.Cmd {
	if _, ok := p.conn.(replay.CopyFinder); !ok || !p.dlq || p.copies.asked || p.buf.Len() == 0 {
		return nil
	}
	p.copies.asked = true
	page, sub := p.pid, p.subID
	return tea.Tick(copyLookupDelay, func(time.Time) tea.Msg { return copyLookupDue{page: page, sub: sub} })
}

// lookUpCopies starts the look-up: the origin topics of the dead letters
// held, from the oldest of them.
func (p *messagesPage) lookUpCopies(msg copyLookupDue) tea.Cmd {
	f, ok := p.conn.(replay.CopyFinder)
	if !ok || msg.sub != p.subID {
		return nil
	}
	topics, since := p.originsHeld()
	if len(topics) == 0 {
		return nil
	}
	ctx, source, page, sub := p.ctx, p.stream.Name, p.pid, p.subID
	return func() tea.Msg {
		c, err := replay.FindCopies(ctx, f, source, topics, since, copyLookupLimit)
		return copiesFound{page: page, sub: sub, copies: c, err: err}
	}
}

// originsHeld are the origin topics of the dead letters held, sorted, and
// the oldest one's time (zero when one has none).
func (p *messagesPage) originsHeld() ([]string, time.Time) {
	seen := map[string]bool{}
	var topics []string
	var since time.Time
	unknown := false
	var m sources.Message
	for i := 0; i < p.buf.Len(); i++ {
		p.buf.Load(i, &m)
		d := m.DeadLetter
		if d == nil || d.OriginStream == "" || d.OriginStream == p.stream.Name {
			continue
		}
		if !seen[d.OriginStream] {
			seen[d.OriginStream] = true
			topics = append(topics, d.OriginStream)
		}
		switch {
		case m.Timestamp.IsZero():
			unknown = true
		case since.IsZero() || m.Timestamp.Before(since):
			since = m.Timestamp
		}
	}
	if unknown {
		since = time.Time{}
	}
	return topics, since
}

// copiesArrived takes the look-up's answer for the current read.
func (p *messagesPage) copiesArrived(msg copiesFound) tea.Cmd {
	if msg.sub != p.subID {
		return nil
	}
	p.copies.copies = msg.copies
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		return setStatus("could not look for earlier redrives: " + msg.err.Error())
	}
	return nil
}

// earlierCopy is where an earlier redrive copied a dead letter the list holds.
func (p *messagesPage) earlierCopy(m *sources.Message) (replay.EarlierCopy, bool) {
	return p.copies.copies.Of(m)
}
