package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/mqscope/mqscope/health"
	"github.com/mqscope/mqscope/internal/safetext"
)

// writeSections writes each finding's definition and examples, then the
// top entities; where the examples are fewer than the findings, a line
// says how many more there are.
func writeSections(w io.Writer, r health.Report) {
	section := func(name, def string, n int64) bool {
		if n == 0 {
			return false
		}
		fmt.Fprintf(w, "\n%s: %s\n", name, def)
		return true
	}
	d, o := r.Duplicates, r.Ordering
	if section("duplicates", d.Definition, d.Count+d.Possible) {
		for _, p := range d.Examples {
			first := "(beyond the window: not known)"
			if p.First != nil {
				first = safetext.String(p.First.String())
			}
			fmt.Fprintf(w, "  %-9s  %s  %s = %s\n", p.Kind, entityText(p.Entity), first, safetext.String(p.Second.String()))
		}
		moreLine(w, d.Count+d.Possible, len(d.Examples), "duplicates")
	}
	if section("ordering", o.Definition, o.Count) {
		for _, p := range o.Examples {
			fmt.Fprintf(w, "  %s  %s then %s  %s\n", entityText(p.Entity), safetext.String(p.First.String()), safetext.String(p.Second.String()), p.Detail)
		}
		moreLine(w, o.Count, len(o.Examples), "out of order")
	}
	if section("split keys", r.SplitKeys.Definition, r.SplitKeys.Count) {
		for _, s := range r.SplitKeys.Examples {
			at := make([]string, len(s.At))
			for i, p := range s.At {
				at[i] = safetext.String(p.String())
			}
			fmt.Fprintf(w, "  %s  first in %s\n", entityText(s.Entity), strings.Join(at, ", "))
		}
		moreLine(w, r.SplitKeys.Count, len(r.SplitKeys.Examples), "split entities")
	}
	if section("gaps", r.Gaps.Definition, r.Gaps.Count+r.Gaps.Jumps) {
		for _, g := range r.Gaps.Examples {
			fmt.Fprintf(w, "  %s  %s (seen %d to %d, the lowest at %s)\n", entityText(g.Entity), gapText(g), g.Lowest, g.Highest, safetext.String(g.At.String()))
		}
		moreLine(w, r.Gaps.Entities, len(r.Gaps.Examples), "entities with gaps")
	}
	if len(r.Offenders) > 0 {
		fmt.Fprintln(w, "\ntop entities:")
		rows := [][]string{{"ENTITY", "DUPLICATES", "ORDERING", "GAPS", "JUMPS", "SPLIT"}}
		for _, of := range r.Offenders {
			split := ""
			if of.Split {
				split = "yes"
			}
			rows = append(rows, []string{entityText(of.Entity), digits(of.Duplicates), digits(of.Ordering), digits(of.Gaps), digits(of.Jumps), split})
		}
		writeTable(w, "  ", rows)
		fmt.Fprintln(w, "  (GAPS: sequence numbers missing; JUMPS: holes of more than "+digits(health.JumpSize)+" numbers)")
		moreLine(w, r.OffendersTotal, len(r.Offenders), "entities with findings")
	}
}

// gapText is an entity's holes: "missing 3: 2, 4-5", the lowest first,
// with how many more holes there are, then its jumps apart:
// "; 1 suspicious jump: 8-99999999".
func gapText(g health.Gap) string {
	s := fmt.Sprintf("missing %s", digits(g.Missing))
	if len(g.Ranges) > 0 {
		s += ": " + rangesText(g.Ranges)
	}
	if more := g.RangesTotal - int64(len(g.Ranges)); more > 0 {
		s += fmt.Sprintf(", … %s more holes", digits(more))
	}
	if g.Jumps > 0 {
		s += fmt.Sprintf("; %s %s", digits(g.Jumps), plural(int(g.Jumps), "suspicious jump", "suspicious jumps"))
		if len(g.JumpRanges) > 0 {
			s += ": " + rangesText(g.JumpRanges)
		}
		if more := g.Jumps - int64(len(g.JumpRanges)); more > 0 {
			s += fmt.Sprintf(", … %s more", digits(more))
		}
	}
	return s
}

// rangesText is ranges as "2, 4-5".
func rangesText(rs []health.Range) string {
	out := make([]string, len(rs))
	for i, x := range rs {
		out[i] = x.String()
	}
	return strings.Join(out, ", ")
}

// moreLine says how many findings the examples left out.
func moreLine(w io.Writer, total int64, shown int, what string) {
	if more := total - int64(shown); more > 0 {
		fmt.Fprintf(w, "  … %s more %s not shown (--examples %d shows more)\n", digits(more), what, max(shown*2, 10))
	}
}
