package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mqscope/mqscope/sources"
)

const (
	// DefaultBreakerShare trips a guard when more than this share of the
	// messages redriven within its window came back dead.
	DefaultBreakerShare = 0.10
	// DefaultBreakerWindow is the window the share is measured over.
	DefaultBreakerWindow = time.Minute
	// breakerMinReturns is how many returns a guard needs before it judges:
	// one early death is not a trend.
	breakerMinReturns = 5
)

// guardState is whether a guarded run may go on.
type guardState int

const (
	guardRunning guardState = iota
	guardPaused
	guardStopped
)

// event is n messages at a time.
type event struct {
	at time.Time
	n  int
}

// Guard is a redrive's circuit breaker: the run reports what it redrove,
// a watcher reports redriven messages that came back to a dead-letter
// queue, and when the share that came back within the window exceeds the
// threshold the guard pauses the run until Resume or Stop. It is safe for
// concurrent use.
type Guard struct {
	share  float64
	window time.Duration
	now    func() time.Time
	// OnTrip, when set, is called (from the goroutine that reported the
	// return) with the reason, once per trip.
	OnTrip func(reason string)

	mu             sync.Mutex
	sent, returned []event
	sentAll, back  int
	state          guardState
	reason         string
	changed        chan struct{} // closed and replaced when the state changes
}

// NewGuard returns a guard that trips past share (0..1) within window
// (zero values take the defaults).
func NewGuard(share float64, window time.Duration) *Guard {
	if share <= 0 {
		share = DefaultBreakerShare
	}
	if window <= 0 {
		window = DefaultBreakerWindow
	}
	return &Guard{share: share, window: window, now: time.Now, changed: make(chan struct{})}
}

// Sent counts n messages redriven (confirmed or committed).
func (g *Guard) Sent(n int) {
	if g == nil || n <= 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, event{g.now(), n})
	g.sentAll += n
}

// Returned counts n redriven messages that came back dead, and trips the
// guard when too many did.
func (g *Guard) Returned(n int) {
	if g == nil || n <= 0 {
		return
	}
	g.mu.Lock()
	now := g.now()
	g.returned = append(g.returned, event{now, n})
	g.back += n
	if g.state != guardRunning {
		g.mu.Unlock()
		return
	}
	sent, back := g.inWindow(now)
	if back < breakerMinReturns || float64(back) <= g.share*float64(max(sent, 1)) {
		g.mu.Unlock()
		return
	}
	g.reason = fmt.Sprintf("%d redriven messages came back dead in the last %s, while %d were redriven (%.0f%%, the limit is %.0f%%)",
		back, g.window, sent, 100*float64(back)/float64(max(sent, 1)), 100*g.share)
	g.setState(guardPaused)
	onTrip, reason := g.OnTrip, g.reason
	g.mu.Unlock()
	if onTrip != nil {
		onTrip(reason)
	}
}

// inWindow sums what was sent and what came back within the window,
// forgetting older events. Called with mu held.
func (g *Guard) inWindow(now time.Time) (sent, back int) {
	cut := now.Add(-g.window)
	trim := func(es []event) ([]event, int) {
		i := 0
		for i < len(es) && es[i].at.Before(cut) {
			i++
		}
		es = es[i:]
		total := 0
		for _, e := range es {
			total += e.n
		}
		return es, total
	}
	g.sent, sent = trim(g.sent)
	g.returned, back = trim(g.returned)
	return sent, back
}

func (g *Guard) setState(s guardState) {
	g.state = s
	close(g.changed)
	g.changed = make(chan struct{})
}

// Paused reports a tripped guard and why.
func (g *Guard) Paused() (bool, string) {
	if g == nil {
		return false, ""
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state == guardPaused, g.reason
}

// Totals are every message redriven and every one that came back.
func (g *Guard) Totals() (sent, returned int) {
	if g == nil {
		return 0, 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sentAll, g.back
}

// Resume lets a paused run go on; the window starts afresh.
func (g *Guard) Resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == guardPaused {
		g.sent, g.returned = nil, nil
		g.setState(guardRunning)
	}
}

// Stop ends a paused (or running) run after its in-flight batch.
func (g *Guard) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != guardStopped {
		g.setState(guardStopped)
	}
}

// Wait blocks while the guard is paused. It reports whether the run may go
// on: false when it was stopped or ctx is done. A nil guard never waits.
func (g *Guard) Wait(ctx context.Context) bool {
	if g == nil {
		return true
	}
	for {
		g.mu.Lock()
		state, changed := g.state, g.changed
		g.mu.Unlock()
		switch state {
		case guardRunning:
			return true
		case guardStopped:
			return false
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

// changes is closed at the next change of state (for select loops).
func (g *Guard) changes() <-chan struct{} {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.changed
}

// stopped reports whether the guard stopped its run, and why.
func (g *Guard) stopped() (Stop, bool) {
	if g == nil {
		return Stop{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == guardStopped {
		return Stop{Reason: BreakerStopped, Detail: g.reason}, true
	}
	return Stop{}, false
}

// stopOr is the guard's stop when it stopped the run, else the given one.
func (g *Guard) stopOr(reason StopReason, detail string) Stop {
	if s, ok := g.stopped(); ok {
		return s
	}
	return Stop{Reason: reason, Detail: detail}
}

// feeder is a connection whose queues are fed through exchanges (RabbitMQ).
type feeder interface {
	FeedingExchanges(ctx context.Context, queue string) ([]string, error)
}

// Watch starts watching for redriven messages of redrive id that die
// again into dlq, reporting them to g, until the returned stop is called.
// A Kafka DLT is followed itself; a RabbitMQ DLQ through taps on the
// exchanges that feed it (its own messages are being consumed by the
// redrive). A DLQ that cannot be watched is an error: the breaker is blind.
func Watch(ctx context.Context, conn sources.Conn, dlq, id string, g *Guard) (stop func(), err error) {
	if _, ok := conn.(sources.QueueRedriver); ok {
		return func() {}, nil // an SQS redrive receives the returns itself (the queue is not ordered) and tells the guard
	}
	r, ok := conn.(sources.Reader)
	if !ok {
		return nil, fmt.Errorf("breaker: %s cannot be read", conn.Name())
	}
	streams := []string{dlq}
	if f, ok := conn.(feeder); ok {
		if streams, err = f.FeedingExchanges(ctx, dlq); err != nil {
			return nil, fmt.Errorf("breaker: %w", err)
		}
		if len(streams) == 0 {
			return nil, fmt.Errorf("breaker: no exchange is bound to %s (dead letters reach it through the default exchange), so returns cannot be watched", dlq)
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stop = func() { cancel(); wg.Wait() }
	for _, s := range streams {
		sub, err := r.Read(wctx, s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
		if err != nil {
			stop()
			return nil, fmt.Errorf("breaker: watch %s for returns: %w", s, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			watchReturns(wctx, sub, id, g)
		}()
	}
	return stop, nil
}

// watchReturns reports to g every message of sub that carries the redrive
// id (a redriven message that died again) until ctx is done; it closes sub.
func watchReturns(ctx context.Context, sub sources.Subscription, id string, g *Guard) {
	defer sub.Close()
	for {
		batch, err := sub.Next(ctx, 1000)
		n := 0
		for i := range batch {
			if v, ok := batch[i].Header(HeaderID); ok && string(v) == id {
				n++
			}
		}
		g.Returned(n)
		if err != nil && (ctx.Err() != nil || errors.Is(err, sources.ErrEndOfStream)) {
			return
		}
		// other errors are transient: the reader retries by itself
	}
}
