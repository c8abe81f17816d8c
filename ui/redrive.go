package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

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
// to (gen: the plan it was made for), and, on Kafka, the copies earlier
// redrives wrote of its dead letters (copiesErr: why they could not be
// looked for; the plan may not run then).
type redriveTargetsChecked struct {
	page, gen int
	err       error
	targets   replay.TargetCheck // applied to the plan in targetsChecked
	copies    *replay.Copies
	copiesErr error
	plan      *replay.Plan // the plan again, its target resolved (nil: as it was)
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
	// replacing says the target prompt holds the current target as if
	// selected: the first key typed replaces it, an arrow edits it.
	replacing bool
	bar       progress.Model
	prog      replay.Progress
	res       replay.Result
	err       error
	cancel    context.CancelFunc
	updates   chan tea.Msg
	// settled is closed once the run has ended: everything journalled and
	// audited, the run's last audit line and its log entry written.
	settled chan struct{}
	// The breaker: it watches the DLQ for this run's messages coming back.
	guard   *replay.Guard
	trips   chan string // the guard's trips (never closed: the watcher may outlive the run)
	tripped string      // why the run is paused, while it is
	unwatch context.CancelFunc
	watch   string        // why there is no breaker, when there is none
	edits   []msgdiff.Row // an edit-then-redrive: what the edit changed
	// reencoding is what writing an edited document does to the value's
	// bytes (nil: no document was edited); when it changes more than the
	// edit shows, only Y (not y or enter) starts the redrive.
	reencoding *replay.Reencoding
	// many asks for the count (or the source's name) typed out before a
	// run of more than one message, or of a whole queue.
	many typedConfirm
}

// needsTyping reports a plan that writes more than one message, or a
// whole queue: y asks for the count typed out.
func (d *redriveDialog) needsTyping() bool {
	return d.whole || d.plan.Summary().Redrive > 1
}

// mustConfirmBytes reports an edit whose encoding changes bytes the edit
// does not show: the redrive needs Y.
func (d *redriveDialog) mustConfirmBytes() bool {
	return d.reencoding != nil && d.reencoding.Surprising()
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
	source, msgs, opts := d.source, d.msgs, d.opts
	return func() tea.Msg {
		ctx := context.Background()
		msg := redriveTargetsChecked{page: page, gen: gen}
		// a target named another way (a NATS stream of one subject) is
		// planned again with the target writes take
		if to, err := replay.ResolveTarget(ctx, conn, opts.To); err != nil {
			msg.err = err
			return msg
		} else if to != opts.To {
			opts.To = to
			if plan, msg.err = replay.NewPlan(source, msgs, opts); msg.err != nil {
				return msg
			}
			msg.plan = plan
		}
		msg.targets, msg.err = replay.CheckTargets(ctx, conn, plan)
		if nd := (*replay.NotDeadLettersError)(nil); errors.As(msg.err, &nd) { // its hint's commands open this connection
			nd.Command = hintCommand(conn)
		}
		if f, ok := conn.(replay.CopyFinder); ok && msg.err == nil { // Kafka: what was redriven before is left out
			msg.copies, msg.copiesErr = plan.FindCopies(ctx, f)
		}
		return msg
	}
}

