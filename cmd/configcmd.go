package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

func newConfigCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Write, locate and check the config file (named connections, UI preferences)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(&cobra.Command{
		Use:   "init",
		Short: "Write a commented example config (never over an existing file)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path, _ := config.Locate(e.flags.config)
			if err := config.WriteExample(path, e.drivers); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s: edit its connections, then run mqscope (or mqscope -c NAME)\n", path)
			return nil
		},
	}, &cobra.Command{
		Use:   "path",
		Short: "Print the config file mqscope reads",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path, _ := config.Locate(e.flags.config)
			fmt.Fprintln(e.stdout, path)
			return nil
		},
	}, &cobra.Command{
		Use:   "check",
		Short: "Read the config, list its connections (secrets shown by their source only) and check their logins",
		Long: `check reads the config and lists its connections, each secret named by its
source only. It then connects, at once, every connection whose connector can
say whom its server takes it for (NATS, Redis), with the configured
credentials, and says for each: authenticated as whom, that the server asks
for no credentials (so the configured ones were not checked), or the
server's refusal. It exits 1 when a connection failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path, _ := config.Locate(e.flags.config); !exists(path) {
				return fmt.Errorf("no config file at %s (mqscope config init writes an example there)", path)
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %d connections", safetext.String(cfg.Path), len(cfg.Connections))
			if cfg.Default != "" {
				fmt.Fprintf(e.stdout, ", default %s", safetext.String(cfg.Default))
			}
			fmt.Fprintln(e.stdout)
			tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tADDRESS\tAUTH\tTLS\tWRITES\tCOLOR\tSCHEMAS")
			for _, n := range cfg.Names() {
				cc := cfg.Connections[n]
				addr, auth := cc.Spec.Address, cmp.Or(cc.Spec.Auth, "-")
				tlsOn, writes := "-", "read-only"
				if cc.Spec.TLS {
					tlsOn = "yes"
				}
				if cc.Writable() {
					writes = "allowed"
				}
				cells := []string{n, cc.Kind, addr, auth, tlsOn, writes, cmp.Or(cc.Color, "-"), schemasSummary(cc)}
				for i, c := range cells {
					cells[i] = safetext.String(c)
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if n := e.checkLogins(cmd.Context(), e.stdout, cfg); n > 0 {
				return loginFailures(n)
			}
			return nil
		},
	})
	return c
}

// schemasSummary describes a connection's schemas for config check: the
// registry with its authentication by source (never a secret), the local
// rules and Protobuf sources.
func schemasSummary(cc config.Connection) string {
	var parts []string
	if r := cc.SchemaRegistry; r != nil {
		s := "registry " + r.URL
		if a := r.Auth(); a != "-" {
			s += " (" + a + ")"
		}
		if r.TLS != nil {
			s += " tls"
		}
		parts = append(parts, s)
	}
	if n := len(cc.Schemas); n > 0 {
		parts = append(parts, fmt.Sprintf("%d local %s", n, plural(n, "rule", "rules")))
	}
	if n := len(cc.Protos); n > 0 {
		parts = append(parts, fmt.Sprintf("%d proto %s", n, plural(n, "source", "sources")))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// exists reports whether there is a file at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// completeStreams completes a stream argument with the streams of the
// connection the flags name (bounded: a slow broker completes nothing),
// but those whose names hold control characters.
func (e *env) completeStreams(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conns, err := e.connectQuiet(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer closeAll(conns)
	var out []string
	for _, c := range conns {
		l, ok := c.(sources.Lister)
		if !ok {
			continue
		}
		streams, err := l.ListStreams(ctx)
		if err != nil {
			continue
		}
		for _, s := range streams {
			// a name with control characters is left out: the shell would
			// show it and put it on the command line as it is
			if strings.HasPrefix(s.Name, toComplete) && safetext.Clean(s.Name) && !strings.ContainsAny(s.Name, "\t\n\r") {
				out = append(out, s.Name)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeConnections completes --connection with the config's names.
func (e *env) completeConnections(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return cfg.Names(), cobra.ShellCompDirectiveNoFileComp
}
