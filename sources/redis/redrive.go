package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
)

// redriveScript moves dead letters, each in one atomic step with the check
// that it is still to be moved:
//
//   - pending (ARGV[1] "pending"): an entry deleted from the stream is
//     left ("g"); else XACK from group ARGV[2], and an entry no longer
//     pending (XACK answers 0) is left ("a": acknowledged meanwhile); else
//     the copy is XADDed to the target. The entry stays in its stream:
//     other groups may not have read it yet, and taking it out of the
//     group's pending list is all a redrive of the group's dead letter
//     asks;
//   - a stream that gives its entries up (ARGV[3] "1"): XDEL; an entry no
//     longer there is left ("g"); else the copy is XADDed;
//   - a stream that keeps them: an entry gone from it is left ("g"), one
//     already in the marker set is left ("d"); else it is XADDed.
//
// Every copy written adds its id to the run's marker set KEYS[3]
// (MarkerKey), so an entry left that the set (or KEYS[4], the set of the
// older name, legacyMarkerKey, read only; KEYS[3] again when there is
// none) holds is answered "d": this run,
// or an earlier one of the same id, moved it; "a" and "g" say someone
// else settled it, and nothing is written. A script runs whole, no other
// client sees it half done, and a client that dies after sending it does
// not stop it; so a run stopped anywhere and run again writes no copy
// twice and loses none. The check's write comes first (the reads before
// it write nothing): it marks the script as writing, after which Redis
// refuses none of its writes for memory (a legacy script is refused only
// at its first write), so the XADD that follows cannot fail where the
// check succeeded: the target's type is checked before anything, and an
// item without fields is refused before its first write. A copy of any
// number of fields is one XADD: the first 7,000 values come from one
// unpack (Lua's limit is some 8,000), the rest are gathered 200 at a time
// in tail calls.
//
// Items follow ARGV[3] as: id, n, then n field/value pairs (the entry's
// pairs, then the provenance). The answer is one string an item: "w<new
// id>", "d" (already done), "a" (acknowledged elsewhere), "g" (deleted
// elsewhere), "e" (no fields).
const redriveScript = `
local src, dst, mark, old = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local mode, group, remove = ARGV[1], ARGV[2], ARGV[3] == '1'
local t = redis.call('TYPE', dst)
t = t['ok'] or t
if t ~= 'stream' and t ~= 'none' then
  return redis.error_reply('WRONGTYPE the target ' .. dst .. ' is a ' .. t .. ', not a stream')
end
local function marked(id)
  return redis.call('SISMEMBER', mark, id) == 1 or (old ~= mark and redis.call('SISMEMBER', old, id) == 1)
end
local function present(id)
  return #redis.call('XRANGE', src, id, id, 'COUNT', 1) == 1
end
-- xadd writes the copy whose fields are ARGV[first..j] followed by the
-- values already gathered (...): unpack takes some 8,000 values at most,
-- so the rest are gathered a step at a time in tail calls.
local function xadd(first, j, ...)
  if j < first then return redis.call('XADD', dst, '*', ...) end
  if j - first + 1 >= STEP then return xadd(first, j - STEP, GATHER, ...) end
  return xadd(first, j - 1, ARGV[j], ...)
end
local out = {}
local wrote = false
local i, last = 4, #ARGV
while i <= last do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  local first = i + 2
  i = first + 2 * n
  local left
  if n < 1 then
    left = 'e'
  elseif mode == 'pending' then
    if not present(id) then
      left = 'g'
    elseif redis.call('XACK', src, group, id) == 0 then
      left = 'a'
    end
  elseif remove then
    if redis.call('XDEL', src, id) == 0 then left = 'g' end
  elseif marked(id) then
    left = 'd'
  elseif not present(id) then
    left = 'g'
  end
  if left == nil then
    local m = math.min(2 * n, UNPACK)
    local nid = xadd(first, i - 1 - m, unpack(ARGV, i - m, i - 1))
    redis.call('SADD', mark, id)
    wrote = true
    out[#out + 1] = 'w' .. nid
  elseif left ~= 'e' and left ~= 'd' and marked(id) then
    out[#out + 1] = 'd'
  else
    out[#out + 1] = left
  end
end
if wrote then redis.call('EXPIRE', mark, 604800) end
return out
`

var script = goredis.NewScript(scriptText())

const (
	// unpackValues is how many values the script takes with one unpack
	// (Lua's limit is some 8,000).
	unpackValues = 7000
	// gatherStep is how many values the script gathers a tail call past
	// the first unpackValues.
	gatherStep = 200
)

