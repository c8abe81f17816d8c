package health

// Verdict is a check's conclusion in one word, the one its exit status
// follows.
type Verdict string

// The verdicts, in the order they win over each other: an interrupted
// run is said first, then findings, then a read that was not all it was
// asked to be, then a read of nothing.
const (
	// VerdictHealthy: every message asked for was read, none had a finding.
	VerdictHealthy Verdict = "healthy"
	// VerdictFindings: at least one finding (in a partial read too).
	VerdictFindings Verdict = "findings"
	// VerdictPartial: no finding in what was read, but the read stopped
	// before all that was asked for (Partial says why).
	VerdictPartial Verdict = "partial"
	// VerdictNothingChecked: the read held no message.
	VerdictNothingChecked Verdict = "nothing_checked"
	// VerdictInterrupted: the run was interrupted; what was read so far is
	// reported.
	VerdictInterrupted Verdict = "interrupted"
)

// Outcome is what a report concludes: the verdict, the findings counted,
// and whether the read was all that was asked for.
type Outcome struct {
	Verdict Verdict `json:"verdict"`
	// Total is the findings the verdict counts (Report.Findings).
	Total int64 `json:"findings"`
	// Complete says every message asked for was read; Partial says why
	// not (one reason a line).
	Complete bool     `json:"complete"`
	Partial  []string `json:"partial,omitempty"`
	// Interrupted says where the run was stopped: "read" (the messages
	// read so far are reported) or "flow" (after a whole read, before its
	// consumers and retry chain were found); "" for a run to its end.
	Interrupted string `json:"interrupted,omitempty"`
}

// Where a run may be interrupted.
const (
	InterruptedRead = "read"
	InterruptedFlow = "flow"
)

// MarkPartial records that the read stopped before all it was asked
// for, and why.
func (r *Report) MarkPartial(why string) { r.Outcome.Partial = append(r.Outcome.Partial, why) }

// MarkInterrupted records that the run was interrupted, and where
// (InterruptedRead, InterruptedFlow).
func (r *Report) MarkInterrupted(where string) { r.Outcome.Interrupted = where }

// Conclude sets the outcome from the findings and what was marked.
func (r *Report) Conclude() {
	o := &r.Outcome
	o.Total = r.Findings()
	o.Complete = len(o.Partial) == 0 && o.Interrupted != InterruptedRead
	switch {
	case o.Interrupted == InterruptedRead:
		o.Verdict = VerdictInterrupted
	case o.Total > 0:
		o.Verdict = VerdictFindings
	case !o.Complete:
		o.Verdict = VerdictPartial
	case r.Scanned == 0:
		o.Verdict = VerdictNothingChecked
	default:
		o.Verdict = VerdictHealthy
	}
}
