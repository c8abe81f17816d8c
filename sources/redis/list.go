package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

const (
	// scanCount is the COUNT of one SCAN call: how many keys the server
	// visits for it, so no call holds the server long.
	scanCount = 1000
	// MaxStreams bounds a listing: it stops after this many streams (a
	// match pattern narrows it).
	MaxStreams = 10000
	// pendingScan bounds how many pending entries of one group a listing
	// looks at to count its dead letters.
	pendingScan = 10000
	// infoBatch is how many streams' XINFO are pipelined together.
	infoBatch = 100
)

// PendingMarker joins a stream and a group in the name of the group's
// dead-letter view: "orders#pending:billing" is what group billing of
// stream orders holds pending past the limits.
const PendingMarker = "#pending:"

// PendingName is the name of the dead-letter view of a group's pending
// entries.
func PendingName(stream, group string) string { return stream + PendingMarker + group }

// pendingSplits are the (stream, group) pairs a view name can stand for
// (both names may hold the marker themselves).
func pendingSplits(name string) [][2]string {
	var out [][2]string
	for i := 0; ; {
		j := strings.Index(name[i:], PendingMarker)
		if j < 0 {
			return out
		}
		at := i + j
		if at > 0 && at+len(PendingMarker) < len(name) {
			out = append(out, [2]string{name[:at], name[at+len(PendingMarker):]})
		}
		i = at + 1
	}
}

// dlqSuffixes end the names of dead-letter streams.
var dlqSuffixes = [...]string{".dlq", "-dlq", "_dlq", ":dlq", ".dlt", "-dlt", "_dlt", ":dlt", ":dead", ":deadletter", ":dead-letter", ":dead_letter"}

// DeadLetterName reports whether a stream's name marks it as a dead-letter
// queue (orders.dlq, orders-dlq, orders:dlq, orders.DLT...) and the origin
// the name suggests ("" when it names none). Redis keys are namespaced with
// ':', so the other conventions dlq.IsDeadLetterName knows (a name holding
// dead-letter, Spring's error.<dest>.<group>) are looked for in the last
// segment only: "app:orders:dead-letter-queue" is one, "dead-letters:app:orders" is not.
func DeadLetterName(name string) (bool, string) {
	lower := strings.ToLower(name)
	for _, s := range dlqSuffixes {
		if strings.HasSuffix(lower, s) && len(name) > len(s) {
			return true, name[:len(name)-len(s)]
		}
	}
	ns, last := "", name
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		ns, last = name[:i+1], name[i+1:]
	}
	ok, origin := dlq.IsDeadLetterName(last)
	if ok && origin != "" {
		origin = ns + origin
	}
	return ok, origin
}

// streamKeys lists the stream keys matching the connection's pattern with
// SCAN ... TYPE stream, COUNT scanCount a call, at most MaxStreams, sorted.
// It stops when ctx is done.
func (c *Conn) streamKeys(ctx context.Context) ([]string, bool, error) {
	seen := map[string]bool{} // SCAN may return a key twice
	var keys []string
	var cursor uint64
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		page, next, err := c.client.ScanType(ctx, cursor, c.match, scanCount, "stream").Result()
		if err != nil {
			return nil, false, fmt.Errorf("redis %s: scan streams: %w", c.addr, c.cause(err))
		}
		for _, k := range page {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		if len(keys) >= MaxStreams {
			slices.Sort(keys)
			return keys[:MaxStreams], true, nil
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(keys)
	return keys, false, nil
}

// streamFacts is what XINFO says of one stream.
type streamFacts struct {
	key    string
	info   *goredis.XInfoStream
	groups []goredis.XInfoGroup
}

// facts runs XINFO STREAM and XINFO GROUPS for keys, pipelined in batches.
// A key gone since the scan is left out.
func (c *Conn) facts(ctx context.Context, keys []string) ([]streamFacts, error) {
	out := make([]streamFacts, 0, len(keys))
	for len(keys) > 0 {
		batch := keys[:min(len(keys), infoBatch)]
		keys = keys[len(batch):]
		pipe := c.client.Pipeline()
		infos := make([]*goredis.XInfoStreamCmd, len(batch))
		groups := make([]*goredis.XInfoGroupsCmd, len(batch))
		for i, k := range batch {
			infos[i] = pipe.XInfoStream(ctx, k)
			groups[i] = pipe.XInfoGroups(ctx, k)
		}
		_, _ = pipe.Exec(ctx)
		for i, k := range batch {
			info, err := infos[i].Result()
			if err != nil {
				if isNoSuchKey(err) {
					continue
				}
				return nil, fmt.Errorf("redis %s: xinfo stream %q: %w", c.addr, k, c.cause(err))
			}
			gs, err := groups[i].Result()
			if err != nil && !isNoSuchKey(err) {
				return nil, fmt.Errorf("redis %s: xinfo groups %q: %w", c.addr, k, c.cause(err))
			}
			out = append(out, streamFacts{key: k, info: info, groups: gs})
		}
	}
	return out, nil
}

// isNoSuchKey reports the error XINFO gives for a key that is gone.
func isNoSuchKey(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "no such key") || errors.Is(err, goredis.Nil))
}

