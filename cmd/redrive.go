package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/ui/render"
)

// redriveFlags are the flags of the redrive command.
type redriveFlags struct {
	read    readFlags
	opts    replay.Options
	rate    float64
	batch   int
	dryRun  bool
	yes     bool
	journal string
	breaker float64
	window  time.Duration
	native  bool
	// acceptCost lets the plan's peek read a queue where a read costs
	// something (--accept-peek-cost).
	acceptCost bool
	// acceptReencoding lets edit --yes publish a value whose encoding
	// changes bytes the edit does not show (--accept-reencoding).
	acceptReencoding bool
	// resume is the command line that resumes the run (resumeCommand);
	// "" for the plain "mqscope redrive DLQ --id ID".
	resume string
	// conn is the program's name with the connection's flags
	// (connectionCommand), for the hints that name other commands.
	conn string
}

func newRedriveCmd(e *env) *cobra.Command {
	var f redriveFlags
	c := &cobra.Command{
		Use:   "redrive DLQ",
		Short: "Move dead letters back to where they came from (or --to a stream), safely",
		Long: `redrive reads a dead-letter topic or queue, plans where each message goes (its
origin from the provenance headers, or --to), prints the plan, asks, and then
moves the messages: publish, wait for the broker's acknowledgement, then remove
or commit the source, never the other way.

Kafka: one transaction per batch holds the records and the redrive's consumer
group offsets on the DLT, so a run stopped at any point resumes (--id) with
nothing lost and nothing duplicated. RabbitMQ: publisher confirms and
mandatory; an unroutable or refused message stays in the DLQ and is reported;
the journal spots a message published before a crash so it is not sent twice.

Every redriven message carries x-mqscope-redrive-id, -hops, -source and
-position; one redriven --hop-limit times already is parked instead.

The question is y/N for one message; for more (a whole queue, SQS's --native
move task) type the count or the DLQ's name, anything else is no. Without a
terminal, --yes is needed.`,
		Args: exactlyOneStream,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.resume = resumeCommand(cmd, args[0], e.adHocFlags)
			f.conn = connectionCommand(cmd, e.adHocFlags)
			return e.redrive(cmd.Context(), args[0], &f)
		},
	}
	fl := c.Flags()
	f.read.register(c, "oldest", "jsonl")
	_ = fl.MarkHidden("format") // a redrive writes to brokers, not to stdout
	fl.StringVar(&f.opts.To, "to", "", "send every message to this topic or exchange instead of its origin")
	fl.StringArrayVar(&f.opts.DropHeaders, "drop-header", nil, "drop headers matching this pattern (glob, repeatable), e.g. 'kafka_dlt-*'")
	fl.StringArrayVar(&f.opts.KeepHeaders, "keep-header", nil, "keep only headers matching these patterns (repeatable)")
	fl.IntVar(&f.opts.HopLimit, "hop-limit", replay.DefaultHopLimit, "park a message redriven this many times already")
	fl.StringVar(&f.opts.ParkTo, "park-to", "", "move parked messages to this stream (default: leave them in place)")
	fl.StringVar(&f.opts.ID, "id", "", "redrive id: the same id resumes an interrupted run")
	fl.BoolVar(&f.opts.TrustFirstDeath, "trust-first-death", false, "RabbitMQ: redrive dead letters whose x-death and x-first-death disagree (the first death may be forged) to where the first death says; without it they stay")
	fl.BoolVar(&f.opts.OtherGroupsSeeCopies, "other-groups-see-copies", false, "Redis: redrive a group's dead letters onto their own stream even though other groups read it (they see each copy as a new entry)")
	fl.BoolVar(&f.opts.Again, "again", false, "Kafka: redrive dead letters an earlier redrive (any id, any machine) copied already; without it they are left out")
	fl.Float64Var(&f.rate, "rate", 0, "at most this many messages per second (0: as fast as the broker confirms)")
	fl.IntVar(&f.batch, "batch", 2000, "messages per transaction (Kafka) or confirm window (RabbitMQ)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan and write nothing")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask before writing")
	fl.BoolVar(&f.native, "native", false, "SQS: use SQS's own move task (StartMessageMoveTask) where the server has it: every message, no plan, no provenance")
	fl.Float64Var(&f.breaker, "breaker", 10, "pause when more than this percentage of the redriven messages come back dead within --breaker-window (0 or -1: off)")
	fl.DurationVar(&f.window, "breaker-window", replay.DefaultBreakerWindow, "the window the breaker measures over")
	fl.StringVar(&f.journal, "journal-dir", "", "where journals go (default $XDG_STATE_HOME/mqscope/redrive)")
	registerAcceptPeekCost(c, &f.acceptCost)
	return c
}

