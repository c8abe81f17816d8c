package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
	"github.com/mqscope/mqscope/versions"
)

// versionsStepTime is how long one step of a census reads before the
// screen shows its progress.
const versionsStepTime = 150 * time.Millisecond

// versionsPage is the census of a stream's schema versions and, for a
// dead-letter stream, its origin's over the span the dead letters came
// from. Reads and registry look-ups run in Cmds; Update only takes what a
// step counted.
type versionsPage struct {
	pageBase
	conn    sources.Conn
	stream  sources.StreamInfo
	res     *versions.Resolver
	b, ob   *versions.Builder // touched by the read's Cmd only between steps
	steps   stepRead
	census  versions.Census
	origin  *versions.Census
	dead    int64
	phase   int // 0: the stream, 1: its origin, 2: done
	err     error
	cur     cursor
	start   sources.Start  // where the census reads from: the message list's start
	end     *sources.Start // and where it ends (nil: the end the stream has now)
	started time.Time
	ctx     context.Context
	cancel  context.CancelFunc
	gen     int
}

// newVersionsPage takes the census of stream from start up to end (nil:
// the end the stream has now), as the message list it was opened from reads.
func newVersionsPage(c *Common, conn sources.Conn, stream sources.StreamInfo, start sources.Start, end *sources.Start) *versionsPage {
	p := &versionsPage{pageBase: pageBase{c: c}, conn: conn, stream: stream, start: start, end: end}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p
}

func (p *versionsPage) Init() tea.Cmd { return p.read() }

// read starts the census: the stream from the page's start to its end
// (the end the stream has now without one).
func (p *versionsPage) read() tea.Cmd {
	p.steps.release()
	r, ok := p.conn.(sources.Reader)
	if !ok {
		p.err = fmt.Errorf("%s cannot read %s", p.conn.Name(), p.stream.Name)
		return nil
	}
	p.gen++
	dec := p.c.decoder(p.conn.Name())
	p.res = versions.NewResolver(dec)
	p.b, p.ob = versions.NewBuilder(p.stream.Name, dec, p.res, 0), nil
	p.census, p.origin, p.dead, p.phase, p.err, p.started = p.b.Census(), nil, 0, 0, nil, p.c.Now()
	return openStepped(p.ctx, r, p.stream.Name, sources.ReadOptions{Start: p.start, End: p.end}, p.pid, p.gen, false)
}

// readOrigin starts the origin's census over the span the dead letters'
// originals were written in (nil when there is none to take).
func (p *versionsPage) readOrigin() tea.Cmd {
	name, opts, ok := p.b.OriginOptions()
	r, isReader := p.conn.(sources.Reader)
	if !ok || name == p.stream.Name || !isReader {
		return nil
	}
	p.phase = 1
	p.ob = versions.NewBuilder(name, p.c.decoder(p.conn.Name()), p.res, 0)
	oc := p.ob.Census()
	p.origin = &oc
	return openStepped(p.ctx, r, name, opts, p.pid, p.gen, true)
}

// step reads for a moment and returns to show the progress.
func (p *versionsPage) step() tea.Cmd {
	b, origin := p.b, p.phase == 1
	if origin {
		b = p.ob
	}
	return p.steps.step(p.ctx, b.Step, versionsStepTime, p.pid, p.gen, origin)
}

func (p *versionsPage) rowsHeight() int { return max(p.c.Height-3-2-5, 1) }

func (p *versionsPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case readOpened:
		if msg.origin && msg.gen == p.gen && msg.err != nil && p.b.OriginByName() && errors.Is(msg.err, sources.ErrUnknownStream) {
			p.origin, p.ob, p.phase = nil, nil, 2 // a name that only looks like a dead-letter stream's
			return nil
		}
		return p.steps.take(msg, p.gen, &p.err, p.step)
	case readStepped:
		if msg.gen != p.gen {
			return nil
		}
		if msg.origin {
			oc := p.ob.Census()
			p.origin = &oc
		} else {
			p.census, p.dead = p.b.Census(), p.b.DeadLetters()
			p.cur.clamp(len(p.census.Rows), p.rowsHeight())
		}
		return p.steps.stepped(msg, p.ctx, &p.err, p.step, func() tea.Cmd {
			next := tea.Cmd(nil)
			if !msg.origin {
				next = p.readOrigin()
			}
			if next == nil {
				p.phase = 2
			}
			return next
		})
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *versionsPage) key(msg tea.KeyMsg) tea.Cmd {
	return p.actions().run(msg)
}

