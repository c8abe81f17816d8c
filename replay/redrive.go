package replay

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/sqs"
)

// targetCheckTimeout bounds the look-ups that check a plan's targets.
const targetCheckTimeout = 15 * time.Second

// Execute runs a redrive plan on the connection its messages were read from:
// a Kafka DLT in transactions (RedriveKafka), a RabbitMQ queue with
// confirms (RedriveRabbit), an SQS queue (RedriveSQS). It checks the
// plan's targets first (nothing is written to a target that does not
// exist), and opens the journal and the audit log in o.StateDir when o
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
	if err := CheckTargets(ctx, conn, p); err != nil {
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
	switch w := conn.(type) {
	case *sqs.Conn:
		return RedriveSQS(ctx, w, p, o.WholeQueue, o)
	case KafkaWriter:
		return RedriveKafka(ctx, w, p, o)
	case RabbitConn:
		return RedriveRabbit(ctx, w, p, o.WholeQueue, o)
	}
	return res, fmt.Errorf("%s cannot be written to", conn.Name())
}

// CheckTargets makes sure every target the plan writes to (redriven
// messages, and parked ones when they are moved) exists and has a legal
// name, and that none is the source itself. Nothing is written.
func CheckTargets(ctx context.Context, conn sources.Conn, p *Plan) error {
	if p.opts.ParkTo != "" && p.opts.ParkTo == p.Source {
		return fmt.Errorf("refusing to park messages of %s in %s itself: %w", p.Source, p.Source, sources.ErrBadTarget)
	}
	checker, ok := conn.(sources.TargetChecker)
	if !ok {
		return fmt.Errorf("%s cannot check the targets of a redrive", conn.Name())
	}
	ctx, cancel := context.WithTimeout(ctx, targetCheckTimeout)
	defer cancel()
	checked := map[Target]bool{}
	for _, it := range p.Items {
		if it.Action != Redrive && !(it.Action == Park && p.opts.ParkTo != "") {
			continue
		}
		t := it.Target
		if t.Exchange && t.Stream != "" {
			t.RoutingKey = "" // an exchange is checked once, whatever the key
		}
		if checked[t] {
			continue
		}
		checked[t] = true
		if !t.Exchange && t.Stream == p.Source || t.Exchange && t.Stream == "" && t.RoutingKey == p.Source {
			return fmt.Errorf("refusing to redrive %s into itself: %w", p.Source, sources.ErrBadTarget)
		}
		if err := checker.CheckTarget(ctx, t); err != nil {
			return fmt.Errorf("redrive %s: %w", p.ID, err)
		}
	}
	return nil
}
