package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// redriveWith runs a plan on a connection that redrives itself
// (sources.Redriver): replay hands it the plan's redriven and parked
// items, in order, leaving out those an earlier run of the same id
// journalled as done; it journals each outcome the connector reports
// (synced before it is counted), writes the audit lines and the run's
// summary, tells the breaker, and says how the run ended. The breaker
// pausing the run holds the connector's next report until it is resumed
// (or stopped: then the run is cancelled).
func redriveWith(ctx context.Context, conn sources.Conn, r sources.Redriver, p *Plan, o RunOptions) (res Result, err error) {
	defer func() {
		_ = o.Audit.Write(summary("redrive", p.ID, conn.Name(), p.Source, targetsOf(p, res), res, err))
	}()
	start := time.Now()
	res.PerTarget = map[string]int{}
	if o.Journal.HeldElsewhere() { // two runs of one id would report each other's copies as their own
		err := &RunningElsewhereError{ID: p.ID, Source: p.Source}
		res.Stop = Stop{Reason: Failed, Detail: err.Error()}
		return res, err
	}
	// A resume says when the id's first attempt began: a connector whose
	// broker deduplicates for a while only finds what it wrote since.
	req := sources.RedriveRequest{ID: p.ID, Source: p.Source, Rate: o.Rate, Since: o.Journal.Began()}
	var items []Item // the plan's item of each request item
	for _, it := range p.Items {
		switch {
		case it.Action == Unresolved:
			res.Skipped++
			continue
		case it.Action == Park && p.opts.ParkTo == "":
			res.Parked++ // left in place
			continue
		case o.Journal != nil && o.Journal.HasFingerprint(redriverKey(it.Msg)):
			res.Duplicates++ // an earlier run of this id wrote it
			continue
		}
		req.Items = append(req.Items, redriveItem(it))
		items = append(items, it)
	}
	res.Total = len(p.Items)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		reported = make([]bool, len(items))
		failure  error // a journal or audit write that failed: the run stops
	)
	report := func(out sources.RedriveOutcome) {
		mu.Lock()
		defer mu.Unlock()
		if failure != nil || out.Item < 0 || out.Item >= len(items) || reported[out.Item] {
			return
		}
		reported[out.Item] = true
		if err := record(conn, p, o, items[out.Item], out, &res); err != nil {
			failure = err
			cancel()
			return
		}
		res.Elapsed = time.Since(start)
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
		if !o.Guard.Wait(runCtx) { // paused by the breaker: the connector waits with its next report
			res.Stop = o.Guard.stopOr(Cancelled, "")
			cancel()
		}
	}
	err = r.Redrive(runCtx, req, report)
	mu.Lock()
	defer mu.Unlock()
	res.Elapsed = time.Since(start)
	var doubt sources.RedriveDoubt
	if errors.As(err, &doubt) && failure == nil {
		if aerr := inDoubt(conn, p, o, items, reported, doubt, &res); aerr != nil {
			return res, aerr
		}
	}
	switch {
	case failure != nil:
		return res, failure
	case res.Stop.Early():
		return res, nil // the breaker stopped it
	case ctx.Err() != nil && doubt != nil:
		res.stopped(Cancelled, doubt.Error())
		return res, nil
	case ctx.Err() != nil:
		res.stopped(Cancelled, "")
		return res, nil
	case err != nil:
		return res, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	if left := countFalse(reported); left > 0 {
		return res, fmt.Errorf("redrive %s: %s returned with %d items it said nothing of (a resume with the same id writes them)", p.ID, conn.Name(), left)
	}
	if res.Stop.Complete() {
		if err := o.Journal.Finish(); err != nil {
			return res, fmt.Errorf("redrive %s: %w", p.ID, err)
		}
	}
	return res, nil
}

