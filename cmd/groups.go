package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// connGroup is one consumer group of one connection, as groups --json
// writes it.
type connGroup struct {
	Connection string
	sources.GroupInfo
}

// connGroupDetail is one group in full and its connection.
type connGroupDetail struct {
	Connection string
	sources.GroupDetail
}

// groupLister is a connection with consumer groups.
type groupLister struct {
	name string
	sources.GroupLister
}

func newGroupsCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "groups [GROUP]",
		Short: "List consumer groups with state, members and lag, or one group's lag per partition",
		Long: `groups lists the consumer groups of every connection that has them (Kafka
consumer groups, NATS JetStream consumers, Redis Streams groups as
stream/group) with their connection, state, member count, topics and total
lag (end offset - committed offset), or, given a group, its lag per
partition and which member holds each one (the first connection that has
it). mqscope only reads: it never joins or commits for a group.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conns, failedOpen, err := e.open(cmd.Context(), true) // every connection of the config, not only one
			if err != nil {
				return err
			}
			for _, f := range failedOpen {
				fmt.Fprintf(e.stderr, "mqscope: %v (going on with the other connections)\n", f)
			}
			defer closeAll(conns)
			var ls []groupLister
			for _, c := range conns {
				if gl, ok := c.(sources.GroupLister); ok {
					ls = append(ls, groupLister{c.Name(), gl})
				}
			}
			if len(ls) == 0 {
				return errors.New("consumer groups need a Kafka, NATS or Redis connection (--kafka, --nats, --redis)")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			if len(args) == 1 {
				return e.describeGroup(ctx, ls, args[0], asJSON)
			}
			var rows []connGroup
			var failed []error
			for _, l := range ls {
				gs, err := l.ListGroups(ctx)
				if err != nil {
					if len(ls) == 1 {
						return err
					}
					fmt.Fprintf(e.stderr, "mqscope: %s: %v (going on with the other connections)\n", safetext.String(l.name), safetext.String(err.Error()))
					failed = append(failed, fmt.Errorf("%s: %w", l.name, err))
					continue
				}
				for _, g := range gs {
					rows = append(rows, connGroup{Connection: l.name, GroupInfo: g})
				}
			}
			if asJSON {
				if rows == nil {
					rows = []connGroup{}
				}
				if err := writeJSON(e.stdout, rows); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CONNECTION\tGROUP\tSTATE\tMEMBERS\tLAG\tTOPICS")
				for _, g := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", safetext.String(g.Connection), safetext.String(g.Name), safetext.String(g.State), g.Members, g.Lag, safetext.String(strings.Join(g.Topics, ",")))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("the groups of %s could not be listed: %w", counted(len(failed), "connection"), errors.Join(failed...))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// describeGroup prints one group of the first connection that has it.
func (e *env) describeGroup(ctx context.Context, ls []groupLister, group string, asJSON bool) error {
	var first error
	var found *connGroupDetail
	for _, l := range ls {
		d, err := l.DescribeGroup(ctx, group)
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		if found == nil || found.State == "Dead" && len(found.Offsets) == 0 {
			found = &connGroupDetail{Connection: l.name, GroupDetail: d}
		}
		if d.State != "Dead" || len(d.Offsets) > 0 { // Kafka describes a group it does not have as Dead
			break
		}
	}
	if found != nil {
		l, d := found.Connection, found.GroupDetail
		if asJSON {
			return writeJSON(e.stdout, found)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "%s  %s  %d members  lag %d  (%s)\n\nTOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tMEMBER\n", safetext.String(d.Name), safetext.String(d.State), d.Members, d.Lag, safetext.String(l))
		for _, o := range d.Offsets {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", safetext.String(o.Topic), o.Partition, o.Committed, o.High, o.Lag, safetext.String(o.Member))
		}
		return tw.Flush()
	}
	return first
}
