package ui

import (
	"fmt"

	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/ui/render"
)

func (p *messagesPage) View(w, h int) string {
	s := p.c.Styles
	cols := p.columns(w)
	heads := titles(cols)
	if mark := p.sideMarker(); mark != "" {
		heads[len(heads)-1] += " " + mark
	}
	out := []string{p.infoLine(), s.ColumnHeader.Render(row(cols, heads...))}
	if p.prompt != "" {
		out[0] = p.input.View()
		if p.promptErr != "" {
			out[0] += "  " + s.StatusError.Render(render.Sanitize(p.promptErr))
		}
		if len(p.tab.hint) > 0 {
			out[1] = completionHint(s, p.tab.hint, w) // over the column titles while Tab lists names
		}
	}
	n := p.view.Len()
	if n == 0 {
		switch {
		case p.err != nil:
			out = append(out, s.StatusError.Render("✖ "+render.Sanitize(p.err.Error())))
		case p.asking() != "":
		case !p.opened:
			out = append(out, s.Muted.Render("  opening "+render.Sanitize(p.stream.Name)+"…"))
		case p.scan != nil && p.budgetHit:
			out = append(out, s.Muted.Render(fmt.Sprintf("  no match in the first %s from %s (+: scan on)", plural(p.scan.Scanned(), "message"), p.stream.StartText(p.start))))
		case p.scan != nil:
			out = append(out, s.Muted.Render(fmt.Sprintf("  scanning %s for %s: no match yet in %s", render.Sanitize(p.stream.Name), render.Sanitize(p.readFilter), plural(p.scan.Scanned(), "message"))))
		case p.view.flt != nil && !p.view.scanning():
			out = append(out, s.Muted.Render(fmt.Sprintf("  0 matches in the %s held (f: change the filter; new messages are filtered as they come)", plural(p.buf.Len(), "message"))))
		case p.stream.Queue && p.ended:
			out = append(out, s.Muted.Render("  the queue is empty (r: peek again)"))
		case p.stream.Tap:
			out = append(out, s.Muted.Render("  tapping "+render.Sanitize(p.stream.Name)+": waiting for messages to be published"))
		case p.registryWait() != "":
			out = append(out, s.Muted.Render("  "+p.registryWait()))
		default:
			out = append(out, s.Muted.Render("  no messages yet from "+p.stream.StartText(p.start)+": waiting for new ones (s: start position)"))
		}
	}
	from, to := p.cur.window(n, h-2)
	now := p.c.Now().In(p.c.Location)
	for i := from; i < to; i++ {
		m := p.view.At(i)
		cells := p.cells(m, p.view.Note(i), cols, now, cols[len(cols)-1].width+p.side.left)
		cells[len(cells)-1] = p.side.shift(cells[len(cells)-1])
		if p.marks.has(m) {
			cells[0] = "●" + cells[0]
		}
		line := row(cols, cells...)
		lead := p.leading()
		keyAt := len(row(cols[:lead], cells[:lead]...)) + 1 // the match is marked in the key and what follows
		switch r := reasonAt(cols); {
		case i == p.cur.sel:
			line = p.highlight(line, keyAt, s.Selected.Render)
		case p.dlq && m.DeadLetter != nil && r >= 0:
			line = row(cols[:r], cells[:r]...) + " " + s.DLQBadge.Render(cell(cells[r], cols[r].width, false))
			if r+1 < len(cols) {
				line += " " + row(cols[r+1:], cells[r+1:]...)
			}
		default:
			line = p.highlight(line, keyAt, nil)
		}
		out = append(out, line)
	}
	if box := p.overlayBox(w, h); box != "" {
		return overlay(joinLines(out), box, w, h)
	}
	return joinLines(out)
}

