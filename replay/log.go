package replay

import (
	"log/slog"
	"sync"
	"time"
)

// LogEvery is how often a run's progress is summarised in the log.
const LogEvery = 5 * time.Second

// LogPlan records a plan: its id, source, connection and counts.
func LogPlan(log *slog.Logger, conn string, p *Plan) {
	s := p.Summary()
	log.Info("redrive plan made", "id", p.ID, "connection", conn, "source", p.Source, "messages", s.Total,
		"redrive", s.Redrive, "park", s.Park, "unresolved", s.Unresolved, "targets", s.PerTarget)
}

// LogRun records a run's start and returns its options with progress
// summarised in the log (the first batch, then at most every LogEvery)
// and the breaker's trips recorded; the caller's OnProgress still runs.
func LogRun(log *slog.Logger, conn string, p *Plan, whole bool, run RunOptions) RunOptions {
	log = log.With("id", p.ID, "connection", conn, "source", p.Source)
	log.Info("redrive run started", "messages", len(p.Items), "whole_queue", whole, "batch", run.batch(), "rate", run.Rate, "breaker", run.Guard != nil)
	var mu sync.Mutex
	var last time.Time
	next := run.OnProgress
	run.OnProgress = func(pr Progress) {
		mu.Lock()
		due := last.IsZero() || time.Since(last) >= LogEvery
		if due {
			last = time.Now()
		}
		mu.Unlock()
		if due {
			log.Info("redrive progress", progressAttrs(pr)...)
		}
		if next != nil {
			next(pr)
		}
	}
	return run
}

// LogTrip records that the breaker paused a run.
func LogTrip(log *slog.Logger, id, reason string) {
	log.Warn("redrive paused by the breaker", "id", id, "reason", reason)
}

// LogResult records a run's end: finished, stopped (with the reason) or
// failed (with the error).
func LogResult(log *slog.Logger, conn string, p *Plan, res Result, err error) {
	attrs := append([]any{"id", p.ID, "connection", conn, "source", p.Source}, progressAttrs(res.Progress)...)
	attrs = append(attrs, "targets", res.PerTarget)
	for i, f := range res.Failures {
		if i == 20 {
			break
		}
		log.Warn("redrive message failed", "id", p.ID, "position", f.Position, "err", f.Err)
	}
	switch {
	case err != nil:
		log.Error("redrive failed", append(attrs, "err", err, "stop", res.Stop.String())...)
	case res.Stop.Early():
		log.Warn("redrive stopped", append(attrs, "reason", res.Stop.String(), "complete", res.Stop.Complete(), "resumable", res.Stop.Resumable())...)
	default:
		log.Info("redrive finished", attrs...)
	}
}

func progressAttrs(p Progress) []any {
	return []any{"total", p.Total, "done", p.Done, "parked", p.Parked, "skipped", p.Skipped, "duplicates", p.Duplicates,
		"failed", p.Failed, "returned", p.Returned, "elapsed", p.Elapsed.Round(time.Millisecond).String()}
}
