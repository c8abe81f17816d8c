package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.GroupLister = (*Conn)(nil)

// admin returns a cluster admin on the connection's client. Its Close would
// close the client, so it is never closed; the client's Close frees it.
func (c *Conn) admin() (sarama.ClusterAdmin, error) {
	a, err := sarama.NewClusterAdminFromClient(c.client)
	if err != nil {
		return nil, fmt.Errorf("admin on %s: %w", c.name, err)
	}
	return a, nil
}

// ListGroups lists the consumer groups with state, members and total lag.
func (c *Conn) ListGroups(ctx context.Context) ([]sources.GroupInfo, error) {
	a, err := c.admin()
	if err != nil {
		return nil, err
	}
	groups, err := a.ListConsumerGroups()
	if err != nil {
		return nil, fmt.Errorf("list groups on %s: %w", c.name, err)
	}
	var out []sources.GroupInfo
	for name := range groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := c.describe(a, name)
		if err != nil {
			return nil, err
		}
		out = append(out, d.GroupInfo)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DescribeGroup returns a group's members and per-partition lag.
func (c *Conn) DescribeGroup(_ context.Context, group string) (sources.GroupDetail, error) {
	a, err := c.admin()
	if err != nil {
		return sources.GroupDetail{}, err
	}
	return c.describe(a, group)
}

func (c *Conn) describe(a sarama.ClusterAdmin, group string) (sources.GroupDetail, error) {
	d := sources.GroupDetail{GroupInfo: sources.GroupInfo{Name: group, Internal: sources.InternalGroup(group)}}
	descs, err := a.DescribeConsumerGroups([]string{group})
	if err != nil {
		return d, fmt.Errorf("describe group %s: %w", group, err)
	}
	owner := map[tp]string{}
	if len(descs) == 1 {
		gd := descs[0]
		d.State, d.Protocol, d.Members = gd.State, gd.Protocol, len(gd.Members)
		for _, m := range gd.Members {
			as, err := m.GetMemberAssignment()
			if err != nil || as == nil {
				continue
			}
			for topic, parts := range as.Topics {
				for _, p := range parts {
					owner[tp{topic, p}] = m.ClientId + " " + m.ClientHost
				}
			}
		}
	}
	offs, err := a.ListConsumerGroupOffsets(group, nil)
	if err != nil {
		return d, fmt.Errorf("offsets of group %s: %w", group, err)
	}
	var parts []tp
	committed := map[tp]int64{}
	for topic, blocks := range offs.Blocks {
		for p, b := range blocks {
			if b == nil || b.Offset < 0 {
				continue
			}
			k := tp{topic, p}
			parts = append(parts, k)
			committed[k] = b.Offset
		}
	}
	for k := range owner {
		if _, ok := committed[k]; !ok {
			parts = append(parts, k)
			committed[k] = -1
		}
	}
	highs := map[tp]int64{}
	if len(parts) > 0 {
		if highs, err = c.listOffsets(parts, sarama.OffsetNewest); err != nil {
			return d, fmt.Errorf("group %s: %w", group, err)
		}
	}
	topics := map[string]bool{}
	for _, k := range parts {
		o := sources.GroupOffset{Topic: k.topic, Partition: k.partition, Committed: committed[k], High: highs[k], Member: strings.TrimSpace(owner[k])}
		if o.Committed >= 0 {
			o.Lag = max(o.High-o.Committed, 0)
		} else {
			o.Lag = -1 // nothing committed yet
		}
		if o.Lag > 0 {
			d.Lag += o.Lag
		}
		topics[k.topic] = true
		d.Offsets = append(d.Offsets, o)
	}
	for t := range topics {
		d.Topics = append(d.Topics, t)
	}
	sort.Strings(d.Topics)
	sort.Slice(d.Offsets, func(i, j int) bool {
		if d.Offsets[i].Topic != d.Offsets[j].Topic {
			return d.Offsets[i].Topic < d.Offsets[j].Topic
		}
		return d.Offsets[i].Partition < d.Offsets[j].Partition
	})
	return d, nil
}

// DeleteGroup deletes a consumer group without members and its committed
// offsets; a group that does not exist is no error.
func (c *Conn) DeleteGroup(group string) error {
	a, err := c.admin()
	if err != nil {
		return err
	}
	if err := a.DeleteConsumerGroup(group); err != nil && !errors.Is(err, sarama.ErrGroupIDNotFound) {
		return fmt.Errorf("delete group %s on %s: %w", group, c.name, err)
	}
	return nil
}