// redrive plans, confirms and executes one redrive.
func (e *env) redrive(ctx context.Context, dlq string, f *redriveFlags) error {
	if f.batch <= 0 || f.rate < 0 {
		return errors.New("--batch must be positive and --rate not negative")
	}
	if f.breaker < 0 && f.breaker != -1 || f.breaker > 100 || f.window <= 0 {
		return errors.New("--breaker is a percentage up to 100 (0 or -1: off), --breaker-window a positive duration")
	}
	if err := e.plannedTarget(f); err != nil {
		return err
	}
	ropts, err := f.read.options(time.Now())
	if err != nil {
		return err
	}
	conns, err := e.connectForWrite(ctx)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	conn, effect, err := locate(ctx, conns, dlq)
	if err != nil {
		return err
	}
	if err := e.refuseBeforeRead(conn, effect, f.dryRun && !f.native); err != nil {
		return err
	}
	if f.native {
		sq, ok := conn.(sources.MoveTasker)
		if !ok {
			return errors.New("--native is SQS's own move task (StartMessageMoveTask): only for --sqs connections")
		}
		return e.nativeMove(ctx, conn, sq, dlq, f)
	}
	if err := e.checkSource(ctx, conn, dlq, f); err != nil { // before a read: a stream that holds no dead letters is not read whole for nothing
		return err
	}
	if r, ok := conn.(sources.Reader); ok {
		if ropts, err = f.read.positioned(ctx, []sources.Reader{r}, dlq, ropts); err != nil {
			return err
		}
	}
	conn, read, err := e.selection(ctx, []sources.Conn{conn}, dlq, ropts, f.read.limit, f.read.compiled, f.acceptCost, true)
	if err != nil {
		return err
	}
	msgs := read.Kept
	if f.opts.ID == "" {
		f.opts.ID = replay.NewID()
	}
	if err := resolveTargets(ctx, conn, &f.opts); err != nil {
		return fmt.Errorf("%w (nothing was written)", err)
	}
	plan, err := replay.NewPlan(dlq, msgs, f.opts)
	if err != nil {
		return err
	}
	check, err := replay.CheckTargets(ctx, conn, plan)
	if err != nil {
		return fmt.Errorf("%w (nothing was written)", f.hinted(err))
	}
	plan.Refuse(check)                          // targets from provenance that were refused: their messages stay, unresolved
	if cf, ok := conn.(replay.CopyFinder); ok { // Kafka: the copies earlier redrives wrote
		fmt.Fprintln(e.stderr, "looking for earlier redrives of these dead letters in their targets…")
		if err := plan.CheckCopies(ctx, cf); err != nil {
			return err
		}
	}
	replay.LogPlan(e.logger(), conn.Name(), plan)
	st, _ := locateOn(ctx, conn, dlq)
	wholeQueue := st.Queue && f.read.limit == 0 && f.read.compiled == nil
	if err := plan.Write(e.stdout); err != nil {
		return err
	}
	if wholeQueue && st.PeekLimit > 0 && len(msgs) >= st.PeekLimit {
		fmt.Fprintf(e.stdout, "(the plan shows the first %s; the run takes every message the queue holds when it starts)\n", counted(len(msgs), "message"))
	}
	if f.dryRun {
		return e.dryRunEnd(conn, plan)
	}
	if err := plan.SeenByRefusal(); err != nil {
		return fmt.Errorf("%w (nothing was written)", err)
	}
	if err := e.refuseWrites(conn); err != nil {
		return err
	}
	if s := plan.Summary(); s.Redrive == 0 && (s.Park == 0 || f.opts.ParkTo == "") {
		if s.AlreadyRedriven > 0 {
			fmt.Fprintf(e.stdout, "nothing to redrive: %d already redriven (--again to redrive them again)\n", s.AlreadyRedriven)
			return nil
		}
		if len(msgs) == 0 && read.Filtered && read.Scanned > 0 {
			fmt.Fprintf(e.stdout, "nothing to redrive: none of the %s read matched the filter\n", counted(read.Scanned, "message"))
			return nil
		}
		if len(msgs) == 0 && st.DeadLetter {
			fmt.Fprintf(e.stdout, "nothing to redrive: %s holds no dead letters now\n", dlq)
			for _, p := range st.Info {
				fmt.Fprintf(e.stdout, "  %s: %s\n", p.Name, p.Value)
			}
			return nil
		}
		fmt.Fprintln(e.stdout, "nothing to redrive")
		return nil
	}
	if !f.yes {
		ok, err := confirmRedrive(e.stdin, e.stderr, plan, conn.Name(), wholeQueue)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not confirmed: nothing written")
		}
	}
	return e.runPlan(ctx, conn, plan, wholeQueue, f)
}