// ListStreams lists the streams (keys of type stream matching the
// connection's pattern) and, for each group holding pending entries, its
// dead-letter view (PendingName): the entries delivered more than the
// limit or idle past it, counted among the group's first 10,000 pending.
func (c *Conn) ListStreams(ctx context.Context) ([]sources.StreamInfo, error) {
	keys, capped, err := c.streamKeys(ctx)
	if err != nil {
		return nil, err
	}
	all, err := c.facts(ctx, keys)
	if err != nil {
		return nil, err
	}
	dead, err := c.countDead(ctx, all)
	if err != nil {
		return nil, err
	}
	var out []sources.StreamInfo
	for _, f := range all {
		out = append(out, c.streamInfo(f, capped))
		for _, g := range f.groups {
			if g.Pending == 0 {
				continue
			}
			out = append(out, c.pendingInfo(f, g, dead[PendingName(f.key, g.Name)]))
		}
	}
	telledApart(out)
	return out, nil
}

// telledApart renames the rows of a listing that share a name: a stream
// key named like a group's dead-letter view ("S#pending:G") and that view
// are listed by the names that address each alone (KeyName, ViewName),
// each saying why.
func telledApart(out []sources.StreamInfo) {
	seen := map[string]int{}
	for i := range out {
		seen[out[i].Name]++
	}
	for i := range out {
		si := &out[i]
		if seen[si.Name] < 2 {
			continue
		}
		plain := si.Name
		if si.Kind == KindPending {
			si.Name = plain + ViewForm
		} else {
			si.Name = plain + KeyForm
		}
		si.Info = append(si.Info, sources.Property{Name: "name", Value: fmt.Sprintf("%q is both a stream key and a group's dead letters: %q is the key, %q the dead letters", plain, plain+KeyForm, plain+ViewForm)})
	}
}

// deadCount is how many of a group's pending entries are dead letters.
type deadCount struct {
	n       int64
	scanned int64
	low     ID
	high    ID
}

