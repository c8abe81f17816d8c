package cmd

import (
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

func newGroupsCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "groups [GROUP]",
		Short: "List consumer groups with state, members and lag, or one group's lag per partition",
		Long: `groups lists the Kafka consumer groups with their state, member count, topics
and total lag (end offset - committed offset), or, given a group, its lag per
partition and which member holds each one. mqscope only reads: it never joins
or commits for a group.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conns, err := e.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll(conns)
			var l sources.GroupLister
			for _, c := range conns {
				if gl, ok := c.(sources.GroupLister); ok {
					l = gl
					break
				}
			}
			if l == nil {
				return errors.New("consumer groups need a Kafka connection (--kafka)")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			var v any
			if len(args) == 1 {
				d, err := l.DescribeGroup(ctx, args[0])
				if err != nil {
					return err
				}
				v = d
				if !asJSON {
					tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
					fmt.Fprintf(tw, "%s  %s  %d members  lag %d\n\nTOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tMEMBER\n", safetext.String(d.Name), safetext.String(d.State), d.Members, d.Lag)
					for _, o := range d.Offsets {
						fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", safetext.String(o.Topic), o.Partition, o.Committed, o.High, o.Lag, safetext.String(o.Member))
					}
					return tw.Flush()
				}
			} else {
				gs, err := l.ListGroups(ctx)
				if err != nil {
					return err
				}
				v = gs
				if !asJSON {
					tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "GROUP\tSTATE\tMEMBERS\tLAG\tTOPICS")
					for _, g := range gs {
						fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", safetext.String(g.Name), safetext.String(g.State), g.Members, g.Lag, safetext.String(strings.Join(g.Topics, ",")))
					}
					return tw.Flush()
				}
			}
			return writeJSON(e.stdout, v)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