// hintCommand is "mqscope" and the flags that open conn again (connFlags),
// each a shell word, to start a command a hint names.
func hintCommand(conn sources.Conn) string {
	words := []string{"mqscope"}
	for _, f := range connFlags(conn).Flags {
		w, err := shellArg([]byte(f))
		if err != nil || strings.HasPrefix(f, "-") {
			w = f
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// targetsChecked takes the result of a target check of the current plan,
// and leaves out of it what earlier redrives copied already.
func (d *redriveDialog) targetsChecked(msg redriveTargetsChecked) {
	if msg.gen != d.planGen {
		return
	}
	d.checked, d.targetErr = true, msg.err
	if msg.plan != nil {
		d.plan = msg.plan
	}
	if msg.err == nil && msg.copiesErr != nil {
		d.targetErr = fmt.Errorf("could not look for earlier redrives: %w", msg.copiesErr)
	}
	if d.targetErr == nil {
		d.plan.Refuse(msg.targets)
		d.plan.UseCopies(msg.copies)
		d.targetErr = d.plan.SeenByRefusal() // other groups read the target: another target (t), or the command's --other-groups-see-copies
	}
}

// update handles a key; it returns a Cmd and whether the dialog is closed.
func (d *redriveDialog) update(msg tea.KeyMsg) (tea.Cmd, bool) {
	if d.many.open {
		switch answer, cmd := d.many.update(msg); answer {
		case typedYes:
			return d.start(), false
		case typedAsking:
			return cmd, false
		}
		return nil, false
	}
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
		if d.replacing {
			d.replacing = false
			switch msg.Type {
			case tea.KeyRunes, tea.KeySpace, tea.KeyBackspace, tea.KeyDelete:
				d.target.SetValue("") // typed over the current target, or deleted it
				if msg.Type == tea.KeyBackspace || msg.Type == tea.KeyDelete {
					return nil, false
				}
			}
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
			d.editing, d.replacing = true, d.opts.To != ""
			d.target.SetValue(d.opts.To)
			return d.target.Focus(), false
		case d.mustConfirmBytes() && msg.String() != "Y":
			return nil, false // y and enter do not go: the changed bytes are confirmed with Y
		case (msg.String() == "y" || msg.String() == "Y" || msg.Type == tea.KeyEnter) && d.c.writeRefused(d.conn) != nil:
			return d.c.readOnlyKey(d.conn), false
		case (msg.String() == "y" || msg.String() == "Y" || msg.Type == tea.KeyEnter) && d.checked && d.targetErr == nil && d.needsTyping():
			return d.many.ask(d.plan.Summary().Redrive, d.source), false
		case (msg.String() == "y" || msg.String() == "Y" || msg.Type == tea.KeyEnter) && d.checked && d.targetErr == nil:
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
		case msg.Type == tea.KeyEsc || msg.String() == "c" || msg.String() == "q":
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
		if s.AlreadyRedriven > 0 {
			d.err = fmt.Errorf("nothing to redrive: %d already redriven", s.AlreadyRedriven)
		}
		return nil
	}
	d.state = redriveRunning
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.updates = make(chan tea.Msg, 16)
	d.settled = make(chan struct{})
	d.trips = make(chan string, 1)
	wctx, unwatch := context.WithCancel(context.Background())
	d.unwatch = unwatch
	if share := d.c.breakerShare(); share > 0 {
		d.guard = replay.NewGuard(share, replay.DefaultBreakerWindow)
		trips := d.trips
		log, id := d.c.logger(), d.plan.ID
		d.guard.OnTrip = func(reason string) {
			replay.LogTrip(log, id, reason)
			select {
			case trips <- reason:
			default:
			}
		}
	}
	plan, conn, page, whole, dir, updates, guard, log, settled := d.plan, d.conn, d.page, d.whole, d.c.StateDir, d.updates, d.guard, d.c.logger(), d.settled
	go func() {
		defer close(updates)
		replay.LogPlan(log, conn.Name(), plan)
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
		run = replay.LogRun(log, conn.Name(), plan, whole, run)
		res, err := replay.Execute(ctx, conn, plan, run)
		replay.LogResult(log, conn.Name(), plan, res, err)
		close(settled)
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

// writing reports a run under way.
func (d *redriveDialog) writing() bool { return d.state == redriveRunning && d.settled != nil }

// stopWriting cancels the run under way (it settles in its own goroutine:
// the batch in flight finishes, every outcome is journalled and audited)
// and returns a channel closed once it has.
func (d *redriveDialog) stopWriting() <-chan struct{} {
	if d.cancel != nil {
		d.cancel()
	}
	if d.tripped != "" { // paused by the breaker: the stop releases it
		d.tripped = ""
		d.guard.Stop()
	}
	return d.settled
}

// close stops the dialog's watcher.
func (d *redriveDialog) close() {
	if d.unwatch != nil {
		d.unwatch()
	}
}

// view draws the dialog in at most width x height; its key line always shows.
func (d *redriveDialog) view(width, height int) string {
	s := d.c.Styles
	var b strings.Builder
	var keys string  // the dialog's key line
	var notes string // how a redrive works: shown when there is room
	var above string // why it cannot run, above the key line
	b.WriteString(s.Title.Render("Redrive from "+render.Sanitize(d.source)) + "\n\n")
	if d.planErr != nil {
		return d.box(b.String(), "", d.refusal(d.planErr), "t: choose a target   esc: cancel", width, height)
	}
	sum := d.plan.Summary()
	switch d.state {
	case redrivePlanned:
		what := plural(sum.Total, "message")
		if d.whole {
			what = fmt.Sprintf("every message in the queue (%d read here)", sum.Total)
		}
		fmt.Fprintf(&b, "%s, redrive id %s\n\n", what, render.Sanitize(d.plan.ID))
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
		if re := d.reencoding; re != nil {
			line := render.Sanitize(re.String())
			if re.Surprising() {
				line = s.Warn.Render("⚠ " + line)
			} else {
				line = s.Muted.Render(line)
			}
			b.WriteString(line + "\n\n")
		}
		for _, t := range replay.SortedKeys(sum.PerTarget) {
			fmt.Fprintf(&b, "  %6d → %s\n", sum.PerTarget[t], render.Sanitize(t))
		}
		if sum.Park > 0 {
			fmt.Fprintf(&b, "  %6d parked (redriven %d times already: left in place)\n", sum.Park, max(d.opts.HopLimit, replay.DefaultHopLimit))
		}
		if n := sum.Unresolved - sum.Lost; n > 0 {
			fmt.Fprintf(&b, "  %6d %s\n", n, s.Warn.Render("without a target: left in place (t: choose one)"))
			for _, why := range d.unresolvedReasons(3, false) {
				b.WriteString("         " + render.Line(why, reasonWidth(width)) + "\n")
			}
		}
		if sum.Lost > 0 {
			fmt.Fprintf(&b, "  %6d %s\n", sum.Lost, s.Warn.Render("lost: only a trace is left, nothing to redrive (left in place)"))
			for _, why := range d.unresolvedReasons(1, true) {
				b.WriteString("         " + render.Line(why, reasonWidth(width)) + "\n")
			}
		}
		d.viewCopies(&b, sum)
		for _, n := range d.plan.Notes() {
			if n.Missing {
				b.WriteString("  " + s.Warn.Render(render.Sanitize(n.Target.String())+" does not exist yet: the first copy creates it") + "\n")
			}
			if len(n.SeenBy) > 0 {
				b.WriteString("  " + s.Warn.Render(render.Sanitize(n.Target.String())+" is read by "+render.Sanitize(replay.GroupsText(n.SeenBy))+
					" too: they would see each copy as a new entry") + "\n")
			}
		}
		notes = s.Muted.Render("adds x-mqscope-redrive-id, -hops, -source, -position; keeps the other headers") + "\n" +
			s.Muted.Render("publish, wait for the broker, then remove or commit the source")
		switch {
		case d.c.writeRefused(d.conn) != nil:
			keys = s.Muted.Render("read-only connection: "+render.Sanitize(d.conn.Name())+": a plan only") + "   t: target   esc: close"
		case !d.checked:
			checking := "checking the targets…"
			if _, kafka := d.conn.(replay.CopyFinder); kafka {
				checking = "checking the targets, looking for earlier redrives…"
			}
			keys = s.Muted.Render(checking) + "   t: target   esc: cancel"
		case d.targetErr != nil && errors.Is(d.targetErr, sources.ErrNotDeadLetters): // no target makes it one
			above, keys = d.refusal(d.targetErr), "esc: cancel"
		case d.targetErr != nil:
			above, keys = d.refusal(d.targetErr), "t: choose a target   esc: cancel"
		case sum.Redrive == 0 && !(sum.Park > 0 && d.opts.ParkTo != ""):
			why := "no message has a target"
			if r := d.unresolvedReasons(1, sum.Lost == sum.Unresolved); len(r) > 0 {
				why = r[0]
			}
			above, keys = d.refusal(errors.New(why)), "t: choose a target   esc: cancel"
			if sum.Lost == sum.Unresolved && sum.Park == 0 { // no target helps a lost message
				keys = "esc: cancel"
			}
		case d.mustConfirmBytes():
			keys = s.Warn.Render("Y: redrive with the value's bytes changed beyond the edit") + "   t: target   esc: cancel"
		default:
			keys = s.Warn.Render("y/enter: redrive") + "   t: target   esc: cancel"
		}
		if d.editing {
			hint := ""
			if d.replacing {
				hint = s.Muted.Render("  (typing replaces it; ←/→ edit it)")
			}
			keys = d.target.View() + hint + "\n\n" + keys
		}
		if d.many.open {
			keys = d.many.view(s, "redrive")
		} else if d.many.refused && above == "" {
			above = d.many.refusal(s)
		}
	case redriveRunning:
		prog := d.prog.WithTotal(len(d.plan.Items)) // the plan's count until the run has its own
		pct := 0.0
		if prog.Total > 0 {
			pct = float64(prog.Handled()) / float64(prog.Total)
		}
		b.WriteString(d.bar.ViewAs(pct) + "\n\n" + prog.String())
		if d.prog.Returned > 0 {
			b.WriteString(s.Warn.Render(fmt.Sprintf("  %d came back dead", d.prog.Returned)))
		}
		b.WriteString("\n\n")
		if d.watch != "" {
			b.WriteString(s.Warn.Render("no breaker: "+render.Sanitize(d.watch)) + "\n\n")
		}
		if d.tripped != "" {
			b.WriteString(s.StatusError.Render("⚠ paused by the breaker") + "\n" + render.Sanitize(d.tripped) + "\n\n")
			keys = s.Warn.Render("r: resume anyway") + "   s/esc: stop (resume later with the same redrive id)"
			break
		}
		keys = s.Muted.Render("esc/q: stop after the batch in flight")
	case redriveDone:
		if d.err != nil {
			b.WriteString(s.StatusError.Render("✖ "+render.Sanitize(d.err.Error())) + "\n\n")
		}
		r := d.res
		fmt.Fprintf(&b, "%d redriven, %d parked, %d skipped, %d failed in %s\n", r.Done, r.Parked, r.Skipped, r.Failed, r.Elapsed.Round(time.Millisecond))
		if r.Duplicates > 0 {
			fmt.Fprintf(&b, "%d were redriven by an earlier run: not sent again\n", r.Duplicates)
		}
		if r.FoundWritten > 0 {
			fmt.Fprintf(&b, "%d of them found written in the target past its duplicate window\n", r.FoundWritten)
		}
		for _, t := range replay.SortedKeys(r.PerTarget) {
			fmt.Fprintf(&b, "  %6d → %s\n", r.PerTarget[t], render.Sanitize(t))
		}
		for i, f := range r.Failures {
			if i == 5 {
				fmt.Fprintf(&b, "  … %d more failures\n", len(r.Failures)-5)
				break
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", s.StatusError.Render("failed"), render.Sanitize(f.Position), render.Sanitize(f.Err))
		}
		for i, se := range r.SettledElsewhere {
			if i == 5 {
				fmt.Fprintf(&b, "  … %d more not sent, settled elsewhere\n", len(r.SettledElsewhere)-5)
				break
			}
			fmt.Fprintf(&b, "  %s\n", render.Sanitize(se.String()))
		}
		if n := r.PossibleCopies(); n > 0 {
			b.WriteString(s.Warn.Render(fmt.Sprintf("up to %d may be duplicated (an earlier run may have sent them; see the audit log):", n)) + "\n")
			for i, p := range r.PossibleDuplicates {
				if i == 5 {
					fmt.Fprintf(&b, "  … %d more\n", len(r.PossibleDuplicates)-5)
					break
				}
				fmt.Fprintf(&b, "  %s → %s\n", render.Sanitize(p.Name()), render.Sanitize(p.Target))
			}
		}
		if r.Stop.Early() {
			line := "stopped: " + render.Sanitize(r.Stop.String())
			if r.Stop.Resumable() {
				line += " (resume: redrive again with id " + d.plan.ID + ")"
			}
			b.WriteString(s.Warn.Render(line) + "\n")
		}
		if _, back := d.guard.Totals(); back > 0 {
			b.WriteString(s.Warn.Render(fmt.Sprintf("%d redriven messages came back dead to %s", back, render.Sanitize(d.source))) + "\n")
		}
		keys = s.Muted.Render("enter: close and read the queue again")
	}
	return d.box(b.String(), notes, above, keys, width, height)
}

// refusal says why the plan cannot run, above the key line (which says
// no y): without the redrive id the dialog shows already, and without
// the words of sources.ErrBadTarget, which "cannot redrive" says.
// unresolvedReasons are the different reasons, at most n, why messages of
// the plan have no target.
func (d *redriveDialog) unresolvedReasons(n int, lost bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range d.plan.Items {
		if it.Action == replay.Unresolved && it.Lost() == lost && !seen[it.Reason] && len(out) < n {
			seen[it.Reason] = true
			out = append(out, it.Reason)
		}
	}
	return out
}

func (d *redriveDialog) refusal(err error) string {
	text := err.Error()
	if d.plan != nil {
		text = strings.TrimPrefix(text, "redrive "+d.plan.ID+": ")
	}
	text = strings.TrimSuffix(text, ": "+sources.ErrBadTarget.Error())
	return d.c.Styles.StatusError.Render("✖ cannot redrive: " + render.Sanitize(text))
}

// reasonWidth is how much of a reason fits on one line of the dialog in a
// terminal width wide: the box's text less the reasons' indent of 9.
func reasonWidth(width int) int { return max(min(width-4, 90)-2-9, 20) }

// box frames the dialog's body, its notes, what stands above its key line
// (why it cannot run) and the key line in at most width x height, each
// wrapped to the width: when the body is too tall the notes go first,
// then its blank lines, then its end (…); the key line always shows, and
// what stands above it is cut only where it alone is too tall.
func (d *redriveDialog) box(body, notes, above, keys string, width, height int) string {
	s := d.c.Styles
	boxW := min(width-4, 90)                          // lipgloss counts the padding in, not the border
	wrap := lipgloss.NewStyle().Width(max(boxW-2, 1)) // the text inside the padding
	lines := strings.Split(wrap.Render(strings.TrimRight(body, "\n")), "\n")
	foot := wrap.Render(keys)
	if above != "" {
		al := strings.Split(wrap.Render(above), "\n")
		if keep := max(height-2-lipgloss.Height(foot), 1); len(al) > keep { // a tiny terminal: the key line stays
			al = append(al[:keep-1:keep-1], s.Muted.Render("…"))
		}
		foot = strings.Join(al, "\n") + "\n" + foot
	}
	room := height - 2 - 1 - lipgloss.Height(foot) // the border, the blank line above the keys
	if notes != "" {
		if n := strings.Split(wrap.Render(notes), "\n"); len(lines)+1+len(n) <= room {
			lines = append(append(lines, ""), n...)
		}
	}
	if len(lines) > room { // the blank lines go first, then the end of the body
		lines = slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(ansi.Strip(l)) == "" })
	}
	if len(lines) > room {
		lines = append(lines[:max(room-1, 0)], s.Muted.Render("…"))
	}
	if room <= 0 {
		return s.Overlay.Width(boxW).Render(foot)
	}
	return s.Overlay.Width(boxW).Render(strings.Join(lines, "\n") + "\n\n" + foot)
}

// viewCopies says how many dead letters earlier redrives copied (left out:
// the dialog has no way to include them; the command line has --again)
// and what was read to find them.
func (d *redriveDialog) viewCopies(b *strings.Builder, sum replay.Summary) {
	s := d.c.Styles
	if sum.AlreadyRedriven > 0 {
		fmt.Fprintf(b, "  %6d %s\n", sum.AlreadyRedriven, s.Warn.Render("already redriven: left out"))
		for i, l := range d.plan.AlreadyRedriven {
			if i == 3 {
				fmt.Fprintf(b, "         … %d more\n", len(d.plan.AlreadyRedriven)-3)
				break
			}
			fmt.Fprintf(b, "         %s\n", render.Sanitize(l.Msg.Where()+": "+l.Copy.String()))
		}
	}
	if d.plan.Copies != nil {
		for _, sc := range d.plan.Copies.Scans {
			b.WriteString(s.Muted.Render(render.Sanitize(sc.String())) + "\n")
		}
	}
}
