package replay

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// targetCheckTimeout bounds the look-ups that check a plan's targets.
const targetCheckTimeout = 15 * time.Second

// Execute runs a redrive plan on the connection its messages were read from:
// a connection that redrives itself (sources.Redriver: NATS JetStream,
// Redis streams) through its Redrive, each outcome journalled and
// audited; a Kafka DLT in transactions (RedriveKafka), a RabbitMQ queue
// (sources.StreamRedriver) with confirms (RedriveStreamed), an SQS queue (RedriveSQS). It checks the
// plan's targets first (nothing is written to a target that does not
// exist: a refused target the user chose stops the run, one from
// provenance leaves its messages unresolved), and opens the journal and the audit log in o.StateDir when o
// does not carry them. The result's Stop says how the run ended and
// whether the same id resumes it; a run that ended on an error has a Stop
// too (Failed, unless a more precise reason is known).
func Execute(ctx context.Context, conn sources.Conn, p *Plan, o RunOptions) (res Result, err error) {
	defer func() {
		if err != nil && !res.Stop.Early() {
			res.Stop = Stop{Reason: Failed, Detail: err.Error()}
		}
	}()
	res.PerTarget = map[string]int{}
	check, err := CheckTargets(ctx, conn, p)
	if err != nil && ctx.Err() != nil { // stopped while the targets were checked: nothing written
		res.Stop = Stop{Reason: Cancelled, Detail: "before anything was written"}
		return res, nil
	}
	if err != nil {
		res.Stop = Stop{Reason: TargetRefused, Detail: err.Error()}
		return res, err
	}
	p.Refuse(check) // nothing changes when the caller applied the same check
	if err := p.SeenByRefusal(); err != nil {
		res.Stop = Stop{Reason: TargetRefused, Detail: err.Error()}
		return res, err
	}

	if o.StateDir != "" {
		if o.Journal == nil {
			j, err := OpenJournal(filepath.Join(o.StateDir, "redrive"), p.ID)
			if err != nil {
				return res, err
			}
			defer j.Close()
			o.Journal = j
		}
		if o.Audit == nil {
			a, err := OpenAudit(filepath.Join(o.StateDir, "audit.jsonl"))
			if err != nil {
				return res, err
			}
			defer a.Close()
			o.Audit = a
		}
	}
	if err := o.Journal.Plan(p.Source, p.opts.To); err != nil {
		res.Stop = Stop{Reason: TargetRefused, Detail: err.Error()}
		return res, err
	}
	switch w := conn.(type) {
	case sources.Redriver:
		return redriveWith(ctx, conn, w, p, o)
	case QueueConn:
		return adopting(ctx, conn, p, o, func(ctx context.Context) (Result, error) { return RedriveSQS(ctx, w, p, o.WholeQueue, o) })
	case KafkaWriter:
		return RedriveKafka(ctx, w, p, o)
	case sources.StreamRedriver:
		return adopting(ctx, conn, p, o, func(ctx context.Context) (Result, error) { return RedriveStreamed(ctx, w, p, o.WholeQueue, o) })
	}
	return res, fmt.Errorf("%s cannot be written to", conn.Name())
}

// finished reports a run's journal, and those of the runs it took over,
// are to be marked finished: the run ended complete, and, when it took
// runs over, it saw every message they may have left open (it took the
// whole queue and nothing was held by other consumers). Their journals
// are marked together or not at all: each counts what the other claimed.
// An SQS run whose DLQ still has messages in flight is not over: a run
// that was stopped may have sent those.
func finished(conn sources.Conn, s Stop, wholeQueue, tookOver bool) bool {
	if _, queue := conn.(sources.QueueRedriver); queue && s.Reason == HeldByOthers {
		return false
	}
	if tookOver && (!wholeQueue || s.Reason == HeldByOthers) {
		return false
	}
	return s.Complete()
}

// addresser is a connection that tells where it is connected (host, port,
// vhost), which tells runs on one broker from runs on another.
type addresser interface{ Address() string }