func (p *messagesPage) infoLine() string {
	s := p.c.Styles
	var mode, info string
	switch {
	case p.err != nil && (p.opened || p.resumeWait > 0):
		mode = s.StatusError.Render("⚠ RETRYING")
	case p.stream.Queue && p.ended:
		mode = s.Paused.Render("◉ PEEKED")
		info = fmt.Sprintf("  %d held, given back (now redelivered", p.buf.Len())
		if e := p.stream.PeekEffect; e != "" {
			info += ", " + e
		}
		info += ")  r: again"
	case p.stream.Queue:
		mode = s.Paused.Render("◉ PEEKING")
		info = fmt.Sprintf("  the first %d, held until read, then given back", p.start.N)
	case p.ended:
		mode = s.Muted.Render("■ END")
	case p.follow:
		mode = s.Live.Render("● LIVE")
	default:
		mode = s.Paused.Render("❚❚ PAUSED")
		if p.unseen > 0 {
			mode += s.Paused.Render(fmt.Sprintf(" +%s new", groupDigits(int64(p.unseen))))
		}
	}
	switch {
	case info != "":
	case p.stream.Tap:
		info = "  tap: a private auto-delete queue gets a copy; deliveries are untouched"
	case len(p.stream.Partitions) > 0:
		info = fmt.Sprintf("  from %s%s  %s  %s on broker", p.stream.StartText(p.start), p.untilInfo(), plural(len(p.stream.Partitions), "partition"), countOrPending(p.stream.Messages))
	default:
		info = fmt.Sprintf("  from %s%s  %s on broker", p.stream.StartText(p.start), p.untilInfo(), countOrPending(p.stream.Messages))
	}
	if p.readFilter != "" {
		info += "  only " + render.Sanitize(p.readFilter)
	}
	if p.dlq {
		info += "  " + s.DLQBadge.Render("dead letters")
		if p.stream.DeadLetterFor != "" {
			info += s.DLQBadge.Render(" of " + render.Sanitize(p.stream.DeadLetterFor))
		}
	}
	line := mode + s.Muted.Render(info)
	if wait := p.registryWait(); wait != "" {
		line += "  " + s.Warn.Render("⧗ "+wait)
	}
	return line
}

// untilInfo is " until END" when the read stops at an end ("" otherwise).
func (p *messagesPage) untilInfo() string {
	if p.end == nil {
		return ""
	}
	return " until " + p.stream.StartText(*p.end)
}

func (p *messagesPage) Status() string {
	n := p.view.Len()
	pos := "0/0"
	if n > 0 {
		pos = fmt.Sprintf("%s/%s", groupDigits(int64(p.cur.sel+1)), groupDigits(int64(n)))
	}
	now := p.c.Now()
	st := pos
	if sc := p.scan; sc != nil { // what a filter could not evaluate comes first: it explains what is missing
		st += unevaluated(sc.Failed(), sc.Err())
	}
	st += unevaluated(p.view.failed, p.view.err)
	st += fmt.Sprintf("  %s  %s  %s/s %s", render.Size(int(p.buf.Bytes())), rate(p.rate.rate(now)),
		render.Size(int(p.bytes.rate(now))), render.Sparkline(p.trend.values, 20))
	if len(p.marks) > 0 {
		st += fmt.Sprintf("  %d marked", len(p.marks))
	}
	if sc := p.scan; sc != nil {
		st += fmt.Sprintf("  read filter: scanned %s, matched %s", groupDigits(sc.Scanned()), groupDigits(sc.Matched()))
		if p.budgetHit {
			st += fmt.Sprintf(" (budget reached: + scans %s more)", groupDigits(p.c.scanBudget()))
		}
	}
	if f := p.view.flt; f != nil {
		st += fmt.Sprintf("  filter: scanned %s, matched %s", groupDigits(p.view.scanned), groupDigits(int64(n)))
		if p.view.scanning() {
			st += fmt.Sprintf(" (%d%%)", p.view.next*100/max(p.buf.Len(), 1))
		}
	}
	st += p.searchProgress()
	if ev := p.buf.Evicted(); ev > 0 {
		st += fmt.Sprintf("  %s evicted (budget %s)", groupDigits(ev), render.Size(int(p.buf.Budget())))
	}
	return p.c.Styles.Status.Render(st)
}

// unevaluated says, in one line, how many messages a filter could not be
// evaluated on and why the first one failed ("" when none failed).
func unevaluated(n int64, first error) string {
	if n == 0 || first == nil {
		return ""
	}
	return "  " + render.Sanitize(filter.Unevaluated(n, first))
}
