package cmd

import (
	"fmt"
	"io"
	"time"
)

// progressEvery is how often a progress line is written where stderr is
// not a terminal (a file, a pipe): each a line of its own.
const progressEvery = 5 * time.Second

// progress writes a command's progress to stderr: on a terminal, one line
// redrawn in place (a carriage return before each); elsewhere, plain
// newline-terminated lines at most every progressEvery, and the last one
// when the work ends, so a log holds no carriage returns and few lines.
type progress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time
	// last is when a line was last written (zero: none yet); pending is
	// the line shown since, not written yet (off a terminal).
	last    time.Time
	pending string
	drawn   bool
}

// newProgress is the progress of a command writing to w.
func newProgress(w io.Writer) *progress {
	return &progress{w: w, terminal: isTerminal(w), now: time.Now}
}

// show makes line the progress shown.
func (p *progress) show(line string) {
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s   ", line)
		p.drawn = true
		return
	}
	now := p.now()
	if !p.last.IsZero() && now.Sub(p.last) < progressEvery {
		p.pending = line
		return
	}
	fmt.Fprintln(p.w, line)
	p.last, p.pending = now, ""
}

// end ends the progress: the redrawn line is ended with a newline, or
// the last line shown and not written yet is written.
func (p *progress) end() {
	switch {
	case p.terminal && p.drawn:
		fmt.Fprintln(p.w)
	case !p.terminal && p.pending != "":
		fmt.Fprintln(p.w, p.pending)
	}
	p.drawn, p.pending = false, ""
}
