package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// readOpened carries a read a page takes in steps (origin: a census's
// second read, of the dead letters' origin).
type readOpened struct {
	page, gen int
	origin    bool
	sub       sources.Subscription
	err       error
}

func (m readOpened) pageID() int { return m.page }

// readStepped says a step of such a read is done.
type readStepped struct {
	page, gen int
	origin    bool
	done      bool
	err       error
}

func (m readStepped) pageID() int { return m.page }

// stepRead is a bounded read a page takes through an analysis in steps,
// each a Cmd, so a frame is never held up (the check, the triage and the
// census). The page keeps the generation its answers carry.
type stepRead struct {
	sub sources.Subscription
}

// openStepped opens stream in a Cmd; its answer is a readOpened.
func openStepped(ctx context.Context, r sources.Reader, stream string, opts sources.ReadOptions, page, gen int, origin bool) tea.Cmd {
	return func() tea.Msg {
		sub, err := r.Read(ctx, stream, opts)
		return readOpened{page: page, gen: gen, origin: origin, sub: sub, err: err}
	}
}

// take keeps an opened read of generation want and returns next's Cmd
// (its first step); an answer of another generation is closed, an error
// kept in failed and shown.
func (r *stepRead) take(msg readOpened, want int, failed *error, next func() tea.Cmd) tea.Cmd {
	if cmd, ok := opened(msg.gen, want, msg.sub, msg.err, failed); !ok {
		return cmd
	}
	r.sub = msg.sub
	return next()
}

// step runs one step of the analysis over the read held, for about d, in
// a Cmd; its answer is a readStepped.
func (r *stepRead) step(ctx context.Context, step sources.Stepper, d time.Duration, page, gen int, origin bool) tea.Cmd {
	sub := r.sub
	return func() tea.Msg {
		done, err := step(ctx, sub, d)
		return readStepped{page: page, gen: gen, origin: origin, done: done, err: err}
	}
}

// stepped is what a step's answer (of the page's generation) asks for: its
// error shown (none once ctx has ended), at the read's end the read closed
// and then's Cmd, else next's.
func (r *stepRead) stepped(msg readStepped, ctx context.Context, failed *error, next, then func() tea.Cmd) tea.Cmd {
	switch {
	case msg.err != nil && ctx.Err() == nil:
		*failed = msg.err
		return setError(msg.err)
	case msg.done && r.sub == nil:
		return then()
	case msg.done:
		s := r.sub
		r.sub = nil
		return tea.Batch(closeRead(s), then())
	case msg.err == nil:
		return next()
	}
	return nil
}

// release closes the read held without waiting for it: a broker never
// blocks the UI.
func (r *stepRead) release() {
	if r.sub != nil {
		s := r.sub
		go func() { _ = s.Close() }()
		r.sub = nil
	}
}
