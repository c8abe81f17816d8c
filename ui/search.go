package ui

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/render"
)

// searchChunk is how many held messages one step of a search looks at, so
// the screen stays live while a large buffer is searched.
const searchChunk = 20000

// foldNeedle is a search text prepared for a case-insensitive byte search
// that allocates nothing per message: an ASCII text is compared byte by
// byte through a fold table, any other rune by rune with unicode.ToLower.
type foldNeedle struct {
	ascii bool
	lower []byte // the text lower-cased (ASCII)
	runes []rune // the text's runes lower-cased (not ASCII)
}

// newFoldNeedle prepares s for containsFold.
func newFoldNeedle(s string) foldNeedle {
	n := foldNeedle{ascii: true}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n.ascii = false
			break
		}
	}
	if n.ascii {
		n.lower = make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			n.lower[i] = lowerASCII[s[i]]
		}
		return n
	}
	for _, r := range s {
		n.runes = append(n.runes, unicode.ToLower(r))
	}
	return n
}

// lowerASCII maps each byte to its ASCII lower case (other bytes to themselves).
var lowerASCII = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// empty reports a needle with nothing to look for.
func (n *foldNeedle) empty() bool { return len(n.lower) == 0 && len(n.runes) == 0 }

// in reports whether b (its first searchScan bytes) holds the needle,
// whatever the case.
func (n *foldNeedle) in(b []byte) bool {
	if len(b) > searchScan {
		b = b[:searchScan]
	}
	return n.index(b) >= 0
}

// index is where the needle first starts in b, whatever the case, and how
// long the match is (-1, 0 when b does not hold it).
func (n *foldNeedle) index(b []byte) int {
	i, _ := n.indexLen(b)
	return i
}

// indexLen is index with the length of the match in b.
func (n *foldNeedle) indexLen(b []byte) (int, int) {
	if n.ascii {
		i := indexFoldASCII(b, n.lower)
		return i, len(n.lower)
	}
	return indexFoldRunes(b, n.runes)
}

// indexFoldASCII finds the lower-case ASCII needle in b, whatever the case
// of b's letters. Candidates are found with bytes.IndexByte for the first
// byte's two cases, each scan kept until passed, so b is read once.
func indexFoldASCII(b, needle []byte) int {
	if len(needle) == 0 {
		return 0
	}
	last := len(b) - len(needle) // the last start a match can have
	if last < 0 {
		return -1
	}
	lo := needle[0]
	up := lo
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	nextLo, nextUp := -2, -2 // -2: not looked for yet; -1: none left
	find := func(c byte, from int) int {
		if j := bytes.IndexByte(b[from:last+1], c); j >= 0 {
			return from + j
		}
		return -1
	}
	for i := 0; i <= last; {
		if nextLo != -1 && nextLo < i {
			nextLo = find(lo, i)
		}
		if up == lo {
			nextUp = nextLo
		} else if nextUp != -1 && nextUp < i {
			nextUp = find(up, i)
		}
		switch {
		case nextLo < 0 && nextUp < 0:
			return -1
		case nextLo < 0:
			i = nextUp
		case nextUp < 0:
			i = nextLo
		default:
			i = min(nextLo, nextUp)
		}
		rest := b[i+1 : i+len(needle)]
		ok := true
		for k, c := range rest {
			if lowerASCII[c] != needle[k+1] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
		i++
	}
	return -1
}

// indexFoldRunes finds needle (lower-cased runes) in b, comparing each of
// b's runes lower-cased; it returns the start and the length in bytes.
func indexFoldRunes(b []byte, needle []rune) (int, int) {
	if len(needle) == 0 {
		return 0, 0
	}
	first := needle[0]
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf && rune(lowerASCII[c]) != first { // most bytes: no rune to decode
			i++
			continue
		}
		j, k := i, 0
		for k < len(needle) && j < len(b) {
			r, size := rune(lowerASCII[b[j]]), 1
			if b[j] >= utf8.RuneSelf {
				r, size = utf8.DecodeRune(b[j:])
				r = unicode.ToLower(r)
			}
			if r != needle[k] {
				break
			}
			j += size
			k++
		}
		if k == len(needle) {
			return i, j - i
		}
		_, size := utf8.DecodeRune(b[i:])
		i += size
	}
	return -1, 0
}

// matchesFold looks for the needle in a message's key, value, headers and,
// when a schema decoded it, its decoded value (decoded: nil when none).
func matchesFold(m *sources.Message, decoded []byte, n *foldNeedle) bool {
	if n.in(m.Key) || n.in(m.Value) || decoded != nil && n.in(decoded) {
		return true
	}
	for _, h := range m.Headers {
		if n.inString(h.Key) || n.in(h.Value) {
			return true
		}
	}
	return false
}