// dryRunEnd ends a dry run as the run would end, nothing written: with
// the run's refusal (other consumer groups would see the copies), or
// with an error naming the messages the run would fail by themselves
// (replay.Plan.WouldFail), else nil. A script can trust its exit status.
func (e *env) dryRunEnd(conn sources.Conn, plan *replay.Plan) error {
	if err := plan.SeenByRefusal(); err != nil {
		fmt.Fprintln(e.stdout, "dry run: nothing written")
		return fmt.Errorf("%w (dry run: nothing written; the run would refuse it too)", err)
	}
	fails := plan.WouldFail(conn)
	for i, f := range fails {
		if i == 20 {
			fmt.Fprintf(e.stdout, "  … %d more would fail\n", len(fails)-20)
			break
		}
		fmt.Fprintf(e.stdout, "  would fail %s: %s\n", safetext.String(f.Position), safetext.String(f.Err))
	}
	fmt.Fprintln(e.stdout, "dry run: nothing written")
	if len(fails) > 0 {
		return fmt.Errorf("%s could not be redriven and would stay in %s, as the run would say (dry run: nothing written)", counted(len(fails), "message"), plan.Source)
	}
	return nil
}

// checkSource refuses, before anything is read or written, a redrive
// whose source holds no dead letters (replay.CheckSource: NATS, Redis).
func (e *env) checkSource(ctx context.Context, conn sources.Conn, source string, f *redriveFlags) error {
	p, err := replay.NewPlan(source, nil, f.opts)
	if err != nil {
		return err
	}
	if err := replay.CheckSource(ctx, conn, p); err != nil {
		return fmt.Errorf("%w (nothing was written)", f.hinted(err))
	}
	return nil
}

// hinted gives a refused source's hint (replay.NotDeadLettersError) the
// connection's flags, so its commands run as they are printed.
func (f *redriveFlags) hinted(err error) error {
	var nd *replay.NotDeadLettersError
	if errors.As(err, &nd) && f.conn != "" {
		nd.Command = f.conn
	}
	return err
}

// plannedTarget gives a resumed id (--id of an unfinished run) the --to
// its journal says the run was planned with, and refuses another.
func (e *env) plannedTarget(f *redriveFlags) error {
	if f.opts.ID == "" || f.native {
		return nil
	}
	dir := f.journal
	if dir == "" {
		dir = filepath.Join(stateDir(), "redrive")
	}
	to, ok, err := replay.PlannedTarget(dir, f.opts.ID)
	switch {
	case err != nil || !ok:
		return err
	case f.opts.To == "" && to != "":
		f.opts.To = to
		fmt.Fprintf(e.stderr, "redrive %s resumes with --to %s, as its journal says\n", safetext.String(f.opts.ID), safetext.String(to))
	case f.opts.To != to:
		return fmt.Errorf("redrive %s: %w: it sends %s, this run every message --to %s (resume without --to, or with the same; another --to takes another --id); nothing was written",
			safetext.String(f.opts.ID), replay.ErrOtherPlan, plannedText(to), safetext.String(f.opts.To))
	}
	return nil
}

// plannedText says where a plan sends messages, for people.
func plannedText(to string) string {
	if to == "" {
		return "each message to its origin"
	}
	return "every message --to " + safetext.String(to)
}