// countDead counts the dead letters of every group with pending entries,
// one XPENDING (the first pendingScan entries) a group, pipelined.
func (c *Conn) countDead(ctx context.Context, all []streamFacts) (map[string]deadCount, error) {
	type ask struct {
		name string
		cmd  *goredis.XPendingExtCmd
	}
	var asks []ask
	pipe := c.client.Pipeline()
	for _, f := range all {
		for _, g := range f.groups {
			if g.Pending > 0 {
				asks = append(asks, ask{PendingName(f.key, g.Name), pipe.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: f.key, Group: g.Name, Start: "-", End: "+", Count: pendingScan})})
			}
		}
	}
	out := map[string]deadCount{}
	if len(asks) == 0 {
		return out, nil
	}
	_, _ = pipe.Exec(ctx)
	for _, a := range asks {
		ps, err := a.cmd.Result()
		if err != nil {
			if isNoSuchKey(err) || strings.Contains(err.Error(), "NOGROUP") {
				continue
			}
			return nil, fmt.Errorf("redis %s: xpending for %q: %w", c.addr, a.name, c.cause(err))
		}
		var d deadCount
		d.scanned = int64(len(ps))
		for _, p := range ps {
			if !c.limits.Dead(p.RetryCount, p.Idle) {
				continue
			}
			id, err := ParseID(p.ID)
			if err != nil {
				continue
			}
			if d.n == 0 {
				d.low = id
			}
			d.high = id
			d.n++
		}
		out[a.name] = d
	}
	return out, nil
}

// streamInfo describes one stream key.
func (c *Conn) streamInfo(f streamFacts, capped bool) sources.StreamInfo {
	si := sources.StreamInfo{Name: f.key, Kind: KindStream, Messages: f.info.Length, High: f.info.EntriesAdded, Consumers: 0,
		Reading: sources.Reading{HasPositions: true, Live: true, Positions: EntryIDs{}, SparsePositions: true}}
	part := sources.PartitionInfo{ID: sources.NoPartition}
	if first, err := ParseID(f.info.FirstEntry.ID); err == nil && f.info.Length > 0 {
		part.Low = first.Offset()
		si.Info = append(si.Info, sources.Property{Name: "first", Value: first.String() + " (" + first.Time().UTC().Format(time.RFC3339Nano) + ")"})
	}
	if last, err := ParseID(f.info.LastEntry.ID); err == nil && f.info.Length > 0 {
		part.High = last.Offset() + 1
		si.Info = append(si.Info, sources.Property{Name: "last", Value: last.String() + " (" + last.Time().UTC().Format(time.RFC3339Nano) + ")"})
	} else if gen, err := ParseID(f.info.LastGeneratedID); err == nil {
		part.Low, part.High = gen.Offset()+1, gen.Offset()+1
	}
	si.Partitions = []sources.PartitionInfo{part}
	si.Info = append(si.Info, sources.Property{Name: "last generated id", Value: f.info.LastGeneratedID},
		sources.Property{Name: "entries added", Value: strconv.FormatInt(f.info.EntriesAdded, 10)})
	for _, g := range f.groups {
		si.Consumers += int(g.Consumers)
		si.Info = append(si.Info, sources.Property{Name: "group " + g.Name, Value: groupLine(g)})
	}
	if ok, origin := DeadLetterName(f.key); ok {
		si.DeadLetter, si.DeadLetterFor = true, origin
	}
	if capped {
		si.Info = append(si.Info, sources.Property{Name: "listing", Value: fmt.Sprintf("stopped at %d streams: narrow it with the connection's match pattern", MaxStreams)})
	}
	return si
}

// groupLine says a group's state in one line.
func groupLine(g goredis.XInfoGroup) string {
	lag := "unknown"
	if g.Lag >= 0 {
		lag = strconv.FormatInt(g.Lag, 10)
	}
	return fmt.Sprintf("%d consumers, %d pending, lag %s, last delivered %s", g.Consumers, g.Pending, lag, g.LastDeliveredID)
}

// pendingInfo describes a group's dead-letter view.
func (c *Conn) pendingInfo(f streamFacts, g goredis.XInfoGroup, d deadCount) sources.StreamInfo {
	si := sources.StreamInfo{
		Name: PendingName(f.key, g.Name), Kind: KindPending, Messages: d.n, DeadLetter: true, DeadLetterFor: f.key,
		Reading:    sources.Reading{HasPositions: true, Positions: EntryIDs{}, SparsePositions: true}, // a view of the pending list: read to its end, not followed
		Consumers:  int(g.Consumers),
		Partitions: []sources.PartitionInfo{{ID: sources.NoPartition, Low: d.low.Offset(), High: d.high.Offset() + 1}},
	}
	if d.n == 0 {
		si.Partitions[0].Low = si.Partitions[0].High
	}
	si.Info = []sources.Property{
		{Name: "group", Value: g.Name}, {Name: "stream", Value: f.key},
		{Name: "pending", Value: strconv.FormatInt(g.Pending, 10)},
		{Name: "dead letters", Value: "pending entries " + c.limits.String()},
	}
	if d.scanned < g.Pending {
		si.Info = append(si.Info, sources.Property{Name: "counted", Value: fmt.Sprintf("among the first %d pending entries", d.scanned)})
	}
	return si
}