// actions is what the schema versions page does on a key.
func (p *versionsPage) actions() actionTable {
	k := p.c.Keys
	move := func(msg tea.KeyMsg) tea.Cmd { p.cur.move(msg, k, len(p.census.Rows), p.rowsHeight()); return nil }
	return newActions(p.c, p.conn,
		moves(move, k.Up, k.Down, k.PageUp, k.PageDown, topOf(k), bottomOf(k)),
		[]action{
			{bind: k.Open, line: 1, run: do(p.open)},
			{bind: k.Refresh, line: 2, run: do(p.read)},
		})
}

// open lists the messages of the selected schema.
func (p *versionsPage) open() tea.Cmd {
	if len(p.census.Rows) == 0 {
		return nil
	}
	row := p.census.Rows[p.cur.sel]
	if row.Filter == "" {
		return setStatus(fmt.Sprintf("%s values carry no schema id to select them by", row.Format))
	}
	return push(p.versionPage(row))
}

// versionPage is the message list of one schema's messages: the stream
// read over the census's span through the row's filter (the values framed
// with the schema's id).
func (p *versionsPage) versionPage(row versions.Row) *messagesPage {
	mp := newMessagesPage(p.c, p.conn, p.stream)
	mp.start, mp.end = p.start, p.end
	if p.stream.Queue {
		mp.start = startFor(p.stream)
		mp.start.N = max(p.census.Scanned, mp.start.N)
	}
	mp.readFilter, mp.bounded = row.Filter, true
	return mp
}