// runPlan executes a confirmed plan with a journal, the audit log, progress
// on stderr and the breaker, and prints the result. The exit status
// follows from the run's typed stop.
func (e *env) runPlan(ctx context.Context, conn sources.Conn, plan *replay.Plan, wholeQueue bool, f *redriveFlags) error {
	dlq := plan.Source
	var run replay.RunOptions
	shown := newProgress(e.stderr)
	run = replay.RunOptions{Rate: f.rate, Batch: f.batch, StateDir: stateDir(), WholeQueue: wholeQueue, OnProgress: func(p replay.Progress) {
		if paused, _ := run.Guard.Paused(); paused {
			return // the breaker's question is on the line
		}
		shown.show(p.WithTotal(len(plan.Items)).String())
	}}
	if f.journal != "" {
		journal, err := replay.OpenJournal(f.journal, plan.ID)
		if err != nil {
			return err
		}
		defer journal.Close()
		run.Journal = journal
	}
	if f.breaker > 0 {
		g, stop := e.breaker(ctx, conn, dlq, plan.ID, f)
		defer stop()
		run.Guard = g
	}
	run = replay.LogRun(e.logger(), conn.Name(), plan, wholeQueue, run)
	fmt.Fprintf(e.stderr, "redrive %s started (resume with --id %s)\n", safetext.String(plan.ID), safetext.String(plan.ID))
	shown.show(replay.Progress{}.WithTotal(len(plan.Items)).String())
	res, err := replay.Execute(ctx, conn, plan, run)
	shown.end()
	for _, t := range res.TookOver {
		fmt.Fprintf(e.stderr, "%s\n", safetext.String(t.String()))
	}
	replay.LogResult(e.logger(), conn.Name(), plan, res, err)
	printResult(e.stdout, plan, res)
	return redriveExit(plan, res, err, f.resume)
}

// redriveExit is the error (the exit status) a run's result calls for:
// nil only when every message it was given was handled and none failed.
// command is the command line that resumes the run without its --id
// (resumeCommand; "": mqscope redrive with the plan's source).
func redriveExit(plan *replay.Plan, res replay.Result, err error, command string) error {
	resume := ""
	var elsewhere *replay.RunningElsewhereError
	if res.Stop.Resumable() && !errors.As(err, &elsewhere) { // that run is not over: its own end says how to go on
		if command == "" {
			command = "mqscope redrive " + shellWord(plan.Source)
		}
		resume = fmt.Sprintf(": resume with %s --id %s", command, shellWord(plan.ID))
	}
	switch {
	case err != nil && res.Stop.Reason == replay.TargetRefused:
		return fmt.Errorf("%w (nothing was written)", err)
	case err != nil:
		return fmt.Errorf("%w%s", err, resume)
	case res.Failed > 0:
		return fmt.Errorf("%s could not be redriven and stay in %s%s", counted(res.Failed, "message"), plan.Source, resume)
	case res.Stop.Reason == replay.Cancelled:
		return &interruptedError{detail: strings.TrimPrefix(resume, ": ")}
	case !res.Stop.Complete():
		return fmt.Errorf("%s%s", res.Stop, resume)
	}
	return nil
}

// breaker watches the DLQ for redriven messages that die again; when too
// many do it asks (on a terminal) whether to go on, else stops the run.
func (e *env) breaker(ctx context.Context, conn sources.Conn, dlq, id string, f *redriveFlags) (*replay.Guard, func()) {
	g := replay.NewGuard(f.breaker/100, f.window)
	stop, err := replay.Watch(ctx, conn, dlq, id, g)
	if err != nil {
		fmt.Fprintf(e.stderr, "the breaker is off: %v\n", err)
		return nil, func() {}
	}
	g.OnTrip = func(reason string) {
		replay.LogTrip(e.logger(), id, reason)
		fmt.Fprintf(e.stderr, "\n⚠ paused by the breaker: %s\n", safetext.String(reason))
		if f.yes {
			g.Stop()
			return
		}
		ok, err := confirm(e.stdin, e.stderr, "redrive", "Go on anyway? [y/N] ")
		if err != nil || !ok {
			g.Stop()
			return
		}
		g.Resume()
	}
	return g, stop
}

