package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// redriveState is where a redrive dialog is.
type redriveState int

const (
	redrivePlanned redriveState = iota
	redriveRunning
	redriveDone
)

// redriveProgressed reports a running redrive's progress.
type redriveProgressed struct {
	page      int
	p         replay.Progress
	noBreaker string // why the run has no breaker (set once, at its start)
}

func (m redriveProgressed) pageID() int { return m.page }

// redriveFinished reports the end of a redrive.
type redriveFinished struct {
	page int
	res  replay.Result
	err  error
}

func (m redriveFinished) pageID() int { return m.page }

// redriveTargetsChecked reports whether a plan's targets can be written
// to (gen: the plan it was made for).
type redriveTargetsChecked struct {
	page, gen int
	err       error
}

func (m redriveTargetsChecked) pageID() int { return m.page }

// redriveTripped reports that the breaker paused a running redrive.
type redriveTripped struct {
	page   int
	reason string
}

func (m redriveTripped) pageID() int { return m.page }

// redriveDialog plans a redrive, asks, runs it with a progress bar and
// shows the summary.
type redriveDialog struct {
	c       *Common
	conn    sources.Conn
	page    int
	source  string
	msgs    []sources.Message
	whole   bool // a RabbitMQ queue: every message it holds, not only those read
	opts    replay.Options
	plan    *replay.Plan
	planErr error
	// planGen counts plans; checked and targetErr are the target check of
	// plan planGen (nothing may start before it passed).
	planGen   int
	checked   bool
	targetErr error
	state     redriveState
	target    textinput.Model
	editing   bool
	bar       progress.Model
	prog      replay.Progress
	res       replay.Result
	err       error
	cancel    context.CancelFunc
	updates   chan tea.Msg
	// The breaker: it watches the DLQ for this run's messages coming back.
	guard   *replay.Guard
	trips   chan string // the guard's trips (never closed: the watcher may outlive the run)
	tripped string      // why the run is paused, while it is
	unwatch context.CancelFunc
	watch   string        // why there is no breaker, when there is none
	edits   []msgdiff.Row // an edit-then-redrive: what the edit changed
}

func newRedriveDialog(c *Common, conn sources.Conn, page int, source string, msgs []sources.Message, whole bool) *redriveDialog {
	ti := textinput.New()
	ti.Prompt = "target › "
	ti.Placeholder = "topic or exchange (empty: each message's origin)"
	ti.CharLimit = 250
	d := &redriveDialog{c: c, conn: conn, page: page, source: source, msgs: msgs, whole: whole, target: ti,
		bar: progress.New(progress.WithDefaultGradient(), progress.WithWidth(40)), opts: replay.Options{ID: c.newRedriveID()}}
	return d
}

// replan makes the plan again and returns the Cmd that checks its targets.
func (d *redriveDialog) replan() tea.Cmd {
	d.plan, d.planErr = replay.NewPlan(d.source, d.msgs, d.opts)
	d.planGen++
	d.checked, d.targetErr = false, nil
	if d.planErr != nil {
		return nil
	}
	conn, plan, page, gen := d.conn, d.plan, d.page, d.planGen
	return func() tea.Msg {
		return redriveTargetsChecked{page: page, gen: gen, err: replay.CheckTargets(context.Background(), conn, plan)}
	}
}

// targetsChecked takes the result of a target check of the current plan.
func (d *redriveDialog) targetsChecked(msg redriveTargetsChecked) {
	if msg.gen == d.planGen {
		d.checked, d.targetErr = true, msg.err
	}
}

// update handles a key; it returns a Cmd and whether the dialog is closed.
func (d *redriveDialog) update(msg tea.KeyMsg) (tea.Cmd, bool) {
	if d.editing {
		switch msg.Type {
		case tea.KeyEnter:
			d.editing = false
			d.target.Blur()
			d.opts.To = strings.TrimSpace(d.target.Value())
			return d.replan(), false
		case tea.KeyEsc:
			d.editing = false
			d.target.Blur()
			return nil, false
		}
		var cmd tea.Cmd
		d.target, cmd = d.target.Update(msg)
		return cmd, false
	}
	switch d.state {
	case redrivePlanned:
		switch {
		case msg.Type == tea.KeyEsc || msg.String() == "n" || msg.String() == "q":
			return nil, true
		case msg.String() == "t":
			d.editing = true
			d.target.SetValue(d.opts.To)
			return d.target.Focus(), false
		case (msg.String() == "y" || msg.Type == tea.KeyEnter) && d.checked && d.targetErr == nil:
			return d.start(), false
		}
	case redriveRunning:
		switch {
		case d.tripped != "" && msg.String() == "r":
			d.tripped = ""
			d.guard.Resume()
		case d.tripped != "" && (msg.String() == "s" || msg.Type == tea.KeyEsc):
			d.tripped = ""
			d.guard.Stop()
		case msg.Type == tea.KeyEsc || msg.String() == "c":
			d.cancel() // the in-flight batch finishes
		}
	case redriveDone:
		if msg.Type == tea.KeyEsc || msg.Type == tea.KeyEnter || msg.String() == "q" {
			return nil, true
		}
	}
	return nil, false
}

