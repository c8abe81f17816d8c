package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// listShape is which of the optional columns a listing's streams fill:
// partitions (Kafka), a RabbitMQ queue's breakdown, an SQS queue's.
type listShape struct {
	partitions                       bool
	ready, unacked, consumers, state bool
	visible, inFlight, delayed       bool
	bytes, first, last               bool // a log's span (NATS JetStream)
	// subjects is how wide the widest stream's subjects are (0: no
	// stream has any).
	subjects int
	// names is how wide the widest stream's name is.
	names int
}

// shapeOf looks at which columns the streams have something for.
func shapeOf(list []sources.StreamInfo) listShape {
	var sh listShape
	for i := range list {
		st, q := &list[i], &list[i].Counts
		sh.partitions = sh.partitions || len(st.Partitions) > 0
		sh.ready = sh.ready || q.Ready.Known
		sh.unacked = sh.unacked || q.Unacked.Known
		sh.consumers = sh.consumers || q.Consumers.Known
		sh.state = sh.state || q.State != ""
		sh.visible = sh.visible || q.Visible.Known
		sh.inFlight = sh.inFlight || q.InFlight.Known
		sh.delayed = sh.delayed || q.Delayed.Known
		sh.bytes = sh.bytes || st.Span.Bytes.Known
		sh.first = sh.first || st.Span.First.Known
		sh.last = sh.last || st.Span.Last.Known
		sh.names = max(sh.names, ansi.StringWidth(render.Sanitize(st.Name)))
		if len(st.Subjects) > 0 {
			sh.subjects = max(sh.subjects, ansi.StringWidth(subjectsText(st.Subjects)))
		}
	}
	return sh
}

// queueColumns says the listing has a queue's breakdown to show.
func (sh listShape) queueColumns() bool {
	return sh.ready || sh.unacked || sh.consumers || sh.state || sh.visible || sh.inFlight || sh.delayed
}

// The titles of the streams list's columns (the sort names them).
const (
	colStream    = "STREAM"
	colType      = "TYPE"
	colParts     = "PARTS"
	colMessages  = "MESSAGES"
	colReady     = "READY"
	colUnacked   = "UNACKED"
	colConsumers = "CONSUMERS"
	colState     = "STATE"
	colVisible   = "VISIBLE"
	colInFlight  = "IN FLIGHT"
	colDelayed   = "DELAYED"
	colBytes     = "BYTES"
	colFirst     = "FIRST"
	colLast      = "LAST"
	colRate      = "RATE"
	colTrend     = "TREND"
	colSubjects  = "SUBJECTS"
)

// Widths of the subjects column: at most subjectsWide (longer ones are cut
// with …), at least subjectsNarrow before it is dropped; beside it the
// names keep up to namesWide of their own.
const (
	subjectsWide   = 32
	subjectsNarrow = 12
	namesWide      = 32
)

// subjectsText is a stream's subjects as its cell shows them.
func subjectsText(subjects []string) string {
	return render.Sanitize(strings.Join(subjects, ", "))
}

