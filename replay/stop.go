package replay

// StopReason says why a run ended before it had taken every message it
// was given; Finished when it had.
type StopReason int

const (
	// Finished: the run took every message it was given.
	Finished StopReason = iota
	// Cancelled: the person running it stopped it (Ctrl-C, esc).
	Cancelled
	// BreakerStopped: the breaker paused it (too many redriven messages
	// came back dead) and it was told to stop.
	BreakerStopped
	// ConnectionLost: the broker closed the connection or the channel.
	ConnectionLost
	// PublishFailed: a message could not be written to the broker.
	PublishFailed
	// ConfirmTimeout: the broker confirmed nothing for too long.
	ConfirmTimeout
	// CameRound: a message the run had given back to the queue came round
	// again, so the rest of the queue is what the run saw already.
	CameRound
	// HeldByOthers: nothing more came; the rest of the queue is held by
	// other consumers.
	HeldByOthers
	// PrefetchFull: the messages the run leaves in place fill its prefetch,
	// so the rest of the queue could not be read.
	PrefetchFull
	// TargetRefused: a target does not exist or refused the write.
	TargetRefused
	// TakenOver: another run of the same source took over (it fenced this
	// one), so this one stopped rather than write twice.
	TakenOver
	// Failed: an error ended the run; the run's error says which.
	Failed
)

var stopReasonNames = [...]string{
	Finished:       "finished",
	Cancelled:      "cancelled",
	BreakerStopped: "stopped by the breaker",
	ConnectionLost: "connection lost",
	PublishFailed:  "publish failed",
	ConfirmTimeout: "no publisher confirm",
	CameRound:      "a message came round again",
	HeldByOthers:   "no more messages to take",
	PrefetchFull:   "the prefetch is full of messages left in place",
	TargetRefused:  "target refused",
	TakenOver:      "another run took over",
	Failed:         "failed",
}

// String names the reason for people.
func (r StopReason) String() string {
	if r < 0 || int(r) >= len(stopReasonNames) {
		return "unknown"
	}
	return stopReasonNames[r]
}

// Stop is why and how a run ended.
type Stop struct {
	Reason StopReason
	// Detail says more, for people ("" when the reason says it all).
	Detail string
}

// Early reports the run ended before it had taken every message.
func (s Stop) Early() bool { return s.Reason != Finished }

// Complete reports the run did all it could reach: it finished, or it
// ended because the rest of the queue was what it had seen already or was
// held by other consumers. Anything else leaves work a resume would do.
func (s Stop) Complete() bool {
	switch s.Reason {
	case Finished, CameRound, HeldByOthers:
		return true
	}
	return false
}

// Resumable reports that running the same redrive id again picks up where
// this run stopped. A run that was taken over by another, or whose target
// refused it, is not: the other run is doing the work, or the target must
// be fixed first.
func (s Stop) Resumable() bool {
	switch s.Reason {
	case Finished, TargetRefused, TakenOver:
		return false
	}
	return true
}

// String renders the stop for people: the reason, then the detail.
func (s Stop) String() string {
	if s.Detail == "" {
		return s.Reason.String()
	}
	return s.Reason.String() + ": " + s.Detail
}

// stopped records why a run ended, keeping the first reason given.
func (r *Result) stopped(reason StopReason, detail string) {
	if r.Stop.Reason == Finished {
		r.Stop = Stop{Reason: reason, Detail: detail}
	}
}
