package schema

import (
	"context"
	"errors"
	"time"
)

// fetchBackoff is the pause before asking the registry again after a
// transient failure (an HTTP 5xx, no answer in time); the second pause is
// four times as long.
const fetchBackoff = 100 * time.Millisecond

// fetchRetrying runs fn, and up to twice again after a short pause while
// it fails transiently and the pause ends within budget of the start (a
// decode's timeout: the decode waiting on the answer still has it).
func fetchRetrying[T any](ctx context.Context, budget time.Duration, fn func(context.Context) (T, error)) (T, error) {
	end := time.Now().Add(budget)
	v, err := fn(ctx)
	for _, pause := range [...]time.Duration{fetchBackoff, 4 * fetchBackoff} {
		if err == nil || !transient(err) || time.Until(end) <= pause {
			break
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, err
		case <-t.C:
		}
		v, err = fn(ctx)
	}
	return v, err
}

// transient reports a registry failure that asking again soon may mend.
func transient(err error) bool {
	var re *requestError
	return errors.As(err, &re) && re.transient
}