// scriptText is redriveScript with its limits filled in: UNPACK, STEP and
// GATHER (the gatherStep values ARGV[j - STEP + 1], ..., ARGV[j]).
func scriptText() string {
	args := make([]string, gatherStep)
	for k := range args {
		args[k] = fmt.Sprintf("ARGV[j - %d]", gatherStep-1-k)
	}
	return strings.NewReplacer("UNPACK", fmt.Sprint(unpackValues), "STEP", fmt.Sprint(gatherStep),
		"GATHER", strings.Join(args, ", ")).Replace(redriveScript)
}

const (
	// chunkItems is how many items one script call moves at most.
	chunkItems = 200
	// chunkBytes bounds one script call's arguments.
	chunkBytes = 1 << 20
	// chunksInFlight is how many script calls a run leaves unanswered at most.
	chunksInFlight = 8
	// MarkerTTL is how long a redrive's marker set is kept (see MarkerKey).
	MarkerTTL = 7 * 24 * time.Hour
)

// MarkerKey is the set in which a redrive of stream (the stream key
// itself, for a group's pending entries too) records the ids it copied:
// "<stream>#mqscope-redrive:<redrive id>", next to its stream in a SCAN
// and apart from every other stream's. A run started again finds there
// what it moved already, and tells it from an entry someone else
// acknowledged or deleted meanwhile; it expires MarkerTTL after the run's
// last write.
func MarkerKey(redriveID, stream string) string {
	return stream + MarkerInfix + redriveID
}

// MarkerInfix joins a stream and a redrive id in MarkerKey.
const MarkerInfix = "#mqscope-redrive:"

// legacyMarkerKey is the name earlier versions gave the marker set of a
// redrive of source (a stream that kept its dead letters): it is read, so
// a run of theirs resumed now writes nothing twice, and never written.
func legacyMarkerKey(redriveID, source string) string {
	return "mqscope:redrive:" + redriveID + ":" + source
}

// ErrEntryGone is returned (wrapped) for a pending entry whose content was
// deleted from the stream: there is nothing to copy.
var ErrEntryGone = errors.New("the entry is pending but deleted from the stream")

