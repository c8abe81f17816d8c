package filter

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/mqscope/mqscope/sources"
)

// ErrScanBudget is returned by a Scanner's Next once it has scanned its
// budget; Extend lets it go on.
var ErrScanBudget = errors.New("scan budget reached")

// ErrMatch wraps the error an expression met on a message in a strict scan.
var ErrMatch = errors.New("the filter failed on a message")

// ScanOptions bound a read-time filter.
type ScanOptions struct {
	// Budget is how many messages it may read before it stops and asks
	// (ErrScanBudget); 0 means no limit.
	Budget int64
	// Strict ends the read on the first message the expression fails on
	// (a headless export); otherwise the failure counts as no match and
	// the first one is kept for Err.
	Strict bool
	// Decoder decodes values for an expression that reads json or schema
	// (nil: json reads the value's bytes, schema is empty). It runs in
	// Next, so it may fetch schemas.
	Decoder ValueDecoder
}

// Scanner applies a filter while reading, next to the source: only matches
// leave it, so what does not match never reaches a buffer. It counts what
// it scanned and matched (safe to read from any goroutine while one
// goroutine calls Next).
type Scanner struct {
	sub     sources.Subscription
	flt     *Filter
	strict  bool
	dec     ValueDecoder // nil: none, or the filter reads no decoded value
	left    atomic.Int64 // messages it may still scan; <0: no limit
	scanned atomic.Int64
	matched atomic.Int64
	failed  atomic.Int64
	err     atomic.Pointer[error]
}

// NewScanner wraps a read with a filter.
func NewScanner(sub sources.Subscription, flt *Filter, opts ScanOptions) *Scanner {
	s := &Scanner{sub: sub, flt: flt, strict: opts.Strict}
	if opts.Decoder != nil && flt.UsesDecoded() {
		s.dec = opts.Decoder
	}
	s.left.Store(-1)
	if opts.Budget > 0 {
		s.left.Store(opts.Budget)
	}
	return s
}

// Next reads up to max messages and returns the ones that match. Unlike a
// plain Subscription it may return no message and no error when a whole
// delivery was filtered out, so a caller can show its progress.
func (s *Scanner) Next(ctx context.Context, max int) ([]sources.Message, error) {
	left := s.left.Load()
	if left == 0 {
		return nil, ErrScanBudget
	}
	if left > 0 && int64(max) > left {
		max = int(left)
	}
	batch, err := s.sub.Next(ctx, max)
	kept := batch[:0]
	for i := range batch {
		var ok bool
		var merr error
		if s.dec != nil {
			d := s.dec.Value(ctx, &batch[i])
			ok, merr = s.flt.MatchDecoded(&batch[i], &d)
		} else {
			ok, merr = s.flt.Match(&batch[i])
		}
		if merr != nil {
			if s.strict {
				s.count(int64(i+1), int64(len(kept)))
				return kept, fmt.Errorf("%w: %w", ErrMatch, merr)
			}
			s.failed.Add(1)
			s.err.CompareAndSwap(nil, &merr)
		}
		if ok {
			kept = append(kept, batch[i])
		}
	}
	clear(batch[len(kept):]) // release what did not match
	s.count(int64(len(batch)), int64(len(kept)))
	return kept, err
}

func (s *Scanner) count(scanned, matched int64) {
	s.scanned.Add(scanned)
	s.matched.Add(matched)
	if s.left.Load() > 0 {
		s.left.Add(-scanned)
	}
}

// Extend lets a scan that reached its budget read n more messages.
func (s *Scanner) Extend(n int64) {
	if s.left.Load() >= 0 {
		s.left.Add(n)
	}
}

// Scanned is how many messages the filter has seen.
func (s *Scanner) Scanned() int64 { return s.scanned.Load() }

// Matched is how many of them matched.
func (s *Scanner) Matched() int64 { return s.matched.Load() }

// Failed is how many messages the expression could not be evaluated on
// (each counts as no match).
func (s *Scanner) Failed() int64 { return s.failed.Load() }

// Err is the first error the expression met on a message (nil if none).
func (s *Scanner) Err() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops the read.
func (s *Scanner) Close() error { return s.sub.Close() }
