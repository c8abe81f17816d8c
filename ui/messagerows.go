package ui

import (
	"slices"
	"strconv"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/ui/render"
)

func (p *messagesPage) rowsHeight() int { return max(p.c.Height-3-2, 1) }

// colVersion is the title of the column of the values' schema versions.
const colVersion = "VER"

// showsVersions says the VER column is drawn: a row shown has a value
// with a schema. A list whose rows on screen have none (a topic without
// schemas, a framed value scrolled away) draws no empty column.
func (p *messagesPage) showsVersions() bool {
	dec := p.c.decoder(p.conn.Name())
	if !p.typed || dec == nil {
		return false
	}
	from, to := p.cur.window(p.view.Len(), p.rowsHeight())
	for i := from; i < to; i++ {
		m := p.view.At(i)
		if dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value).Origin != schema.OriginContent {
			return true
		}
	}
	return false
}

// byID says the rows are a queue's messages: without positions to tell
// them apart, they show the broker's message id (and, dead letters
// alike at first sight, a preview of the body) instead.
func (p *messagesPage) byID() bool { return p.stream.Queue }

// leading is how many columns come before the key: the partition, the
// offset and the time, or a queue's message id and the time.
func (p *messagesPage) leading() int {
	if p.byID() {
		return 2
	}
	return 3
}

func (p *messagesPage) columns(w int) []column {
	var cols []column
	switch {
	case p.byID() && p.dlq:
		cols = []column{
			{title: "ID", width: 14},
			{title: "TIME", width: 12},
			{title: "KEY", width: 12},
			{title: "ORIGIN", width: 14},
			{title: "ERROR", width: 12},
			{title: "VALUE", width: 10, flex: true},
		}
	case p.byID():
		cols = []column{
			{title: "ID", width: 14},
			{title: "TIME", width: 12},
			{title: "KEY", width: 14},
			{title: "VALUE", width: 10, flex: true},
		}
	case p.dlq:
		cols = []column{
			{title: "P", width: 2, right: true},
			p.positionColumn(),
			{title: "TIME", width: 12},
			{title: "KEY", width: 12},
			{title: "ORIGIN", width: 16},
			{title: "ERROR", width: 10, flex: true},
		}
	default:
		cols = []column{
			{title: "P", width: 2, right: true},
			p.positionColumn(),
			{title: "TIME", width: 12},
			{title: "KEY", width: 14},
			{title: "VALUE", width: 10, flex: true},
		}
	}
	if p.stream.SubjectKeys { // a JetStream subject: dotted names, often long
		for i := range cols {
			if cols[i].title == "KEY" {
				cols[i].width = subjectKeyWidth
			}
		}
	}
	if p.showsVersions() { // the schema version after the key
		at := p.leading() + 1
		cols = append(cols[:at], append([]column{{title: colVersion, width: 4, unsorted: true}}, cols[at:]...)...)
	}
	for i := range cols {
		switch cols[i].title {
		case "P", "OFFSET", "TIME":
			cols[i].numeric = true
		}
	}
	return layout(p.view.srt.decorate(cols), w)
}

// subjectKeyWidth is the key column's width for messages whose keys are
// subjects (sources.Reading.SubjectKeys).
const subjectKeyWidth = 28

// reasonAt is the index of a dead letter's ERROR column (-1: none).
func reasonAt(cols []column) int {
	for i, c := range cols {
		if plainTitle(c.title) == "ERROR" {
			return i
		}
	}
	return -1
}

// positionColumn is the column of the messages' positions: their
// offsets, or, where the stream names positions in a syntax of its own
// (a Redis entry id), those names.
func (p *messagesPage) positionColumn() column {
	if p.stream.Positions != nil {
		return column{title: "ID", width: max(16, p.posWidth), right: true}
	}
	return column{title: "OFFSET", width: 7, right: true}
}