// Redrive moves req's items to their targets. For a group's dead-letter
// view (PendingName), each entry still pending is copied (XADD, the
// item's headers appended as fields) and acknowledged (XACK) in one
// script; for a stream, each entry still there is copied and deleted
// (Remove) or kept, in one script; either way its id is marked
// (MarkerKey). An entry the run, or an earlier one of its id, moved
// already is RedriveAlreadyDone; one acknowledged in the group or deleted
// from the stream by someone else is RedriveSettledElsewhere.
// Items go up to 200 a script call, each item atomic with its check;
// the calls stream over a connection of the run's own, at most 8
// unanswered. A run stopped anywhere (ctx, a dropped connection, the
// process killed) and started again with the items not reported done
// writes none twice and loses none. A request that removes (item.Remove)
// from a stream that is no dead-letter source (CheckSource) is refused
// whole, before anything is written.
func (c *Conn) Redrive(ctx context.Context, req sources.RedriveRequest, report func(sources.RedriveOutcome)) error {
	src, err := c.resolve(ctx, req.Source)
	if err != nil {
		return fmt.Errorf("redrive from %q: %w", req.Source, err)
	}
	if src.group == "" && removesFrom(&req) {
		if err := c.CheckSource(ctx, req.Source); err != nil {
			return fmt.Errorf("redrive %s: nothing written: %w", req.ID, err)
		}
	}
	if err := script.Load(ctx, c.client).Err(); err != nil {
		return fmt.Errorf("redis %s: load the redrive script: %w", c.addr, c.cause(err))
	}
	// A capped rate sends a call at a time, a tenth of a second's worth.
	perItem, per, inFlight := time.Duration(0), chunkItems, chunksInFlight
	if req.Rate > 0 {
		perItem = time.Duration(float64(time.Second) / req.Rate)
		per, inFlight = max(1, min(chunkItems, int(req.Rate/10))), 1
	}
	chunks := c.chunks(req, src, per, c.legacyMarker(ctx, req, src), report)
	for len(chunks) > 0 {
		done, err := c.stream(ctx, req, chunks, inFlight, perItem, report)
		chunks = chunks[done:]
		if errors.Is(err, errNoScript) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := script.Load(ctx, c.client).Err(); err != nil {
				return fmt.Errorf("redis %s: load the redrive script: %w", c.addr, c.cause(err))
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// legacyMarker is the marker set of the older name an earlier version
// left for this run (legacyMarkerKey), or "" when there is none, or the
// ACL user may not see it (the older name is outside the stream's keys):
// only a stream that kept its dead letters had one.
func (c *Conn) legacyMarker(ctx context.Context, req sources.RedriveRequest, src target) string {
	if src.group != "" {
		return ""
	}
	k := legacyMarkerKey(req.ID, req.Source)
	if n, err := c.client.Exists(ctx, k).Result(); err != nil || n == 0 {
		return ""
	}
	return k
}

// chunk is one script call: items with one target and one Remove.
type chunk struct {
	keys  [4]string
	head  [3]string // mode, group, remove
	items []int     // indexes in the request
	pairs [][]Field // each item's entry pairs (EntryPairs)
	nargs int       // the EVALSHA command's arguments
	size  int       // the bytes of its fields
}

// chunks cuts req into script calls of at most per items; items that
// cannot go (no id, an edit that is no entry, the source as target) are
// reported failed here. The calls are encoded as they are sent (wire.call).
func (c *Conn) chunks(req sources.RedriveRequest, src target, per int, legacy string, report func(sources.RedriveOutcome)) []chunk {
	mode := "stream"
	if src.group != "" {
		mode = "pending"
	}
	var out []chunk
	var cur *chunk
	for i := range req.Items {
		it := &req.Items[i]
		fail := func(err error) { report(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: err}) }
		id, err := ParseID(it.Message.ID)
		if err != nil {
			fail(fmt.Errorf("redrive %s: %w", it.Message.At(), err))
			continue
		}
		if it.Target.Exchange || it.Target.Stream == "" || it.Target.Stream == req.Source || src.group == "" && it.Target.Stream == src.stream {
			fail(fmt.Errorf("redrive %s to %q: the source itself or no stream: %w", id, it.Target.String(), sources.ErrBadTarget))
			continue
		}
		pairs, n, err := copyPairs(it)
		if err != nil {
			fail(fmt.Errorf("redrive %s %s: %w", req.Source, id, err))
			continue
		}
		r := "0"
		if it.Remove {
			r = "1"
		}
		if cur == nil || cur.keys[1] != it.Target.Stream || cur.head[2] != r || len(cur.items) >= per || cur.size+n > chunkBytes {
			mark, old := MarkerKey(req.ID, src.stream), MarkerKey(req.ID, src.stream)
			if legacy != "" && mode == "stream" && !it.Remove {
				old = legacy
			}
			out = append(out, chunk{keys: [4]string{src.stream, it.Target.Stream, mark, old},
				head: [3]string{mode, src.group, r}, nargs: 10,
				items: make([]int, 0, per), pairs: make([][]Field, 0, per)})
			cur = &out[len(out)-1]
		}
		cur.items = append(cur.items, i)
		cur.pairs = append(cur.pairs, pairs)
		cur.nargs += 2 + 2*len(pairs)
		cur.size += n
	}
	return out
}

// copyPairs are the entry's pairs a copy of the item has (EntryPairs) and
// the size of the copy.
func copyPairs(it *sources.RedriveItem) ([]Field, int, error) {
	m := &it.Message
	switch {
	case m.Flaw != nil && m.Value == nil && it.Value == nil:
		return nil, 0, fmt.Errorf("%w: acknowledge it by hand (XACK) if it is not wanted", ErrEntryGone)
	case m.Truncated() && it.Value == nil:
		return nil, 0, fmt.Errorf("the value was read truncated (%d of %d bytes): read it whole to redrive it", len(m.Value), m.ValueSize)
	}
	pairs, err := EntryPairs(m, it.Value)
	if err != nil {
		return nil, 0, err
	}
	pairs = withPlanHeaders(pairs, m.Headers, it.Headers)
	size := 0
	for _, p := range pairs {
		size += len(p.Name) + len(p.Value)
	}
	return pairs, size, nil
}

// withPlanHeaders makes an entry's pairs the copy the plan asks for: the
// plan's headers are the message's own it keeps (an entry's fields are its
// headers) and the provenance; a field among the message's headers the plan
// left out (--drop-header) is left out, a header the message did not have is
// added at the end.
func withPlanHeaders(pairs []Field, had, want []sources.Header) []Field {
	key := func(name string, value []byte) string { return name + "\x00" + string(value) }
	wanted := map[string]int{}
	for _, h := range want {
		wanted[key(h.Key, h.Value)]++
	}
	dropped := map[string]int{}
	for _, h := range had {
		k := key(h.Key, h.Value)
		if wanted[k] > 0 {
			wanted[k]--
			continue
		}
		dropped[k]++
	}
	out := make([]Field, 0, len(pairs)+len(want))
	for _, p := range pairs {
		if k := key(p.Name, p.Value); dropped[k] > 0 {
			dropped[k]--
			continue
		}
		out = append(out, p)
	}
	kept := map[string]int{}
	for _, h := range had {
		kept[key(h.Key, h.Value)]++
	}
	for _, h := range want {
		if k := key(h.Key, h.Value); kept[k] > 0 {
			kept[k]--
			continue
		}
		out = append(out, Field{Name: h.Key, Value: h.Value})
	}
	return out
}

// call writes a chunk's EVALSHA: the script, its keys and header, then
// each item's id, pair count, pairs and provenance headers.
func (w *wire) call(ch *chunk, req *sources.RedriveRequest) {
	w.header('*', ch.nargs)
	w.str("EVALSHA")
	w.str(script.Hash())
	w.str("4")
	for _, k := range ch.keys {
		w.str(k)
	}
	for _, h := range ch.head {
		w.str(h)
	}
	for j, i := range ch.items {
		it := &req.Items[i]
		w.str(it.Message.ID)
		w.int(len(ch.pairs[j]))
		for _, p := range ch.pairs[j] {
			w.str(p.Name)
			w.bytes(p.Value)
		}
	}
}

// errNoScript says the server lost the script (SCRIPT FLUSH, a restart):
// it is loaded again and the run goes on from the call that found it gone.
var errNoScript = errors.New("the redrive script is not loaded")

// stream sends chunks over one connection of its own, at most inFlight
// calls unanswered, the next written while the server runs the ones
// before, and reports each call's items as its answer comes, in order. It
// returns how many chunks it settled. A capped rate (perItem > 0) paces
// the writes.
//
// ctx done stops the writes between two calls, never within one: every
// call sent has its answer read (within stopGrace of the stop) and its
// items reported, so what a stopped run reports is what the server wrote.
// A call whose answer cannot be read (the connection lost) may or may not
// have run: its items, and those of the calls sent after it, end the run
// in an *InDoubtError, unreported.
func (c *Conn) stream(ctx context.Context, req sources.RedriveRequest, chunks []chunk, inFlight int, perItem time.Duration, report func(sources.RedriveOutcome)) (int, error) {
	w, err := c.dialWire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("redis %s: redrive from %q: %w", c.addr, req.Source, c.cause(err))
	}
	grace := c.stopGrace()
	var stopAt atomic.Int64 // when ctx was done (unix nanoseconds), 0 before
	stop := context.AfterFunc(ctx, func() {
		at := time.Now().Add(grace)
		stopAt.Store(at.UnixNano())
		_ = w.nc.SetReadDeadline(at)
	})
	slots := make(chan struct{}, inFlight)
	sent := make(chan int, len(chunks)) // each call, before it is written
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(sent)
		due := time.Now()
		for k := range chunks {
			select {
			case slots <- struct{}{}:
			case <-quit:
				return
			case <-ctx.Done():
				return
			}
			if perItem > 0 {
				if wait := time.Until(due); wait > 0 {
					select {
					case <-time.After(wait):
					case <-quit:
						return
					case <-ctx.Done():
						return
					}
				}
				due = due.Add(perItem * time.Duration(len(chunks[k].items)))
			}
			if ctx.Err() != nil {
				return
			}
			sent <- k
			w.call(&chunks[k], &req)
			if w.bw.Flush() != nil {
				return // the reader sees the connection fail
			}
		}
	}()
	closed := false
	shut := func() {
		if !closed {
			closed = true
			stop()
			close(quit)
			_ = w.close()
			wg.Wait()
		}
	}
	defer shut()
	// doubt ends the run at chunk k, whose answer was lost: k and every
	// call written after it may have run.
	doubt := func(k int, cause error) (int, error) {
		shut()
		last := k
		for j := range sent {
			last = max(last, j)
		}
		d := &InDoubtError{Err: cause}
		for _, ch := range chunks[k : last+1] {
			d.Items = append(d.Items, ch.items...)
		}
		return k, d
	}
	for k, ch := range chunks {
		if _, ok := <-sent; !ok {
			// Not written: the run was stopped, or a write failed (the
			// call before it then failed to answer, and was in doubt).
			if ctx.Err() != nil {
				return k, ctx.Err()
			}
			return k, fmt.Errorf("redis %s: redrive from %q: the connection failed", c.addr, req.Source)
		}
		deadline := time.Now().Add(4 * c.timeout)
		if at := stopAt.Load(); at != 0 && time.Unix(0, at).Before(deadline) {
			deadline = time.Unix(0, at)
		}
		_ = w.nc.SetReadDeadline(deadline)
		res, err := w.readStrings()
		var er errReply
		switch {
		case errors.As(err, &er) && strings.HasPrefix(string(er), "NOSCRIPT"):
			// Refused whole, and so every call after it until the
			// script is loaded again: they are sent again.
			return k, errNoScript
		case errors.As(err, &er):
			<-slots
			for _, i := range ch.items {
				report(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: fmt.Errorf("redis %s: redrive to %q: %w", c.addr, ch.keys[1], err)})
			}
			continue
		case err != nil && ctx.Err() != nil:
			return doubt(k, fmt.Errorf("redis %s: no answer within %s of the stop: %w", c.addr, grace, ctx.Err()))
		case err != nil:
			return doubt(k, fmt.Errorf("redis %s: redrive from %q: %w", c.addr, req.Source, c.cause(err)))
		case len(res) != len(ch.items):
			return doubt(k, fmt.Errorf("redis %s: the redrive script answered %d items of %d", c.addr, len(res), len(ch.items)))
		}
		<-slots
		for j, i := range ch.items {
			o := sources.RedriveOutcome{Item: i}
			switch r := res[j]; {
			case strings.HasPrefix(r, "w"):
				o.Result, o.Position = sources.RedriveWritten, ch.keys[1]+"@"+r[1:]
			case r == "d":
				o.Result = sources.RedriveAlreadyDone
			case r == "a":
				o.Result, o.Settled = sources.RedriveSettledElsewhere, sources.SettledAcknowledged
			case r == "g":
				o.Result, o.Settled = sources.RedriveSettledElsewhere, sources.SettledDeleted
			default:
				o.Result = sources.RedriveFailed
				o.Err = fmt.Errorf("redis %s: the redrive script answered %q for %s", c.addr, r, req.Items[i].Message.ID)
			}
			report(o)
		}
	}
	return len(chunks), nil
}