func (p *versionsPage) View(w, h int) string {
	s := p.c.Styles
	c := p.census
	state := "reading… " + plural(c.Scanned, "message")
	if p.phase > 0 {
		state = plural(c.Scanned, "message") + " read"
	}
	if p.dead > 0 {
		state += fmt.Sprintf(", %s dead letters", groupDigits(p.dead))
	}
	head := s.Section.Render(fmt.Sprintf("%d schemas", len(c.Rows))) + s.Muted.Render(fmt.Sprintf("  from %s %s: %s", p.start, untilText(p.end), state))
	if p.origin != nil {
		o := "reading… "
		if p.phase == 2 {
			o = ""
		}
		head += s.Muted.Render(fmt.Sprintf("  ·  origin %s: %s%s", render.Sanitize(p.origin.Stream), o, plural(p.origin.Scanned, "message")))
	}
	narrow := w < 110
	spec := []column{{title: "COUNT", width: 6, right: true}, {title: "SHARE", width: 5, right: true}}
	if p.origin != nil {
		spec = append(spec, column{title: "ORIGIN", width: 6, right: true})
	}
	spec = append(spec, column{title: "VER", width: 4}, column{title: "ID", width: 6, right: true}, column{title: "FORMAT", width: 8})
	if !narrow {
		spec = append(spec, column{title: "FIRST", width: 12})
	}
	spec = append(spec, column{title: "LAST", width: 12}, column{title: "PARTS", width: 6}, column{title: "SUBJECT · COMPATIBILITY", width: 20, flex: true})
	cols := layout(spec, w)
	out := []string{head, s.ColumnHeader.Render(row(cols, titles(cols)...))}
	if p.err != nil {
		out = append(out, s.StatusError.Render("✖ "+render.Sanitize(p.err.Error())))
	} else if len(c.Rows) == 0 && p.phase > 0 {
		out = append(out, s.Muted.Render("  no messages in "+render.Sanitize(p.stream.Name)))
	}
	now := p.c.Now().In(p.c.Location)
	from, to := p.cur.window(len(c.Rows), p.rowsHeight())
	for i := from; i < to; i++ {
		r := c.Rows[i]
		cells := []string{groupDigits(r.Count), fmt.Sprintf("%d%%", versions.Percent(r.Share))}
		if p.origin != nil {
			cells = append(cells, p.originShare(r))
		}
		ver, id := "—", "—"
		if r.Version > 0 {
			ver = fmt.Sprintf("v%d", r.Version)
		}
		if r.Framed || r.ID > 0 {
			id = fmt.Sprint(r.ID)
		}
		cells = append(cells, ver, id, string(r.Format))
		if !narrow {
			cells = append(cells, shortTime(r.First.In(p.c.Location), now))
		}
		cells = append(cells, shortTime(r.Last.In(p.c.Location), now), partitionsShort(r.Partitions), render.Sanitize(rowSubject(r)))
		line := row(cols, cells...)
		if i == p.cur.sel {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	for len(out) < h-4 {
		out = append(out, "")
	}
	if p.origin != nil && p.phase == 2 {
		if cmp := versions.Compare(&c, p.origin); cmp != "" {
			out = append(out, s.DLQBadge.Render(render.Sanitize(cmp)))
		}
		var parts []string
		for _, r := range p.origin.Rows {
			parts = append(parts, fmt.Sprintf("%s %d%%", r.Label(), versions.Percent(r.Share)))
		}
		out = append(out, s.Label.Render("origin ")+render.Sanitize(p.origin.Stream+": "+strings.Join(parts, ", ")))
	}
	if len(c.Rows) > 0 {
		r := c.Rows[p.cur.sel]
		out = append(out, s.Section.Render("Selected")+s.Muted.Render("  "+render.Sanitize(r.Filter)))
		if len(r.Incompatibilities) > 0 {
			out = append(out, s.Label.Render("why ")+render.Preview([]byte(strings.Join(r.Incompatibilities, "; ")), w))
		}
	}
	return joinLines(out)
}

// untilText says where a read ends: "until time:…", or "to the end now".
func untilText(end *sources.Start) string {
	if end == nil {
		return "to the end now"
	}
	return "until " + end.String()
}

// originShare is the share of the row's schema in the origin's census.
func (p *versionsPage) originShare(r versions.Row) string {
	if !r.Framed && r.ID == 0 {
		return "—"
	}
	if o := p.origin.Row(r.ID); o != nil {
		return fmt.Sprintf("%d%%", versions.Percent(o.Share))
	}
	if p.phase == 2 {
		return "0%"
	}
	return "…"
}

// rowSubject is the subject and the compatibility, or why they are not known.
func rowSubject(r versions.Row) string {
	switch {
	case r.Err != "" && r.Subject != "":
		return r.Subject + r.DeletedMark() + " · " + r.Err
	case r.Err != "":
		return r.Err
	case r.Subject == "":
		return r.Note()
	}
	s := r.Subject + r.DeletedMark() + " · " + r.Compat()
	if len(r.Incompatibilities) > 0 {
		s += ": " + r.Incompatibilities[0]
	}
	if note := r.Note(); note != "" {
		s = note + " · " + s
	}
	return s
}

func partitionsShort(ps []int32) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ",")
}

func (p *versionsPage) Crumb() string { return p.c.Styles.Crumb.Render("schemas") }

func (p *versionsPage) Status() string {
	st := ""
	switch {
	case p.err != nil:
	case p.phase == 0:
		st = fmt.Sprintf("reading %s since %s", render.Sanitize(p.stream.Name), p.c.Now().Sub(p.started).Round(time.Second))
	case p.phase == 1 && p.origin != nil:
		st = fmt.Sprintf("reading the origin %s over the dead letters' span", render.Sanitize(p.origin.Stream))
	}
	return p.c.Styles.Status.Render(st)
}

func (p *versionsPage) ShortHelp() []key.Binding  { return p.actions().keyLine() }
func (p *versionsPage) FullHelp() [][]key.Binding { return p.actions().fullHelp() }

// Close stops the read.
func (p *versionsPage) Close() {
	p.cancel()
	p.steps.release()
}
