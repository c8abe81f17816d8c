package ui

import (
	"fmt"

	"github.com/mqscope/mqscope/ui/render"
)

// headline is the health page's first line: the findings (so far, while
// the check runs), what was checked and the sequence read.
func (p *healthPage) headline() string {
	s := p.c.Styles
	r := &p.report
	n := r.Findings()
	verdict := s.Section.Render("no finding")
	if n > 0 {
		verdict = s.DLQBadge.Render(findingsCount(n))
	}
	what := fmt.Sprintf("  in %s messages checked", groupDigits(r.Scanned))
	if !p.done {
		verdict += s.Muted.Render(" so far")
		what = fmt.Sprintf("  ·  checking… %s messages", groupDigits(r.Scanned))
	}
	switch {
	case p.held != nil:
		what += " (held by the list)"
	case p.stream.Queue:
		what += " (peeked: they come back redelivered)"
	}
	if part := p.partialText(); part != "" {
		verdict += s.Warn.Render("  " + part)
	}
	return verdict + s.Muted.Render(what+"  ·  sequence: "+render.Sanitize(r.Sequence))
}

// partialText says a peek stopped at its bound with more in the queue
// than it read ("" otherwise): a check of part of a queue is no
// "healthy".
func (p *healthPage) partialText() string {
	st, n := p.stream, p.report.Scanned
	if !p.done || p.held != nil || !st.Queue || st.PeekLimit <= 0 || n < int64(st.PeekLimit) || st.Messages <= n {
		return ""
	}
	return fmt.Sprintf("partial: %s of %s checked (one peek holds at most %s)", groupDigits(n), groupDigits(st.Messages), groupDigits(int64(st.PeekLimit)))
}

// findingsCount is "1 finding", "248,751,000 findings".
func findingsCount(n int64) string {
	if n == 1 {
		return "1 finding"
	}
	return groupDigits(n) + " findings"
}

// countWidth is the COUNT column's width: its title's, or the widest
// count's.
func (p *healthPage) countWidth() int {
	w := len("COUNT") + 1
	for _, hr := range p.rows {
		if hr.ex < 0 {
			n, _ := p.findingLine(hr.finding)
			w = max(w, len(groupDigits(n)))
		}
	}
	return w
}

// lackingText says how many messages lacked what the check reads of
// them ("" when none did).
func (p *healthPage) lackingText() string {
	r := &p.report
	var out string
	for _, c := range []struct {
		n    int64
		what string
	}{{r.NoEntity, "without an entity (duplicates only)"}, {r.NoSequence, "without the sequence"},
		{r.SequenceNotInteger, "with a sequence that is no integer"}} {
		if c.n > 0 {
			out += "  ·  " + groupDigits(c.n) + " " + c.what
		}
	}
	return out
}