// columns are the list's columns for a width w: those the streams fill,
// the sorted one marked; on a narrow terminal the trend goes first, then
// a queue's state and consumers.
func (p *streamsPage) columns(w int) []column {
	sh := p.shape
	trend, badge := 12, 18
	if narrow := 100; w < narrow || sh.queueColumns() && w < narrow+20 { // keep room for the names
		trend, badge = 6, 14
	}
	count := func(title string, width int) column {
		return column{title: title, width: width, right: true, numeric: true}
	}
	name := 16
	if sh.queueColumns() {
		name = 14
	}
	if sh.subjects > 0 { // the names fit before the subjects take room
		name = max(name, min(sh.names, namesWide))
	}
	cols := []column{{title: colStream, width: name, flex: true}, {title: colType, width: 8}}
	if sh.subjects > 0 {
		cols = append(cols, column{title: colSubjects, width: min(max(sh.subjects, len(colSubjects)), subjectsWide)})
	}
	if sh.partitions || !sh.queueColumns() {
		cols = append(cols, count(colParts, 5))
	}
	if !sh.visible { // an SQS queue's messages are its visible ones
		cols = append(cols, count(colMessages, 9))
	}
	for _, c := range []struct {
		has   bool
		title string
		width int
	}{{sh.ready, colReady, 7}, {sh.unacked, colUnacked, 7}, {sh.consumers, colConsumers, 9}, {sh.visible, colVisible, 7}, {sh.inFlight, colInFlight, 9}, {sh.delayed, colDelayed, 7}} {
		if c.has {
			cols = append(cols, count(c.title, c.width))
		}
	}
	if sh.state {
		cols = append(cols, column{title: colState, width: 7})
	}
	if sh.bytes {
		cols = append(cols, count(colBytes, 9))
	}
	for _, c := range []struct {
		has   bool
		title string
	}{{sh.first, colFirst}, {sh.last, colLast}} {
		if c.has {
			cols = append(cols, column{title: c.title, width: 23, right: true, numeric: true})
		}
	}
	cols = append(cols, count(colRate, 7), column{title: colTrend, width: trend, numeric: true}, column{title: "", width: badge, unsorted: true})
	cols = p.sort.decorate(cols)
	if fitted := fitSubjects(cols, w); sh.subjects > 0 && !hasColumn(fitted, colSubjects) {
		if alt := fitSubjects(without(cols, colTrend), w); hasColumn(alt, colSubjects) { // the subjects say more than the trend
			fitted = alt
		}
		cols = fitted
	} else {
		cols = fitted
	}
	for _, drop := range []string{colTrend, colFirst, colState, colConsumers, colLast} {
		if fixedWidth(cols) <= w {
			break
		}
		cols = without(cols, drop)
	}
	return layout(cols, w)
}

// fitSubjects narrows the subjects column to what w leaves (down to
// subjectsNarrow), else drops it: it goes before any other column.
func fitSubjects(cols []column, w int) []column {
	over := fixedWidth(cols) - w
	if over <= 0 {
		return cols
	}
	for i := range cols {
		if plainTitle(cols[i].title) != colSubjects {
			continue
		}
		if cols[i].width-over >= subjectsNarrow {
			cols[i].width -= over
			return cols
		}
		return without(cols, colSubjects)
	}
	return cols
}

// hasColumn says cols has the column of title.
func hasColumn(cols []column, title string) bool {
	for _, c := range cols {
		if plainTitle(c.title) == title {
			return true
		}
	}
	return false
}

// fixedWidth is what the columns take at their own widths.
func fixedWidth(cols []column) int {
	n := 0
	for _, c := range cols {
		n += c.width + 1
	}
	return n - 1
}

// without is cols without the column of title (marked by the sort or not).
func without(cols []column, title string) []column {
	out := cols[:0:0]
	for _, c := range cols {
		if plainTitle(c.title) != title {
			out = append(out, c)
		}
	}
	return out
}

// cells are the row of the stream at index at, one per column.
func (p *streamsPage) cells(at int, cols []column) []string {
	st, r := &p.streams[at], &p.rows[at]
	out := make([]string, len(cols))
	for i, c := range cols {
		switch plainTitle(c.title) {
		case colStream:
			out[i] = render.Sanitize(st.Name)
		case colType:
			out[i] = render.Sanitize(st.Kind)
		case colSubjects:
			out[i] = "-"
			if len(st.Subjects) > 0 {
				out[i] = subjectsText(st.Subjects)
			}
		case colParts:
			out[i] = "—"
			if len(st.Partitions) > 0 {
				out[i] = strconv.Itoa(len(st.Partitions))
			}
		case colMessages:
			switch {
			case st.Messages >= 0:
				out[i] = groupDigits(st.Messages)
			case !r.counted:
				out[i] = "…" // being counted
			default:
				out[i] = "—"
			}
		case colReady, colUnacked, colConsumers, colVisible, colInFlight, colDelayed:
			out[i] = countCell(queueCount(st.Counts, plainTitle(c.title)))
		case colState:
			out[i] = "-"
			if st.Counts.State != "" {
				out[i] = render.Sanitize(st.Counts.State)
			}
		case colBytes:
			out[i] = "-"
			if st.Span.Bytes.Known {
				out[i] = sources.SizeText(int(st.Span.Bytes.N))
			}
		case colFirst, colLast:
			out[i] = p.edgeCell(spanEdge(st.Span, plainTitle(c.title)))
		case colRate:
			out[i] = rate(r.rate)
		case colTrend:
			out[i] = p.sparkOf(at, c.width)
		case "":
			if st.DeadLetter {
				out[i] = "DLQ"
				if st.DeadLetterFor != "" {
					out[i] += " → " + render.Sanitize(st.DeadLetterFor)
				}
			}
		}
	}
	return out
}

