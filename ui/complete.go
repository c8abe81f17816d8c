package ui

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

const (
	// completeScan is how many held messages (the newest) the names a
	// filter prompt completes are collected from, completeValue the
	// largest value parsed for its JSON paths, completeDepth how deep the
	// paths go and completeNames how many of each kind are kept.
	completeScan  = 1000
	completeValue = 16 << 10
	completeDepth = 4
	completeNames = 500
)

// completions are the names a filter prompt completes: the filter's
// fields, and the header names and JSON paths of the messages held.
type completions struct {
	names []string // sorted, no duplicates
}

// collectCompletions reads the newest completeScan messages of buf (a
// bounded look, done once when Tab is first pressed in a prompt).
func collectCompletions(buf *msgbuf.Buffer) completions {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, f := range filter.Fields() {
		if !strings.HasSuffix(f.Name, ".*") && !strings.HasPrefix(f.Name, "headers[") {
			add(f.Name)
		}
	}
	headers, paths := 0, 0
	var m sources.Message
	for i := buf.Len() - 1; i >= max(buf.Len()-completeScan, 0); i-- {
		buf.Load(i, &m)
		for _, h := range m.Headers {
			if headers < completeNames && typable(h.Key) && !seen[`headers["`+h.Key+`"]`] {
				add(`headers["` + h.Key + `"]`)
				headers++
			}
		}
		if paths >= completeNames || len(m.Value) > completeValue || len(m.Value) == 0 || m.Value[0] != '{' {
			continue
		}
		var doc any
		if json.Unmarshal(m.Value, &doc) != nil {
			continue
		}
		jsonPaths("json", doc, completeDepth, func(p string) {
			if paths < completeNames && !seen[p] {
				add(p)
				paths++
			}
		})
	}
	sort.Strings(names)
	return completions{names: names}
}

// typable reports a header name that can go in a prompt as it is: no
// control character, no quote or backslash (it sits in "…").
func typable(name string) bool {
	return safetext.Clean(name) && !strings.ContainsAny(name, "\"\\\n\r\t")
}

// identifier is a JSON key written json.a.b (others are left out).
var identifier = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// jsonPaths calls add with the paths of the objects in doc, depth deep.
func jsonPaths(prefix string, doc any, depth int, add func(string)) {
	obj, ok := doc.(map[string]any)
	if !ok || depth == 0 {
		return
	}
	for k, v := range obj {
		if !identifier().MatchString(k) {
			continue
		}
		add(prefix + "." + k)
		jsonPaths(prefix+"."+k, v, depth-1, add)
	}
}

// completedToken is the name being typed before the cursor: an identifier
// or a path (json.a.b), or an open headers[" index.
var completedToken = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(headers\["[^"]*|[A-Za-z_][A-Za-z0-9_.]*)$`) })

// candidates are the names that complete the token before pos in text,
// and where the token starts.
func (c completions) candidates(text []rune, pos int) (from int, out []string) {
	head := string(text[:pos])
	loc := completedToken().FindStringIndex(head)
	if loc == nil {
		return pos, nil
	}
	token := head[loc[0]:]
	for _, n := range c.names {
		if strings.HasPrefix(n, token) && n != token {
			out = append(out, n)
		}
	}
	return len([]rune(head[:loc[0]])), out
}

// commonPrefix is the longest start all of names share.
func commonPrefix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	p := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// inString reports whether pos in text is inside a string literal (an odd
// number of unescaped quotes before it), where ? is a character to type.
func inString(text []rune, pos int) bool {
	in, quote := false, rune(0)
	for i := 0; i < pos && i < len(text); i++ {
		switch r := text[i]; {
		case r == '\\' && in:
			i++
		case (r == '"' || r == '\'' || r == '`') && !in:
			in, quote = true, r
		case in && r == quote:
			in = false
		}
	}
	return in
}

// promptTab is an expression prompt's completion state.
type promptTab struct {
	help     int          // the page of the fields box shown (?; 0: closed)
	names    *completions // collected at the first Tab of the prompt
	cycle    []string     // the candidates successive Tabs go through
	at       int          // the one shown of cycle
	from, to int          // where the shown candidate is in the input (runes)
	hint     []string     // the candidates listed under the prompt
}

// complete completes the name before the cursor: the one candidate, or
// what all share, or (Tab again) each in turn.
func (p *messagesPage) complete() {
	t := &p.tab
	if t.names == nil {
		c := collectCompletions(p.buf)
		t.names = &c
	}
	text := []rune(p.input.Value())
	if len(t.cycle) > 1 {
		t.at = (t.at + 1) % len(t.cycle)
		p.replaceInput(text, t.from, t.to, t.cycle[t.at])
		return
	}
	from, cands := t.names.candidates(text, p.input.Position())
	t.hint = cands
	pos := p.input.Position()
	switch {
	case len(cands) == 0:
		t.hint = []string{"(no completion)"}
	case len(cands) == 1:
		p.replaceInput(text, from, pos, cands[0])
		t.hint = nil
	default:
		if cp := commonPrefix(cands); len([]rune(cp)) > pos-from {
			p.replaceInput(text, from, pos, cp)
			return
		}
		t.cycle, t.at = cands, 0
		p.replaceInput(text, from, pos, cands[0])
	}
}

// replaceInput puts with in text[from:to] and the cursor after it.
func (p *messagesPage) replaceInput(text []rune, from, to int, with string) {
	p.input.SetValue(string(text[:from]) + with + string(text[to:]))
	p.tab.from, p.tab.to = from, from+len([]rune(with))
	p.input.SetCursor(p.tab.to)
}