// selection reads the messages to plan: a DLT up to its end, or a peek of
// a DLQ, refused before reading where the peek costs something (a
// delivery limit, a maxReceiveCount) and acceptCost does not accept it.
// With flt (nil: none) only the messages that match are kept, and limit
// (0: none) counts those, as export's --limit does: the read goes on
// until limit messages matched or the source's end.
// Flawed messages are told on stderr as they are read; a lost one (its
// original gone) only without planLost: a plan that lists it, with why,
// as left in place, tells it once.
func (e *env) selection(ctx context.Context, conns []sources.Conn, dlq string, opts sources.ReadOptions, limit int64, flt *filter.Filter, acceptCost, planLost bool) (sources.Conn, selected, error) {
	var unknown error
	for _, c := range conns {
		r, ok := c.(sources.Reader)
		if !ok {
			continue
		}
		ro := opts
		if isQueue(ctx, c, dlq) {
			ro.Start = sources.Start{Kind: sources.StartOldest}
			if limit > 0 && flt == nil { // a filter's matches may be anywhere in the queue
				ro.Start = sources.Start{Kind: sources.StartLastN, N: limit}
			}
		}
		g := guardOne(r, acceptCost, e.stderr)
		g.planLost = planLost
		sub, err := g.Read(ctx, dlq, ro)
		if errors.Is(err, sources.ErrUnknownStream) {
			unknown = err
			continue
		}
		if err != nil {
			return nil, selected{}, err
		}
		if flt != nil {
			sel, err := e.filtered(ctx, c, dlq, sub, flt, limit)
			if err != nil {
				return nil, selected{}, err
			}
			return c, sel, nil
		}
		msgs, err := sources.Drain(ctx, sub, int(limit))
		if err != nil {
			return nil, selected{}, err
		}
		return c, selected{Kept: msgs, Scanned: len(msgs)}, nil
	}
	if unknown == nil {
		unknown = fmt.Errorf("%q: %w", dlq, sources.ErrUnknownStream)
	}
	return nil, selected{}, unknown
}

// confirmRedrive asks before a plan runs: y for one message; for more (or
// a whole queue) the count or the stream's name typed out.
func confirmRedrive(in io.Reader, out io.Writer, p *replay.Plan, conn string, wholeQueue bool) (bool, error) {
	return askBeforeWrite(in, out, writeAsk{Question: confirmQuestion(p, conn), Verb: "redrive", Action: "redrive",
		Count: p.Summary().Redrive, Whole: wholeQueue, Names: []string{p.Source}})
}

// confirmQuestion asks for a plan: how many messages, and how many were
// left out or are redriven again because an earlier redrive copied them.
func confirmQuestion(p *replay.Plan, conn string) string {
	s := p.Summary()
	var also string
	switch {
	case s.Again > 0:
		also = fmt.Sprintf(", %d of them redriven before and again now", s.Again)
	case s.AlreadyRedriven > 0:
		also = fmt.Sprintf(", %d already redriven left out", s.AlreadyRedriven)
	}
	if cs := p.Creates(); len(cs) > 0 {
		also += ", creating " + strings.Join(cs, ", ")
	}
	return fmt.Sprintf("Redrive %s from %s (%s%s)?", counted(s.Redrive, "message"), p.Source, conn, also)
}

func printResult(w io.Writer, p *replay.Plan, r replay.Result) {
	fmt.Fprintf(w, "redrive %s: %d redriven, %d parked, %d skipped, %d failed", safetext.String(p.ID), r.Done, r.Parked, r.Skipped, r.Failed)
	if r.Duplicates > 0 {
		fmt.Fprintf(w, ", %d already redriven by an earlier run (not sent again)", r.Duplicates)
	}
	if r.FoundWritten > 0 {
		fmt.Fprintf(w, ", %d of them found written in the target past its duplicate window", r.FoundWritten)
	}
	fmt.Fprintf(w, " in %s\n", r.Elapsed.Round(time.Millisecond))
	for _, t := range replay.SortedKeys(r.PerTarget) {
		fmt.Fprintf(w, "  %6d -> %s\n", r.PerTarget[t], safetext.String(t))
	}
	for i, f := range r.Failures {
		if i == 20 {
			fmt.Fprintf(w, "  … %d more failures\n", len(r.Failures)-20)
			break
		}
		fmt.Fprintf(w, "  failed %s: %s\n", safetext.String(f.Position), safetext.String(f.Err))
	}
	for _, t := range r.TookOver {
		fmt.Fprintln(w, safetext.String(t.String()))
	}
	for i, s := range r.SettledElsewhere {
		if i == 20 {
			fmt.Fprintf(w, "  … %d more not sent, settled elsewhere\n", len(r.SettledElsewhere)-20)
			break
		}
		fmt.Fprintf(w, "  %s\n", safetext.String(s.String()))
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", safetext.String(s))
	}
	dups, n := r.PossibleDuplicates, r.PossibleCopies()
	if all := r.RunCopies(); all > n {
		dups = r.RunDuplicates
		fmt.Fprintf(w, "up to %d may be duplicated over the runs of %s (%d by this run): a run may have sent them before it was stopped, and they were sent again:\n",
			all, safetext.String(p.ID), n)
	} else if n > 0 {
		fmt.Fprintf(w, "up to %d may be duplicated: an earlier run may have sent them before it was stopped, and they were sent again:\n", n)
	}
	if r.RunCopies() > 0 || n > 0 {
		for i, d := range dups {
			if i == 20 {
				fmt.Fprintf(w, "  … %d more in the audit log\n", len(dups)-20)
				break
			}
			copies := ""
			if d.Copies > 1 {
				copies = fmt.Sprintf(" (up to %d copies more)", d.Copies)
			}
			fmt.Fprintf(w, "  %s -> %s%s\n", render.Sanitize(d.Name()), render.Sanitize(d.Target), copies)
		}
	}
	if r.InDoubt > 0 {
		fmt.Fprintf(w, "%d in doubt: sent, and the answer lost; run again with the same id to settle them without doubles\n", r.InDoubt)
	}
	if r.Stop.Early() {
		fmt.Fprintf(w, "stopped: %s\n", safetext.String(r.Stop.String()))
	}
}

