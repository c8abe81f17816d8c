package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/versions"
)

// incompleteRead is the error of a headless command whose bounded read
// could not deliver all it was asked for: it exits 1, and its one line on
// stderr says what of the stream was left out and why.
type incompleteRead struct {
	// what is the command's work ("the export of orders, 1200 messages
	// written"), verb what was not done with the ranges ("exported").
	what, verb string
	inc        *sources.IncompleteError
}

// Error lists the ranges left out.
func (e *incompleteRead) Error() string {
	parts := make([]string, 0, len(e.inc.Unread))
	for _, u := range e.inc.Unread {
		parts = append(parts, u.Describe(e.verb))
	}
	return fmt.Sprintf("%s is incomplete: %s", e.what, strings.Join(parts, "; "))
}

// Unwrap is the read's IncompleteError.
func (e *incompleteRead) Unwrap() error { return e.inc }

// unreadWatch passes a bounded read on to an analysis that reads to its
// end (triage, check, a census): an IncompleteError ends the read for it
// as the end of the stream does, and is kept for the command to tell once
// the analysis' report is out.
type unreadWatch struct {
	sources.Subscription
	inc *sources.IncompleteError
}

// watchUnread wraps sub (see unreadWatch).
func watchUnread(sub sources.Subscription) *unreadWatch { return &unreadWatch{Subscription: sub} }

// Next is the read's Next, an IncompleteError turned into ErrEndOfStream.
func (w *unreadWatch) Next(ctx context.Context, max int) ([]sources.Message, error) {
	batch, err := w.Subscription.Next(ctx, max)
	if inc, ok := sources.AsIncomplete(err); ok {
		w.inc = inc
		return batch, sources.ErrEndOfStream
	}
	return batch, err
}

// failure is the incompleteRead of the read (nil: it was whole).
func (w *unreadWatch) failure(what, verb string) error {
	if w == nil || w.inc == nil {
		return nil
	}
	return &incompleteRead{what: what, verb: verb, inc: w.inc}
}

// incompleteOr is the incompleteRead of err when err is an
// IncompleteError, else err.
func incompleteOr(err error, what, verb string) error {
	var inc *sources.IncompleteError
	if errors.As(err, &inc) {
		return &incompleteRead{what: what, verb: verb, inc: inc}
	}
	return err
}

// unreadWatches watches every read an analysis opens itself (a census
// opens the dead letters' origin too).
type unreadWatches struct {
	mu      sync.Mutex
	watches []*unreadWatch
}

// opener is open with each read it opens watched.
func (ws *unreadWatches) opener(open versions.Opener) versions.Opener {
	return func(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
		sub, err := open(ctx, stream, opts)
		if err != nil {
			return nil, err
		}
		w := watchUnread(sub)
		ws.mu.Lock()
		defer ws.mu.Unlock()
		ws.watches = append(ws.watches, w)
		return w, nil
	}
}

// failure is the incompleteRead of every read watched (nil: all were
// whole).
func (ws *unreadWatches) failure(what, verb string) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var all []sources.Unread
	for _, w := range ws.watches {
		if w.inc != nil {
			all = append(all, w.inc.Unread...)
		}
	}
	if len(all) == 0 {
		return nil
	}
	return &incompleteRead{what: what, verb: verb, inc: &sources.IncompleteError{Unread: all}}
}
