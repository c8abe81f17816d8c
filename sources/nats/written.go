package nats

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// ErrCopiesUnknown is wrapped by the error of a resumed redrive that
// could not learn which copies an earlier attempt of its id wrote, once
// JetStream no longer deduplicates them: nothing is written (writing them
// again could double them).
var ErrCopiesUnknown = errors.New("the copies an earlier attempt of this redrive id wrote cannot be known")

// sinceSlack is how much earlier than RedriveRequest.Since a resumed
// redrive reads a target for the copies an earlier attempt wrote: the
// clocks of mqscope and of the server may differ a little.
const sinceSlack = time.Minute

// assumedRate is the pace (writes a second) a redrive without --rate is
// reckoned at when it guesses whether it ends within a duplicate window:
// lower than a redrive goes, so the guess errs towards reading.
const assumedRate = 2000.0

// defaultDuplicates is the server's duplicate window of a stream whose
// configuration says none.
const defaultDuplicates = 2 * time.Minute

// stallsAllowed is how many times in a row a read of a target for copies
// may wait the connection's timeout for a message the consumer says is
// pending before the read is given up.
const stallsAllowed = 3

// writtenBefore finds the items of a resumed run (req.Since set) whose
// copies an earlier attempt of the id wrote where JetStream may no longer
// deduplicate them: for each target stream whose duplicate window has
// passed since req.Since (or would before the run ends), it reads the
// stream's headers from req.Since (less sinceSlack) to its last message
// now, and returns the items whose Nats-Msg-Id (RedriveMsgID) it holds,
// with the copy's position ("stream@seq"). A first run, and targets still
// within their window, are not read. A target that cannot be read whole
// (a work-queue or interest stream whose consumers take messages away,
// messages of the time removed by its limits or a purge, a read that
// fails) is an error wrapping ErrCopiesUnknown.
func (c *Conn) writtenBefore(ctx context.Context, req *sources.RedriveRequest, subjects []string) (map[int]string, error) {
	if req.Since.IsZero() {
		return nil, nil
	}
	byStream := map[string][]int{}
	streamOf := map[string]string{}
	for i := range req.Items {
		subj := subjects[i]
		if unsendable(&req.Items[i], subj) != nil {
			continue // it fails without being written
		}
		name, ok := streamOf[subj]
		if !ok {
			n, err := c.js.StreamNameBySubject(ctx, subj)
			if err != nil {
				return nil, fmt.Errorf("target subject %q: %w: %w", subj, ErrCopiesUnknown, err)
			}
			name, streamOf[subj] = n, n
		}
		byStream[name] = append(byStream[name], i)
	}
	rate := req.Rate
	if rate <= 0 {
		rate = assumedRate
	}
	run := time.Duration(float64(len(req.Items)) / rate * float64(time.Second))
	found := map[int]string{}
	for _, name := range slices.Sorted(maps.Keys(byStream)) {
		items := byStream[name]
		s, err := c.stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("target stream %s: %w: %w", name, ErrCopiesUnknown, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("target stream %s: %w: %w", name, ErrCopiesUnknown, err)
		}
		window := info.Config.Duplicates
		if window <= 0 {
			window = defaultDuplicates
		}
		if time.Since(req.Since)+run+c.timeout < window {
			continue // JetStream deduplicates every copy written since
		}
		ids := make(map[string]int, len(items))
		filters := map[string]bool{}
		for _, i := range items {
			ids[RedriveMsgID(req.Source, AdvisoryID(&req.Items[i].Message))] = i
			filters[subjects[i]] = true
		}
		var filter []string
		if len(filters) == 1 { // several filters need a 2.10 server; unfiltered reads the same ids
			filter = slices.Collect(maps.Keys(filters))
		}
		if err := c.readCopies(ctx, name, info, filter, req.Since.Add(-sinceSlack), ids, found); err != nil {
			return nil, fmt.Errorf("target stream %s (its duplicate window of %s has passed since the redrive began at %s): %w: %w",
				name, window, req.Since.Format(time.RFC3339), ErrCopiesUnknown, err)
		}
	}
	return found, nil
}

// readCopies reads stream (its info as the run found it) from from to its
// last message then, headers only, through an ephemeral ordered consumer
// (on filter's subject when one is given), and puts each item whose id
// (ids: Nats-Msg-Id to item) it holds in found with the copy's position.
func (c *Conn) readCopies(ctx context.Context, stream string, info *jetstream.StreamInfo, filter []string, from time.Time, ids map[string]int, found map[int]string) error {
	st := info.State
	if consumes(info.Config) {
		return fmt.Errorf("it is a %s stream: its consumers remove the messages they take, so a copy written then may be gone (a redrive of another id writes them all again)", retentionName(info.Config.Retention))
	}
	switch {
	case st.Msgs == 0 && st.LastSeq > 0 && st.LastTime.After(from):
		return fmt.Errorf("it holds no message, and held some since %s (a copy written then may be gone; a redrive of another id writes them all again)", from.Format(time.RFC3339))
	case st.Msgs == 0 || !st.LastTime.After(from):
		return nil // nothing stored since
	case st.FirstSeq > 1 && st.FirstTime.After(from):
		return fmt.Errorf("its first message is of %s: the messages before it, some stored since %s, are gone (a copy written then may be gone; a redrive of another id writes them all again)",
			st.FirstTime.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	end := st.LastSeq
	start := from
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start, HeadersOnly: true,
		FilterSubjects: filter, InactiveThreshold: readInactive, MaxResetAttempts: 0,
		NamePrefix: fmt.Sprintf("%s%08x", sources.ReadConsumerPrefix, rand.Uint32())}
	cons, err := c.js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(readBatch))
	if err != nil {
		return err
	}
	defer func() {
		it.Stop()
		if ci := cons.CachedInfo(); ci != nil {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
			_ = c.js.DeleteConsumer(dctx, stream, ci.Name) // else the server drops it after readInactive
			cancel()
		}
	}()
	stalls := 0
	for {
		nctx, cancel := context.WithTimeout(ctx, c.timeout)
		m, err := it.Next(jetstream.NextContext(nctx))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, natsgo.ErrTimeout) {
				return err
			}
			ci, ierr := cons.Info(ctx)
			if ierr != nil {
				return ierr
			}
			if ci.NumPending == 0 {
				return nil // nothing more on the subject
			}
			if stalls++; stalls >= stallsAllowed {
				return fmt.Errorf("the read stalled with %d message(s) left: %w", ci.NumPending, err)
			}
			continue
		}
		stalls = 0
		meta, err := m.Metadata()
		if err != nil {
			return err
		}
		seq := meta.Sequence.Stream
		if seq > end {
			return nil
		}
		if i, ok := ids[m.Headers().Get(natsgo.MsgIdHdr)]; ok {
			found[i] = stream + "@" + strconv.FormatUint(seq, 10)
		}
		if seq >= end || meta.NumPending == 0 {
			return nil
		}
	}
}

// retentionName says a stream's retention for people.
func retentionName(r jetstream.RetentionPolicy) string {
	switch r {
	case jetstream.WorkQueuePolicy:
		return "work-queue"
	case jetstream.InterestPolicy:
		return "interest"
	}
	return "limits"
}