// start runs the redrive in a goroutine that reports through d.updates.
func (d *redriveDialog) start() tea.Cmd {
	if d.planErr != nil || d.plan == nil {
		return nil
	}
	if err := d.c.writeRefused(d.conn); err != nil {
		d.state, d.err = redriveDone, err
		return nil
	}
	s := d.plan.Summary()
	if s.Redrive == 0 && !(s.Park > 0 && d.opts.ParkTo != "") {
		d.state, d.err = redriveDone, fmt.Errorf("nothing to redrive")
		return nil
	}
	d.state = redriveRunning
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.updates = make(chan tea.Msg, 16)
	d.trips = make(chan string, 1)
	wctx, unwatch := context.WithCancel(context.Background())
	d.unwatch = unwatch
	if share := d.c.breakerShare(); share > 0 {
		d.guard = replay.NewGuard(share, replay.DefaultBreakerWindow)
		trips := d.trips
		d.guard.OnTrip = func(reason string) {
			select {
			case trips <- reason:
			default:
			}
		}
	}
	plan, conn, page, whole, dir, updates, guard := d.plan, d.conn, d.page, d.whole, d.c.StateDir, d.updates, d.guard
	go func() {
		defer close(updates)
		run := replay.RunOptions{Guard: guard, OnProgress: func(p replay.Progress) {
			select {
			case updates <- redriveProgressed{page: page, p: p}:
			default: // the UI is behind: skip a progress step
			}
		}}
		if guard != nil {
			if _, err := replay.Watch(wctx, conn, plan.Source, plan.ID, guard); err != nil {
				run.Guard = nil // blind: the run goes on without a breaker, and says so
				updates <- redriveProgressed{page: page, p: replay.Progress{Total: len(plan.Items)}, noBreaker: err.Error()}
			}
		}
		run.StateDir, run.WholeQueue = dir, whole
		res, err := replay.Execute(ctx, conn, plan, run)
		updates <- redriveFinished{page: page, res: res, err: err}
	}()
	return d.wait()
}

// wait is the Cmd that delivers the next progress, a trip of the breaker
// or the end.
func (d *redriveDialog) wait() tea.Cmd {
	ch, trips, page := d.updates, d.trips, d.page
	return func() tea.Msg {
		select {
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			return m
		case r := <-trips:
			return redriveTripped{page: page, reason: r}
		}
	}
}

// progressed, paused and finished apply the run's reports.
func (d *redriveDialog) progressed(msg redriveProgressed) tea.Cmd {
	if msg.noBreaker != "" {
		d.watch = msg.noBreaker
		return d.wait()
	}
	d.prog = msg.p
	return d.wait()
}

func (d *redriveDialog) paused(reason string) tea.Cmd {
	if d.state == redriveRunning {
		d.tripped = reason
	}
	return d.wait()
}

func (d *redriveDialog) finished(res replay.Result, err error) {
	d.state, d.res, d.err, d.prog, d.tripped = redriveDone, res, err, res.Progress, ""
	if d.cancel != nil {
		d.cancel()
	}
}

// close stops the dialog's watcher.
func (d *redriveDialog) close() {
	if d.unwatch != nil {
		d.unwatch()
	}
}

