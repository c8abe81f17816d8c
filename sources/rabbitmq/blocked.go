package rabbitmq

import (
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// publishGate is whether the broker blocks a run's publishing
// (connection.blocked), as the publishing connection was told.
type publishGate struct {
	mu      sync.Mutex
	block   *sources.PublishBlock
	changed chan struct{} // closed and replaced at each change
}

func newPublishGate() *publishGate { return &publishGate{changed: make(chan struct{})} }

// set takes a connection.blocked or connection.unblocked.
func (g *publishGate) set(b amqp.Blocking) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b.Active {
		g.block = &sources.PublishBlock{Reason: b.Reason}
	} else {
		g.block = nil
	}
	close(g.changed)
	g.changed = make(chan struct{})
}

// PublishBlocked is the block in force (nil: none) and a channel closed at
// the next change (see sources.PublishBlocker).
func (g *publishGate) PublishBlocked() (*sources.PublishBlock, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.block, g.changed
}

// follow hands amqp091-go's notifications of blocks to the gate until the
// connection closes them.
func (g *publishGate) follow(blocks <-chan amqp.Blocking) {
	for b := range blocks {
		g.set(b)
	}
}