// moveTaskAsk is the question before SQS's move task: it moves every
// message of dlq, so the queue's name (or its approximate count, when the
// connection tells it) is typed out.
func moveTaskAsk(ctx context.Context, conn sources.Conn, dlq, to string) writeAsk {
	count, about := -1, ""
	if d, ok := conn.(sources.QueueRedriver); ok {
		if n, err := d.Depth(ctx, dlq); err == nil {
			count, about = n, fmt.Sprintf(" (about %s)", counted(n, "message"))
		}
	}
	where := "back to its source queues"
	if to != "" {
		where = "to " + to
	}
	return writeAsk{Question: fmt.Sprintf("Start SQS's move task: every message of %s%s %s?", dlq, about, where),
		Verb: "start the move task", Action: "start it", Count: count, Whole: true, Names: []string{dlq}}
}

// nativeMove runs SQS's own move task on a DLQ and follows it to its end;
// Ctrl-C cancels it.
func (e *env) nativeMove(ctx context.Context, conn sources.Conn, c sources.MoveTasker, dlq string, f *redriveFlags) error {
	if err := e.refuseWrites(conn); err != nil {
		return err
	}
	if f.dryRun {
		fmt.Fprintf(e.stdout, "native move of every message of %s back to its sources (or --to): dry run, nothing started\n", safetext.String(dlq))
		return nil
	}
	if !f.yes {
		ok, err := askBeforeWrite(e.stdin, e.stderr, moveTaskAsk(ctx, conn, dlq, f.opts.To))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not confirmed: nothing started")
		}
	}
	handle, err := c.StartMoveTask(ctx, dlq, f.opts.To, int32(f.rate))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "move task %s started\n", safetext.String(handle))
	shown := newProgress(e.stderr)
	defer shown.end()
	for {
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.CancelMoveTask(cctx, handle); err != nil {
				return err
			}
			return errors.New("move task cancelled")
		case <-time.After(2 * time.Second):
		}
		tasks, err := c.MoveTasks(ctx, dlq)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.Handle != handle && len(tasks) > 1 {
				continue
			}
			shown.show(fmt.Sprintf("%s: %d of %d moved", safetext.String(t.Status), t.Moved, t.ToMove))
			switch t.State {
			case sources.MoveCompleted:
				shown.end()
				fmt.Fprintf(e.stdout, "moved %s from %s\n", counted(t.Moved, "message"), safetext.String(dlq))
				return nil
			case sources.MoveFailed, sources.MoveCancelled:
				shown.end()
				return fmt.Errorf("move task %s: %s %s", handle, t.Status, t.Failure)
			}
		}
	}
}

// resolveTargets turns --to and --park-to into the targets writes take
// (replay.ResolveTarget).
func resolveTargets(ctx context.Context, conn sources.Conn, o *replay.Options) error {
	for _, t := range []struct {
		flag string
		name *string
	}{{"--to", &o.To}, {"--park-to", &o.ParkTo}} {
		if *t.name == "" {
			continue
		}
		s, err := replay.ResolveTarget(ctx, conn, *t.name)
		if err != nil {
			return fmt.Errorf("%s %w", t.flag, err)
		}
		*t.name = s
	}
	return nil
}