// countCell shows a count, or - when the broker did not give it.
func countCell(c sources.Count) string {
	if !c.Known {
		return "-"
	}
	return groupDigits(c.N)
}

// countKey sorts by a count, those not known last.
func countKey(c sources.Count) sortKey {
	if !c.Known {
		return noKey
	}
	return numKey(c.N)
}

// queueCount is the count of a queue-count column (colReady ... colDelayed).
func queueCount(q sources.QueueCounts, title string) sources.Count {
	switch title {
	case colReady:
		return q.Ready
	case colUnacked:
		return q.Unacked
	case colConsumers:
		return q.Consumers
	case colVisible:
		return q.Visible
	case colInFlight:
		return q.InFlight
	case colDelayed:
		return q.Delayed
	}
	return sources.Count{}
}

// sortKey is what the stream at index at sorts by in the column title.
func (p *streamsPage) sortKey(at int, title string) sortKey {
	st, r := &p.streams[at], &p.rows[at]
	switch title {
	case colStream:
		return textKey(st.Name)
	case colType:
		return textKey(st.Kind)
	case colSubjects:
		if len(st.Subjects) == 0 {
			return noKey
		}
		return textKey(strings.Join(st.Subjects, ", "))
	case colParts:
		if len(st.Partitions) == 0 {
			return noKey
		}
		return numKey(len(st.Partitions))
	case colMessages:
		if st.Messages < 0 {
			return noKey
		}
		return numKey(st.Messages)
	case colReady, colUnacked, colConsumers, colVisible, colInFlight, colDelayed:
		return countKey(queueCount(st.Counts, title))
	case colState:
		if st.Counts.State == "" {
			return noKey
		}
		return textKey(st.Counts.State)
	case colBytes:
		return countKey(st.Span.Bytes)
	case colFirst, colLast:
		if e := spanEdge(st.Span, title); e.Known {
			return numKey(e.Seq)
		}
		return noKey
	case colRate:
		return numKey(r.rate)
	case colTrend:
		return trendKey(r.trend)
	}
	return noKey
}

// spanEdge is the end of a span a column (colFirst, colLast) shows.
func spanEdge(s sources.Span, title string) sources.Edge {
	if title == colFirst {
		return s.First
	}
	return s.Last
}

// edgeCell shows an end of a stream: "#1200 12-02 05:22:18" (its time in
// the session's location), or - when not known.
func (p *streamsPage) edgeCell(e sources.Edge) string {
	if !e.Known {
		return "-"
	}
	cell := "#" + strconv.FormatInt(e.Seq, 10)
	if !e.Time.IsZero() {
		cell += " " + e.Time.In(p.c.Location).Format("01-02 15:04:05")
	}
	return cell
}

// trendKey sorts by how the rate moved over the sparkline: by the newest
// rate less the oldest one shown, the fastest rising first (a stream
// counted fewer than twice has no trend yet and sorts last).
func trendKey(h *history) sortKey {
	if h == nil || len(h.values) < 2 {
		return noKey
	}
	return numKey(h.values[len(h.values)-1] - h.values[0])
}