// inDoubt audits the items a connector sent without knowing whether they
// were written ("in doubt: ..."), neither journalled nor counted done: a
// run again with the same id settles them.
func inDoubt(conn sources.Conn, p *Plan, o RunOptions, items []Item, reported []bool, d sources.RedriveDoubt, res *Result) error {
	for _, i := range d.InDoubt() {
		if i < 0 || i >= len(items) || reported[i] {
			continue
		}
		reported[i] = true
		it := items[i]
		res.InDoubt++
		a := AuditRecord{Time: time.Now(), Action: "redrive", RedriveID: p.ID, Connection: conn.Name(), Source: p.Source, Position: Position(it.Msg),
			Target: it.Target.String(), MessageID: it.Msg.ID, Edited: it.Edit != nil, Result: "in doubt: " + d.Error()}
		if err := o.Audit.Write(a); err != nil {
			return fmt.Errorf("redrive %s: %w", p.ID, err)
		}
	}
	return nil
}

// record journals (synced) and audits one outcome, and counts it.
func record(conn sources.Conn, p *Plan, o RunOptions, it Item, out sources.RedriveOutcome, res *Result) error {
	now := time.Now()
	pos, target := Position(it.Msg), it.Target.String()
	a := AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: conn.Name(), Source: p.Source, Position: pos,
		Target: target, MessageID: it.Msg.ID, Edited: it.Edit != nil}
	switch out.Result {
	case sources.RedriveWritten, sources.RedriveAlreadyDone:
		if o.Journal != nil {
			if err := o.Journal.Add(JournalEntry{ID: p.ID, Source: p.Source, Position: pos, Target: target, Fingerprint: redriverKey(it.Msg), Time: now}); err != nil {
				return err
			}
		}
		a.Result = "sent"
		switch {
		case out.Result == sources.RedriveAlreadyDone && out.Found:
			a.Result = "already done: found written in the target"
			res.Duplicates++
			res.FoundWritten++
		case out.Result == sources.RedriveAlreadyDone:
			a.Result = "already done"
			res.Duplicates++
		case it.Action == Park:
			res.Parked++
		default:
			res.Done++
		}
		if out.Result == sources.RedriveWritten {
			res.PerTarget[target]++
			o.Guard.Sent(1)
		}
	case sources.RedriveSettledElsewhere:
		a.Result = "not sent: " + out.Settled.String()
		res.Skipped++
		res.SettledElsewhere = append(res.SettledElsewhere, SettledElsewhere{Position: pos, MessageID: it.Msg.ID, How: out.Settled})
	default:
		why := "failed"
		if out.Err != nil {
			why = out.Err.Error()
		}
		a.Result = "failed: " + why
		res.Failed++
		res.Failures = append(res.Failures, Failure{Position: pos, Err: why})
	}
	if err := o.Audit.Write(a); err != nil {
		return fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	return nil
}

// redriverKey is how the journal knows a dead letter a Redriver run wrote:
// its position and content, so alike dead letters are told apart. The
// position is the offset's (offsetPosition), so a journal keeps its keys
// whatever the position is shown as.
func redriverKey(m sources.Message) string {
	sum := sha256.Sum256([]byte(offsetPosition(m) + "\x00" + Fingerprint(m)))
	return hex.EncodeToString(sum[:16])
}

// countFalse counts the items not reported.
func countFalse(bs []bool) int {
	n := 0
	for _, b := range bs {
		if !b {
			n++
		}
	}
	return n
}

// WouldFail are the plan's items a run on conn would fail by themselves,
// before writing them (sources.RedriveItemChecker: their original gone, a
// header the broker cannot carry), with why: what a dry run tells so it
// exits as the run would. Nil on a connection that cannot tell.
func (p *Plan) WouldFail(conn sources.Conn) []Failure {
	checker, ok := conn.(sources.RedriveItemChecker)
	if !ok {
		return nil
	}
	var out []Failure
	for _, it := range p.Items {
		if it.Action == Unresolved || it.Action == Park && p.opts.ParkTo == "" {
			continue
		}
		ri := redriveItem(it)
		if err := checker.RedriveItemError(&ri); err != nil {
			out = append(out, Failure{Position: Position(it.Msg), Err: err.Error()})
		}
	}
	return out
}

// redriveItem is what a Redriver is given for a plan's item: the dead
// letter, where it goes, its headers, the edit's content, removed once
// written.
func redriveItem(it Item) sources.RedriveItem {
	ri := sources.RedriveItem{Message: it.Msg, Target: it.Target, Headers: it.Headers, Remove: true}
	if it.Edit != nil {
		ri.Key, ri.Value = it.Key(), it.Value()
	}
	return ri
}