// removesFrom reports whether a request takes items out of its source.
func removesFrom(req *sources.RedriveRequest) bool {
	for i := range req.Items {
		if req.Items[i].Remove {
			return true
		}
	}
	return false
}

// stopGrace is how long a stopped run waits for the answers of the calls
// it sent.
func (c *Conn) stopGrace() time.Duration { return 4 * c.timeout }

// InDoubtError ends a redrive run whose script calls were sent and their
// answers lost (the connection failed, the server did not answer in time):
// the server may have run them whole or not at all. Their items are not
// reported; a run again with the same id writes each at most once (the
// marker set answers for those written) and moves the rest.
type InDoubtError struct {
	// Items are the indexes of the items in doubt.
	Items []int
	// Err is why the answers were lost.
	Err error
}

// Error says how many items are in doubt and what to do.
func (e *InDoubtError) Error() string {
	return fmt.Sprintf("%d item(s) sent without an answer, in doubt: run again with the same id to settle them without doubles: %v", len(e.Items), e.Err)
}

// Unwrap is the cause.
func (e *InDoubtError) Unwrap() error { return e.Err }

// InDoubt are the items in doubt (sources.RedriveDoubt).
func (e *InDoubtError) InDoubt() []int { return e.Items }

var _ sources.RedriveDoubt = (*InDoubtError)(nil)

// RedriveItemError is the error Redrive would fail item with before
// writing it (sources.RedriveItemChecker: no entry id, no stream to go
// to, its entry gone, a value read truncated, too many fields), for a
// dry run to tell.
func (c *Conn) RedriveItemError(item *sources.RedriveItem) error {
	id, err := ParseID(item.Message.ID)
	if err != nil {
		return fmt.Errorf("redrive %s: %w", item.Message.At(), err)
	}
	if item.Target.Exchange || item.Target.Stream == "" {
		return fmt.Errorf("redrive %s to %q: no stream: %w", id, item.Target.String(), sources.ErrBadTarget)
	}
	if _, _, err := copyPairs(item); err != nil {
		return fmt.Errorf("redrive %s %s: %w", item.Message.Stream, id, err)
	}
	return nil
}
