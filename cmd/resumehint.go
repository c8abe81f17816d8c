package cmd

import (
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// notResumed are the redrive flags a resume leaves out: its own id (the
// hint adds it), and what would write without asking or not write at all.
var notResumed = []string{"id", "yes", "dry-run", "help"}

// resumeCommand is the command line that runs c again on stream with the
// flags given to it, but --id: the connection (-c, --config or a
// driver's flags) and every option of the command (--to, --park-to,
// --filter, --drop-header...), each word quoted for a POSIX shell where it
// needs it. A password in a connection URL is left out (xxxxx): the hint
// is printed, and logged.
func resumeCommand(c *cobra.Command, stream string, drivers []*adHocFlags) string {
	words, own := connectionWords(c, drivers, true)
	words = append(words, c.Name(), shellWord(stream))
	words = append(words, own...)
	return strings.Join(words, " ")
}

// connectionCommand is the program's name with the connection's flags as
// c was given them (-c, --config or a driver's flags, a password left
// out), for a hint that names another command on the same connection.
func connectionCommand(c *cobra.Command, drivers []*adHocFlags) string {
	words, _ := connectionWords(c, drivers, false)
	return strings.Join(words, " ")
}

// connectionWords are the program's name and the connection's flags c was
// given and, with own, the command's own flags but those a resume leaves
// out (notResumed).
func connectionWords(c *cobra.Command, drivers []*adHocFlags, withOwn bool) (words, own []string) {
	words = []string{c.Root().Name()}
	global := map[string]bool{"config": true, "connection": true}
	for _, d := range drivers {
		global[d.driver.Flag] = true
		for _, m := range d.driver.More {
			global[m.Name] = true
		}
	}
	local := c.LocalFlags()
	c.Flags().VisitAll(func(fl *pflag.Flag) { // in name order; Changed is set on the command's own set
		switch {
		case !fl.Changed:
		case local.Lookup(fl.Name) != nil:
			if withOwn && !slices.Contains(notResumed, fl.Name) {
				own = append(own, flagWords(fl)...)
			}
		case global[fl.Name]:
			words = append(words, flagWords(fl)...)
		}
	})
	return words, own
}

// flagWords writes a flag as it was given: --name for a switch that is
// on, --name=value for each value (a repeated flag repeats).
func flagWords(fl *pflag.Flag) []string {
	if fl.Value.Type() == "bool" {
		if fl.Value.String() == "true" {
			return []string{"--" + fl.Name}
		}
		return []string{"--" + fl.Name + "=false"}
	}
	values := []string{fl.Value.String()}
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		values = sv.GetSlice()
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		out = append(out, "--"+fl.Name+"="+shellWord(withoutPassword(v)))
	}
	return out
}

// withoutPassword is a URL with its password replaced by xxxxx (any
// other text as it is).
func withoutPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	return u.Redacted()
}

// shellWord is s as one word of a POSIX shell: as it is when it holds
// nothing a shell reads specially, else in single quotes.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