// adopting runs a RabbitMQ or SQS redrive with its journal: before it takes
// anything it takes over the unfinished runs of the same source
// (Journal.Adopt), told in the result and the audit log; when it ends
// complete it marks itself and them finished; the result's RunDuplicates
// are every possible duplicate the journals recorded.
func adopting(ctx context.Context, conn sources.Conn, p *Plan, o RunOptions, run func(context.Context) (Result, error)) (Result, error) {
	where := conn.Name()
	if a, ok := conn.(addresser); ok {
		where = a.Address()
	}
	took, err := o.Journal.Adopt(p.Source, where)
	if err != nil {
		return Result{PerTarget: map[string]int{}}, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	for _, t := range took {
		_ = o.Audit.Write(AuditRecord{Time: time.Now(), Action: "redrive-takeover", RedriveID: p.ID, Connection: conn.Name(),
			Source: p.Source, Position: t.ID, Result: t.String()})
	}
	res, err := run(ctx)
	res.TookOver = took
	if o.Journal != nil {
		if err == nil && finished(conn, res.Stop, o.WholeQueue, len(took) > 0) {
			if ferr := o.Journal.Finish(); ferr != nil {
				err = fmt.Errorf("redrive %s: %w", p.ID, ferr)
			}
		}
		res.RunDuplicates = o.Journal.Duplicates()
	}
	return res, err
}

// TargetCheck is what CheckTargets found out about the targets a plan's
// provenance names: those that cannot be written to, with why. It holds
// nothing of the plan, so it can be made on one goroutine and applied
// (Plan.Refuse) on another.
type TargetCheck struct {
	// Refused are the targets from provenance that cannot be written to.
	Refused []RefusedTarget
	// Notes are what the connection told of targets that can be written
	// to (sources.TargetFacter): one the run creates, one other groups
	// read.
	Notes []TargetNote
}

// TargetNote is what a connection told of one target of a plan.
type TargetNote struct {
	Target Target
	sources.TargetFacts
}

// RefusedTarget is a target that cannot be written to, and why.
type RefusedTarget struct {
	Target Target
	// Reason is for people: `target "bad name!" is not a legal Kafka topic name (…)`.
	Reason string
}

// CheckTargets checks the plan's source first (CheckSource: on NATS and
// Redis a source that holds no dead letters refuses the run, a
// *NotDeadLettersError), then every target the plan writes to (redriven messages,
// and --park-to whenever it is set) without writing anything: it exists,
// its name is legal, it is not the source. A target the user chose (To,
// ParkTo) that fails refuses the whole run: the error. A target that
// comes from a message's provenance and is refused is listed in the
// result instead, and Plan.Refuse leaves its messages unresolved, in
// place. An error that says nothing about a target (the broker did not
// answer) is returned as it is. The plan is only read.
func CheckTargets(ctx context.Context, conn sources.Conn, p *Plan) (TargetCheck, error) {
	var check TargetCheck
	if err := CheckSource(ctx, conn, p); err != nil {
		return check, err
	}
	if p.opts.ParkTo != "" && p.opts.ParkTo == p.Source {
		return check, fmt.Errorf("refusing to park messages of %s in %s itself: %w", p.Source, p.Source, sources.ErrBadTarget)
	}
	checker, ok := conn.(sources.TargetChecker)
	if !ok {
		return check, fmt.Errorf("%s cannot check the targets of a redrive", conn.Name())
	}
	ctx, cancel := context.WithTimeout(ctx, targetCheckTimeout)
	defer cancel()
	facter, _ := conn.(sources.TargetFacter)
	if p.opts.ParkTo != "" {
		if err := checker.CheckTarget(ctx, Target{Stream: p.opts.ParkTo}); err != nil {
			return check, fmt.Errorf("redrive %s: --park-to: %w", p.ID, err)
		}
		if facter != nil {
			t := Target{Stream: p.opts.ParkTo}
			f, err := facter.TargetFacts(ctx, p.Source, t)
			if err != nil {
				return check, fmt.Errorf("redrive %s: --park-to: %w", p.ID, err)
			}
			if f.Missing || len(f.SeenBy) > 0 {
				check.Notes = append(check.Notes, TargetNote{Target: t, TargetFacts: f})
			}
		}
	}
	checked, routed := map[Target]bool{}, map[Target]bool{}
	router, _ := conn.(Router)
	for _, it := range p.Items {
		if it.Action != Redrive {
			continue // parked messages go to ParkTo (checked above) or stay
		}
		if t := it.Target; router != nil && t.Exchange && t.Stream != "" && !routed[t] {
			routed[t] = true
			if err := checkRoute(ctx, router, p, t); err != nil {
				return check, err
			}
		}
		t := checkedTarget(it.Target)
		if checked[t] {
			continue
		}
		checked[t] = true
		chosen := p.opts.To != ""
		err := error(nil)
		if !t.Exchange && t.Stream == p.Source || t.Exchange && t.Stream == "" && t.RoutingKey == p.Source {
			err = fmt.Errorf("refusing to redrive %s into itself: %w", p.Source, sources.ErrBadTarget)
		} else {
			err = checker.CheckTarget(ctx, t)
		}
		if err == nil && facter != nil {
			var f sources.TargetFacts
			switch f, err = facter.TargetFacts(ctx, p.Source, t); {
			case err != nil:
			case f.Missing && !chosen: // XADD would create it: only a stream the user named is made
				err = fmt.Errorf("stream %q does not exist, and a redrive creates no stream it was not named (--to): %w", t.Stream, sources.ErrBadTarget)
			case f.Missing || len(f.SeenBy) > 0:
				check.Notes = append(check.Notes, TargetNote{Target: t, TargetFacts: f})
			}
		}
		switch {
		case err == nil:
		case chosen || !errors.Is(err, sources.ErrBadTarget):
			return check, fmt.Errorf("redrive %s: %w", p.ID, err)
		default:
			check.Refused = append(check.Refused, RefusedTarget{Target: t, Reason: refusal(err)})
		}
	}
	return check, nil
}

// Router is a connection that can tell where a message published to an
// exchange goes (sources/rabbitmq.Conn, through the management API).
type Router interface {
	// Routes returns the queues a message published to exchange with key
	// reaches; known is false when the connection cannot tell.
	Routes(ctx context.Context, exchange, key string) (queues []string, known bool, err error)
}

// checkRoute refuses an exchange target whose routing key routes into the
// plan's source queue: the redriven messages would land where they came
// from. A route that cannot be known is no refusal.
func checkRoute(ctx context.Context, r Router, p *Plan, t Target) error {
	queues, known, err := r.Routes(ctx, t.Stream, t.RoutingKey)
	if err != nil {
		return fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	if known && slices.Contains(queues, p.Source) {
		return fmt.Errorf("redrive %s: refusing to redrive: %s routes into %s itself: %w", p.ID, t, p.Source, sources.ErrBadTarget)
	}
	return nil
}

// checkedTarget is the target as it is checked: an exchange once,
// whatever the routing key.
func checkedTarget(t Target) Target {
	if t.Exchange && t.Stream != "" {
		t.RoutingKey = ""
	}
	return t
}

// refusal is a target check's error as a reason for people.
func refusal(err error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+sources.ErrBadTarget.Error())
	if strings.HasPrefix(msg, `"`) {
		return "target " + msg
	}
	return msg
}

// Refuse applies a target check: the messages the plan redrives to a
// refused target become Unresolved with the check's reason and are left
// in place; the rest of the plan is unchanged, and so are deliveries the
// plan decides later (a RabbitMQ run). Applying the same check again
// changes nothing. It returns how many messages it left unresolved.
func (p *Plan) Refuse(c TargetCheck) int {
	for _, n := range c.Notes {
		if !slices.ContainsFunc(p.notes, func(o TargetNote) bool { return o.Target == n.Target }) {
			p.notes = append(p.notes, n)
		}
	}
	for _, r := range c.Refused {
		if p.refused == nil {
			p.refused = map[Target]string{}
		}
		if _, ok := p.refused[r.Target]; !ok {
			p.refused[r.Target] = r.Reason
		}
	}
	n := 0
	for i := range p.Items {
		it := &p.Items[i]
		if it.Action != Redrive {
			continue
		}
		if reason, ok := p.refused[checkedTarget(it.Target)]; ok {
			it.Action, it.Reason = Unresolved, reason
			n++
		}
	}
	return n
}

// Notes are what the target check (Refuse) told of the plan's targets: a
// stream the run creates, a stream other consumer groups read.
func (p *Plan) Notes() []TargetNote { return slices.Clone(p.notes) }

// Creates are the targets the run creates with its first write.
func (p *Plan) Creates() []string {
	var out []string
	for _, n := range p.notes {
		if n.Missing {
			out = append(out, n.Target.String())
		}
	}
	return out
}

// SeenByRefusal is the plan's refusal to write copies where other consumer
// groups read them as new messages (a group's dead letters redriven onto
// their own stream, which other groups read too), naming the groups and
// the ways to go ahead; nil when there is none, or when
// Options.OtherGroupsSeeCopies lets the copies be seen.
func (p *Plan) SeenByRefusal() error {
	if p.opts.OtherGroupsSeeCopies {
		return nil
	}
	for _, n := range p.notes {
		if len(n.SeenBy) == 0 {
			continue
		}
		verb := "read"
		if len(n.SeenBy) == 1 {
			verb = "reads"
		}
		return fmt.Errorf("refusing to redrive %s onto %s: %s also %s %s and would take each copy for a new entry: "+
			"redrive to another stream (--to STREAM), or let them see the copies (--other-groups-see-copies): %w",
			p.Source, n.Target, GroupsText(n.SeenBy), verb, n.Target, sources.ErrBadTarget)
	}
	return nil
}

// GroupsText names consumer groups for people: `groups "a" and "b"`.
func GroupsText(gs []string) string {
	q := make([]string, len(gs))
	for i, g := range gs {
		q[i] = strconv.Quote(g)
	}
	if len(q) == 1 {
		return "group " + q[0]
	}
	return "groups " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// ResolveTarget is the target a write to name takes, on a connection
// whose targets can be named two ways (sources.TargetResolver: a NATS
// stream with one subject stands for that subject, as replay --to takes
// it); elsewhere name itself. The error names name.
func ResolveTarget(ctx context.Context, conn sources.Conn, name string) (string, error) {
	r, ok := conn.(sources.TargetResolver)
	if !ok || name == "" {
		return name, nil
	}
	s, err := r.ResolveTarget(ctx, name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", safetext.String(name), err)
	}
	return s, nil
}
