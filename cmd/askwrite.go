package cmd

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// writeAsk is the question a headless command asks before it writes to a
// broker: y/N for one message; for more (or a number not known, or every
// message a queue holds) the count or the stream's name typed out, with
// no as the default.
type writeAsk struct {
	// Question asks it, ending in "?"; it names streams from the broker
	// (sanitised when shown).
	Question string
	// Verb is what --yes is passed to in the refusal without a terminal
	// ("redrive", "replay").
	Verb string
	// Action is what the typed answer does ("redrive", "write them").
	Action string
	// Count is how many messages the write takes; negative when not known.
	Count int
	// Whole asks for the typed answer whatever Count: the write takes
	// every message a queue holds when it starts.
	Whole bool
	// Names are the stream's names that say yes when typed; the first one
	// is shown.
	Names []string
}

// askBeforeWrite asks w on out and reads the answer from in.
func askBeforeWrite(in io.Reader, out io.Writer, w writeAsk) (bool, error) {
	if w.Count >= 0 && w.Count <= 1 && !w.Whole {
		return confirm(in, out, w.Verb, w.Question+" [y/N] ")
	}
	want, hint := w.typed()
	if len(want) == 0 {
		return false, fmt.Errorf("nothing to type to confirm: pass --yes to %s without asking", w.Verb)
	}
	return confirmTyped(in, out, w.Verb, w.Question+" "+hint, want...)
}

// typed is what may be typed to say yes (the count when known, then the
// names, each once) and the hint that says so.
func (w writeAsk) typed() (want []string, hint string) {
	if w.Count > 0 {
		want = append(want, strconv.Itoa(w.Count))
	}
	for _, n := range w.Names {
		if n != "" && !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	var shown string
	switch {
	case len(want) == 0:
		return nil, ""
	case w.Count > 0 && len(want) > 1:
		shown = fmt.Sprintf("%s (or %s)", want[0], want[1])
	default:
		shown = want[0]
	}
	return want, fmt.Sprintf("Type %s to %s, anything else is no: ", shown, w.Action)
}