// inString is in for a string, without copying it.
func (n *foldNeedle) inString(s string) bool {
	if len(s) > searchScan {
		s = s[:searchScan]
	}
	if n.ascii { // header keys are short: compare in place
		for i := 0; i+len(n.lower) <= len(s); i++ {
			ok := true
			for k := range n.lower {
				if lowerASCII[s[i+k]] != n.lower[k] {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
	for i := range s {
		j, k := i, 0
		for k < len(n.runes) && j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if unicode.ToLower(r) != n.runes[k] {
				break
			}
			j += size
			k++
		}
		if k == len(n.runes) {
			return true
		}
	}
	return false
}

// searchRun is a search going through the rows held, a step at a time.
type searchRun struct {
	id     int        // which run: steps of a run replaced are dropped
	text   string     // what is looked for, as typed
	needle foldNeedle // text prepared
	dir    int        // 1: next, -1: previous
	from   int        // the row the search started from
	done   int        // rows looked at so far
	total  int        // rows to look at (all held when it started)
}

// searchStepped asks for the next step of a search.
type searchStepped struct{ page, run int }

func (m searchStepped) pageID() int { return m.page }

// findNext starts looking for the search text from the selected row
// towards the next (dir 1) or previous (dir -1) row holding it, wrapping
// around; it replaces a search still running. The first step runs now,
// the rest in steps through Cmds.
func (p *messagesPage) findNext(dir int) tea.Cmd {
	if p.search == "" {
		return setStatus("no search yet: / to search")
	}
	p.searchID++
	p.srch = &searchRun{id: p.searchID, text: p.search, needle: newFoldNeedle(p.search), dir: dir, from: p.cur.sel, total: p.view.Len()}
	cmd := p.searchStep()
	if p.srch != nil { // still going: what an earlier search said is over
		return tea.Batch(clearStatus(), cmd)
	}
	return cmd
}

// searchStep looks at the next searchChunk rows of the running search and
// says what it found, or asks for the next step.
func (p *messagesPage) searchStep() tea.Cmd {
	r := p.srch
	if r == nil {
		return nil
	}
	n := p.view.Len()
	r.total = min(r.total, n) // rows evicted since it started are not looked for twice
	end := min(r.done+searchChunk, r.total)
	for step := r.done + 1; step <= end; step++ {
		at := r.from + r.dir*step
		i := (at%n + n) % n
		p.view.Load(i, &p.searchMsg)
		if matchesFold(&p.searchMsg, p.decodedJSON(&p.searchMsg), &r.needle) {
			p.srch = nil
			p.cur.sel = i
			p.follow = false
			p.cur.clamp(n, p.rowsHeight())
			where := fmt.Sprintf("%q at row %s of %s", r.text, groupDigits(int64(i+1)), groupDigits(int64(n)))
			switch {
			case at >= n:
				where += " (wrapped to the top)"
			case at < 0:
				where += " (wrapped to the bottom)"
			}
			return setStatus(where)
		}
	}
	r.done = end
	if r.done >= r.total {
		p.srch = nil
		return setStatus(fmt.Sprintf("%q: no more matches in the %s held", r.text, plural(n, "message")))
	}
	page, id := p.pid, r.id
	return func() tea.Msg { return searchStepped{page, id} }
}

// searchStepped takes the next step of the search it names, if that one
// still runs.
func (p *messagesPage) searchStepDue(msg searchStepped) tea.Cmd {
	if p.srch == nil || p.srch.id != msg.run {
		return nil
	}
	return p.searchStep()
}

// cancelSearch stops a running search (esc).
func (p *messagesPage) cancelSearch() tea.Cmd {
	r := p.srch
	p.srch = nil
	return setStatus(fmt.Sprintf("search for %q cancelled after %s of %s", r.text, groupDigits(int64(r.done)), plural(r.total, "message")))
}

// searchProgress is the status line's "searching… N of M" while a search
// runs ("" otherwise).
func (p *messagesPage) searchProgress() string {
	r := p.srch
	if r == nil {
		return ""
	}
	return fmt.Sprintf("  searching %s… %s of %s (esc: stop)", render.Sanitize(fmt.Sprintf("%q", r.text)), groupDigits(int64(r.done)), groupDigits(int64(r.total)))
}

// highlight marks the first match of the last search in a row's line past
// byte from (the key and the value), the rest drawn by base (nil: as it
// is); the line as base draws it when it holds no match.
func (p *messagesPage) highlight(line string, from int, base func(...string) string) string {
	if base == nil {
		base = plainText
	}
	if p.search == "" || from >= len(line) {
		return base(line)
	}
	if p.hl.text != p.search {
		p.hl = highlightNeedle{text: p.search, needle: newFoldNeedle(p.search)}
	}
	i, l := p.hl.needle.indexLen([]byte(line[from:]))
	if i < 0 || l == 0 {
		return base(line)
	}
	i += from
	return base(line[:i]) + p.c.Styles.Match.Render(line[i:i+l]) + base(line[i+l:])
}

// highlightNeedle is the last search text prepared for highlighting.
type highlightNeedle struct {
	text   string
	needle foldNeedle
}

// plainText draws strs as they are, one after the other.
func plainText(strs ...string) string { return strings.Join(strs, "") }