// GroupName names a stream's consumer group in a list of groups:
// "stream/group" (a group of the same name on another stream is another
// group, with its own consumers and position).
func GroupName(stream, group string) string { return stream + "/" + group }

// ListGroups lists the consumer groups of every listed stream, one entry
// for each stream and group, named GroupName(stream, group) (State says
// how many entries are pending), by name.
func (c *Conn) ListGroups(ctx context.Context) ([]sources.GroupInfo, error) {
	keys, _, err := c.streamKeys(ctx)
	if err != nil {
		return nil, err
	}
	all, err := c.facts(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []sources.GroupInfo
	for _, f := range all {
		for _, g := range f.groups {
			out = append(out, sources.GroupInfo{Name: GroupName(f.key, g.Name), Protocol: "redis-streams", Internal: sources.InternalGroup(g.Name),
				Topics: []string{f.key}, Members: int(g.Consumers), Lag: max(g.Lag, 0), State: strconv.FormatInt(g.Pending, 10) + " pending"})
		}
	}
	slices.SortFunc(out, func(a, b sources.GroupInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DescribeGroup describes one group, named GroupName(stream, group), or
// by its name alone when only one stream has a group of that name: the
// last delivered id (Committed, an Offset), the last entry (High), the lag
// (XINFO GROUPS; -1 when Redis cannot tell) and the consumers with their
// pending counts (Member).
func (c *Conn) DescribeGroup(ctx context.Context, group string) (sources.GroupDetail, error) {
	keys, _, err := c.streamKeys(ctx)
	if err != nil {
		return sources.GroupDetail{}, err
	}
	all, err := c.facts(ctx, keys)
	if err != nil {
		return sources.GroupDetail{}, err
	}
	key, name, err := c.whichGroup(all, group)
	if err != nil {
		return sources.GroupDetail{}, err
	}
	d := sources.GroupDetail{GroupInfo: sources.GroupInfo{Name: GroupName(key, name), Protocol: "redis-streams", Internal: sources.InternalGroup(name)}}
	group = name
	var pending int64
	for _, f := range all {
		for _, g := range f.groups {
			if f.key != key || g.Name != group {
				continue
			}
			cs, err := c.client.XInfoConsumers(ctx, f.key, group).Result()
			if err != nil {
				return d, fmt.Errorf("redis %s: xinfo consumers %q %q: %w", c.addr, f.key, group, c.cause(err))
			}
			var members []string
			for _, m := range cs {
				members = append(members, fmt.Sprintf("%s (%d pending, idle %s)", m.Name, m.Pending, m.Idle.Round(time.Millisecond)))
			}
			off := sources.GroupOffset{Topic: f.key, Partition: sources.NoPartition, Lag: g.Lag, Member: strings.Join(members, ", ")}
			if id, err := ParseID(g.LastDeliveredID); err == nil {
				off.Committed = id.Offset()
			}
			if id, err := ParseID(f.info.LastGeneratedID); err == nil {
				off.High = id.Offset()
			}
			d.Offsets = append(d.Offsets, off)
			d.Topics = append(d.Topics, f.key)
			d.Members += int(g.Consumers)
			d.Lag += max(g.Lag, 0)
			pending += g.Pending
		}
	}
	d.State = strconv.FormatInt(pending, 10) + " pending"
	return d, nil
}
