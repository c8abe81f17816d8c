package ui

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// finder is the message list's prompt (a filter, a read filter, a
// search, a jump being typed) and its search: the last one, for n and N,
// and the one running a step at a time.
type finder struct {
	input     textinput.Model
	prompt    string // "", or the prompt being typed: "filter", "read", "search", "jump"
	promptErr string
	tab       promptTab // what Tab completes in an expression prompt

	search    string          // the last search, for n and N
	srch      *searchRun      // the search running, a step at a time (nil: none)
	searchID  int             // the last search run started
	searchMsg sources.Message // what a search step loads each row into
	hl        highlightNeedle // the last search prepared for highlighting rows
}

// newFinder is a finder with no prompt open.
func newFinder() finder {
	f := finder{input: textinput.New()}
	f.input.CharLimit = 1000
	return f
}

// searchScan bounds how much of a value a search looks at.
const searchScan = 64 << 10

var prompts = map[string]struct{ label, placeholder string }{
	"filter": {"filter › ", `json.status == "FAILED" && headers["tenant"] == "acme"   (value == nil: tombstones)`},
	"read":   {"read only › ", `json.status == "FAILED"   (reads again from the start position, keeping only matches)`},
	"search": {"search › ", "text in keys, values and headers"},
	"jump":   {"jump to › ", "offset:1200 · 2=1200 · time:-10m · time:2026-11-29T08:00:00Z · newest · oldest"},
}

// openPrompt starts typing a filter, a search or a jump.
func (p *messagesPage) openPrompt(kind, value string) tea.Cmd {
	p.prompt, p.promptErr = kind, ""
	p.tab = promptTab{}
	p.input.Prompt, p.input.Placeholder = prompts[kind].label, prompts[kind].placeholder
	if ps := p.stream.Positions; kind == "jump" && ps != nil {
		p.input.Placeholder = ps.Example() + " (" + ps.Name() + ") · time:-10m · time:2026-11-29T08:00:00Z · newest · oldest"
	}
	p.input.SetValue(value)
	return p.input.Focus()
}