// cells are the row of m; note is what the buffer keeps with it (the
// decoded start of a value it cut); the last cell (the value, or the
// error) is rendered up to last cells wide.
func (p *messagesPage) cells(m *sources.Message, note []byte, cols []column, now time.Time, last int) []string {
	lead := p.leading()
	dec := p.c.decoder(p.conn.Name())
	key := "∅"
	// one cell more than the column: a key cut to fit ends in "…"
	if k := showPart(dec, schema.PartKey, m); k.typed {
		key = decodedPreview(k, m.Key, cols[lead].width+1)
	} else if m.Key != nil {
		key = render.Preview(m.Key, cols[lead].width+1)
	}
	var base []string
	if p.byID() {
		base = []string{queueID(m), shortTime(rowTime(m).In(p.c.Location), now), key}
	} else {
		part := strconv.Itoa(int(m.Partition))
		if m.Partition == sources.NoPartition {
			part = "-"
		}
		base = []string{part, m.Position(), shortTime(m.Timestamp.In(p.c.Location), now), key}
	}
	value := render.Preview(m.Value, last)
	versions := slices.ContainsFunc(cols, func(c column) bool { return c.title == colVersion })
	if v := showPart(dec, schema.PartValue, m); v.typed {
		value = decodedPreview(v, m.Value, last)
		if preview, failed := readNote(note); v.cut && preview != nil {
			value = render.Preview(preview, last)
		} else if v.cut && failed != "" {
			value = render.Preview([]byte("✖ "+failed), last)
		}
		if versions {
			base = append(base, versionCell(v))
		}
	} else if versions {
		base = append(base, "")
	}
	if !p.dlq {
		return append(base, value)
	}
	origin, reason := "", value
	if p.byID() { // the value has a column of its own
		reason = ""
	}
	if d := m.DeadLetter; d != nil {
		origin = d.OriginStream
		if d.OriginPartition != sources.NoPartition {
			origin += "[" + strconv.Itoa(int(d.OriginPartition)) + "]"
		}
		if at := d.OriginAt(); at != "" {
			origin += "@" + at
		}
		origin, reason = render.Sanitize(origin), render.Sanitize(d.Summary())
		if e, ok := p.earlierCopy(m); ok {
			reason = "↻ " + render.Sanitize(e.String()) + " · " + reason
		}
	}
	if p.byID() {
		return append(base, origin, reason, value)
	}
	return append(base, origin, reason)
}

// queueID is a queue message's id, or, for one without, its place in
// the read (`@3`): rows alike in everything else stay apart.
func queueID(m *sources.Message) string {
	if m.ID != "" {
		return render.Sanitize(m.ID)
	}
	return "@" + strconv.FormatInt(m.Offset, 10)
}

// rowTime is the time a queue row shows: the message's timestamp, or,
// for a dead letter without one, when the broker last dead-lettered it.
func rowTime(m *sources.Message) time.Time {
	if m.Timestamp.IsZero() && m.DeadLetter != nil {
		return m.DeadLetter.LastDeath
	}
	return m.Timestamp
}

// shortTime shows the time of day for today, the date too otherwise.
func shortTime(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05.000")
	}
	return t.Format("01-02 15:04:05")
}

// lastWidth is the width of the list's last column (the value, or the error).
func (p *messagesPage) lastWidth() int {
	cols := p.columns(p.c.Width)
	return cols[len(cols)-1].width
}

// widestLast is the widest last cell among the rows on screen, as far as a
// preview reads a value: how far the list scrolls sideways.
func (p *messagesPage) widestLast() int {
	cols := p.columns(p.c.Width)
	from, to := p.cur.window(p.view.Len(), p.rowsHeight())
	now := p.c.Now().In(p.c.Location)
	widest := 0
	for i := from; i < to; i++ {
		cells := p.cells(p.view.At(i), p.view.Note(i), cols, now, previewCells)
		widest = max(widest, ansi.StringWidth(cells[len(cells)-1]))
	}
	return widest
}

// sideMarker is how far the last column is scrolled sideways, for its
// title ("◂ +40"), and, scrolled to its end, that it is there: the end of
// the values, or of the preview a long value is cut to ("" when not
// scrolled).
func (p *messagesPage) sideMarker() string {
	mark := p.side.marker()
	if mark == "" {
		return ""
	}
	widest := p.widestLast()
	switch {
	case p.side.left < widest-p.lastWidth():
		return mark
	case widest >= previewCells:
		return mark + " ▸| preview ends: enter shows all"
	}
	return mark + " ▸| end"
}

// previewCells bounds how far a row's value is scrolled sideways: a
// preview reads the start of a value only (enter shows all of it).
const previewCells = 512