func (d *redriveDialog) view(width int) string {
	s := d.c.Styles
	var b strings.Builder
	b.WriteString(s.Title.Render("Redrive from "+d.source) + "\n\n")
	if d.planErr != nil {
		b.WriteString(s.StatusError.Render("✖ "+d.planErr.Error()) + "\n\nt: choose a target  esc: cancel")
		return s.Overlay.Render(b.String())
	}
	sum := d.plan.Summary()
	switch d.state {
	case redrivePlanned:
		what := fmt.Sprintf("%d messages", sum.Total)
		if d.whole {
			what = fmt.Sprintf("every message in the queue (%d read here)", sum.Total)
		}
		fmt.Fprintf(&b, "%s, redrive id %s\n\n", what, d.plan.ID)
		if len(d.edits) > 0 {
			b.WriteString(s.Label.Render("edited:") + "\n")
			for i, r := range d.edits {
				if i == 12 {
					fmt.Fprintf(&b, "  … %d more changes\n", len(d.edits)-12)
					break
				}
				fmt.Fprintf(&b, "  %s %-28s %s → %s\n", r.Change.Mark(), render.Preview([]byte(r.Section+" "+r.Field), 28),
					render.Preview([]byte(r.Left), 24), render.Preview([]byte(r.Right), 24))
			}
			b.WriteString("\n")
		}
		for _, t := range replay.SortedKeys(sum.PerTarget) {
			fmt.Fprintf(&b, "  %6d → %s\n", sum.PerTarget[t], t)
		}
		if sum.Park > 0 {
			fmt.Fprintf(&b, "  %6d parked (redriven %d times already: left in place)\n", sum.Park, max(d.opts.HopLimit, replay.DefaultHopLimit))
		}
		if sum.Unresolved > 0 {
			fmt.Fprintf(&b, "  %6d %s\n", sum.Unresolved, s.Warn.Render("without a target: left in place (t: choose one)"))
		}
		b.WriteString("\n" + s.Muted.Render("adds x-mqscope-redrive-id, -hops, -source, -position; keeps the other headers") + "\n")
		b.WriteString(s.Muted.Render("publish, wait for the broker, then remove or commit the source") + "\n\n")
		if d.editing {
			b.WriteString(d.target.View() + "\n\n")
		}
		switch {
		case !d.checked:
			b.WriteString(s.Muted.Render("checking the targets…") + "   t: target   esc: cancel")
		case d.targetErr != nil:
			b.WriteString(s.StatusError.Render("✖ "+render.Sanitize(d.targetErr.Error())) + "\n\n")
			b.WriteString("t: choose a target   esc: cancel")
		default:
			b.WriteString(s.Warn.Render("y/enter: redrive") + "   t: target   esc: cancel")
		}
	case redriveRunning:
		done := d.prog.Done + d.prog.Parked + d.prog.Skipped + d.prog.Failed + d.prog.Duplicates
		pct := 0.0
		if d.prog.Total > 0 {
			pct = float64(done) / float64(d.prog.Total)
		}
		b.WriteString(d.bar.ViewAs(pct) + "\n\n")
		fmt.Fprintf(&b, "%d/%d  %.0f msg/s  ETA %s", done, d.prog.Total, d.prog.Rate(), d.prog.ETA().Round(time.Second))
		if d.prog.Returned > 0 {
			b.WriteString(s.Warn.Render(fmt.Sprintf("  %d came back dead", d.prog.Returned)))
		}
		b.WriteString("\n\n")
		if d.watch != "" {
			b.WriteString(s.Warn.Render("no breaker: "+d.watch) + "\n\n")
		}
		if d.tripped != "" {
			b.WriteString(s.StatusError.Render("⚠ paused by the breaker") + "\n" + d.tripped + "\n\n")
			b.WriteString(s.Warn.Render("r: resume anyway") + "   s/esc: stop (resume later with the same redrive id)")
			break
		}
		b.WriteString(s.Muted.Render("esc: stop after the batch in flight"))
	case redriveDone:
		if d.err != nil {
			b.WriteString(s.StatusError.Render("✖ "+d.err.Error()) + "\n\n")
		}
		r := d.res
		fmt.Fprintf(&b, "%d redriven, %d parked, %d skipped, %d failed in %s\n", r.Done, r.Parked, r.Skipped, r.Failed, r.Elapsed.Round(time.Millisecond))
		if r.Duplicates > 0 {
			fmt.Fprintf(&b, "%d were redriven by an earlier run: acknowledged, not sent again\n", r.Duplicates)
		}
		for _, t := range replay.SortedKeys(r.PerTarget) {
			fmt.Fprintf(&b, "  %6d → %s\n", r.PerTarget[t], t)
		}
		for i, f := range r.Failures {
			if i == 5 {
				fmt.Fprintf(&b, "  … %d more failures\n", len(r.Failures)-5)
				break
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", s.StatusError.Render("failed"), f.Position, f.Err)
		}
		if r.Stop.Early() {
			line := "stopped: " + render.Sanitize(r.Stop.String())
			if r.Stop.Resumable() {
				line += " (resume: redrive again with id " + d.plan.ID + ")"
			}
			b.WriteString(s.Warn.Render(line) + "\n")
		}
		if _, back := d.guard.Totals(); back > 0 {
			b.WriteString(s.Warn.Render(fmt.Sprintf("%d redriven messages came back dead to %s", back, d.source)) + "\n")
		}
		b.WriteString("\n" + s.Muted.Render("enter: close and read the queue again"))
	}
	return s.Overlay.Width(min(width-4, 90)).Render(b.String())
}