// typePrompt edits the prompt; enter applies it, esc leaves things as they
// were. In an expression prompt ? (outside a string) shows the fields and
// Tab completes a name.
func (p *messagesPage) typePrompt(msg tea.KeyMsg) tea.Cmd {
	expression := p.prompt == "filter" || p.prompt == "read"
	if p.tab.help > 0 { // ? turns the page or closes the fields; any other key closes them, esc does nothing else
		_, pages := fieldsHelp(p.c.Styles, p.c.Width, p.rowsHeight()+2, p.tab.help)
		if msg.String() == "?" && p.tab.help < pages {
			p.tab.help++
			return nil
		}
		p.tab.help = 0
		if msg.Type == tea.KeyEsc || msg.String() == "?" {
			return nil
		}
	}
	if expression && msg.String() == "?" && !inString([]rune(p.input.Value()), p.input.Position()) {
		p.tab.help = 1
		return nil
	}
	if expression && msg.Type == tea.KeyTab {
		p.complete()
		return nil
	}
	p.tab.cycle, p.tab.hint = nil, nil
	switch msg.Type {
	case tea.KeyEsc:
		p.prompt, p.promptErr = "", ""
		p.input.Blur()
		return nil
	case tea.KeyEnter:
		text := strings.TrimSpace(p.input.Value())
		var cmd tea.Cmd
		var err error
		switch p.prompt {
		case "filter":
			if err = p.applyFilter(text); err == nil {
				cmd = p.scanMore()
			}
		case "read":
			cmd, err = p.applyReadFilter(text)
		case "search":
			p.search = text
			cmd = p.findNext(1)
		case "jump":
			cmd, err = p.jump(text)
		}
		if err != nil {
			p.promptErr = err.Error()
			return nil
		}
		p.prompt, p.promptErr = "", ""
		p.input.Blur()
		return cmd
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// applyFilter sets (or, empty, clears) the list's filter expression.
func (p *messagesPage) applyFilter(src string) error {
	var f *filter.Filter
	if src != "" {
		var err error
		if f, err = filter.Compile(src); err != nil {
			return err
		}
	}
	p.view.setFilter(f)
	p.cur = cursor{sel: p.view.Len() - 1}
	p.follow = true
	p.cur.clamp(p.view.Len(), p.rowsHeight())
	return nil
}

// applyReadFilter reads the stream again from its start position through
// a filter (empty: without one), so only matches reach the buffer.
func (p *messagesPage) applyReadFilter(src string) (tea.Cmd, error) {
	if src != "" {
		if _, err := filter.Compile(src); err != nil {
			return nil, err
		}
	}
	if src == p.readFilter {
		return nil, nil
	}
	p.readFilter = src // the info line says it; the status line counts what it scans
	return p.restart(), nil
}

// filterScanned asks for the next chunk of a filter's scan.
type filterScanned struct{ page int }

func (m filterScanned) pageID() int { return m.page }

// scanMore schedules the next chunk while the filter has messages to go.
func (p *messagesPage) scanMore() tea.Cmd {
	if !p.view.scanning() {
		return nil
	}
	page := p.pid
	return func() tea.Msg { return filterScanned{page} }
}

// jump moves to a position among the messages held; a position before
// them (or, for a time, not held) reads again from there.
func (p *messagesPage) jump(spec string) (tea.Cmd, error) {
	n := p.view.Len()
	switch strings.ToLower(spec) {
	case "newest", "end":
		p.cur.sel, p.follow = n-1, true
		p.cur.clamp(n, p.rowsHeight())
		return nil, nil
	case "oldest", "start":
		p.cur.sel, p.follow = 0, false
		p.cur.clamp(n, p.rowsHeight())
		return nil, nil
	}
	if shorthandOffset().MatchString(spec) && p.stream.Positions == nil { // 1200, or 2=1200[,0=55]: offsets
		spec = "offset:" + spec
	}
	st, err := p.stream.ParseStart(spec, p.c.Now())
	if err != nil {
		return nil, err
	}
	if st.Kind != sources.StartOffset && st.Kind != sources.StartTime {
		if ps := p.stream.Positions; ps != nil {
			return nil, fmt.Errorf("jump to an %s (%s), time:… , newest or oldest", ps.Name(), ps.Example())
		}
		return nil, fmt.Errorf("jump to offset:N, P=N (offset:P=N), time:… , newest or oldest")
	}
	var scratch sources.Message
	for i := 0; i < n; i++ {
		m := &scratch
		p.view.Load(i, m)
		hit := reached(st, m)
		if hit && i > 0 || hit && !p.before(st, m) {
			p.cur.sel, p.follow = i, false
			p.cur.clamp(n, p.rowsHeight())
			return setStatus("jumped to " + p.stream.StartText(st)), nil
		}
		if hit {
			break // the first message held is already past it: read from there
		}
	}
	if !p.stream.HasPositions {
		return nil, fmt.Errorf("%s is not among the messages held, and this stream cannot be read from a position", p.stream.StartText(st))
	}
	p.start = st
	cmd := p.restart() // the info line says where the read starts
	p.seek = &seekTo{at: st}
	return cmd, nil
}

// seekTo is a jump that read the stream again: its row is selected once
// it arrives.
type seekTo struct {
	at   sources.Start
	from int // the first row not looked at yet
}

// reached says m is at or past the position st (on st's partition when
// it names partitions).
func reached(st sources.Start, m *sources.Message) bool {
	if st.Kind == sources.StartTime {
		return !m.Timestamp.Before(st.Time)
	}
	if o, ok := st.Offsets[m.Partition]; ok {
		return m.Offset >= o
	}
	return len(st.Offsets) == 0 && m.Offset >= st.Offset
}

// landSeek selects the row a jump read again for, once it has arrived,
// and pauses there; dropped rows went from the front since the last look.
func (p *messagesPage) landSeek(dropped int) {
	sk := p.seek
	if sk == nil {
		return
	}
	var scratch sources.Message
	n := p.view.Len()
	for i := max(sk.from-dropped, 0); i < n; i++ {
		p.view.Load(i, &scratch)
		if reached(sk.at, &scratch) {
			p.cur.sel, p.follow, p.unseen, p.seek = i, false, 0, nil
			p.cur.clamp(n, p.rowsHeight())
			return
		}
	}
	sk.from = n
}

// shorthandOffset is an offset, or partition=offset pairs, without "offset:".
var shorthandOffset = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d+(=\d+)?(,\d+=\d+)*$`) })

// before reports whether a position lies before the first message held
// (it was evicted or never read).
func (p *messagesPage) before(st sources.Start, first *sources.Message) bool {
	if st.Kind == sources.StartTime {
		return st.Time.Before(first.Timestamp)
	}
	if o, ok := st.Offsets[first.Partition]; ok {
		return o < first.Offset
	}
	return st.Offset < first.Offset
}

// promptKeys are the keys of a text prompt; an expression prompt also
// completes field names (tab) and lists them (?).
func promptKeys(expression bool) []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	keys := []key.Binding{b("enter", "apply"), b("esc", "cancel")}
	if expression {
		keys = append(keys, b("tab", "complete"), b("?", "fields"))
	}
	return keys
}
