package ui

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/sources"
)

// pasteText sends text to the page as one paste.
func pasteText(p *messagesPage, text string) {
	p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: true})
}

func tab(p *messagesPage) { p.Update(tea.KeyMsg{Type: tea.KeyTab}) }

func TestFilterPromptFieldsHelp(t *testing.T) {
	c := testCommon(160, 40)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 3))
	p.Update(keyPress("f"))
	p.Update(keyPress("?"))
	v := ansi.Strip(p.View(160, 37))
	for _, want := range []string{"Fields", "Operators", `headers["x"]`, "deadLetter.*", ".fingerprint", "schema.*", ".version", "partition", "timestamp", `json.status in ["FAILED", "RETRY"]`} {
		if !strings.Contains(v, want) {
			t.Fatalf("the fields box lacks %q:\n%s", want, v)
		}
	}
	if p.input.Value() != "" {
		t.Fatalf("? was typed: %q", p.input.Value())
	}
	p.Update(keyPress("j")) // closes the box and is typed
	if p.tab.help > 0 || p.input.Value() != "j" {
		t.Fatalf("after a key: help %v, input %q", p.tab.help, p.input.Value())
	}
	// Inside a string ? is a character.
	p.input.SetValue(`value matches "colou`)
	p.input.CursorEnd()
	p.Update(keyPress("?"))
	if p.tab.help > 0 || p.input.Value() != `value matches "colou?` {
		t.Fatalf("? in a string: help %v, input %q", p.tab.help, p.input.Value())
	}
	// The search prompt types ? as it is.
	p.Update(keyPress("esc"))
	p.Update(keyPress("/"))
	p.Update(keyPress("?"))
	if p.tab.help > 0 || p.input.Value() != "?" {
		t.Fatalf("search prompt: help %v, input %q", p.tab.help, p.input.Value())
	}
}

func TestFilterPromptCompletes(t *testing.T) {
	c := testCommon(160, 40)
	p := newTestMessages(c)
	ms := orderMsgs(0, 3)
	ms[0].Value = []byte(`{"status":"FAILED","customer":{"id":7,"tier":"gold"},"weird key":1}`)
	ms[1].Headers = append(ms[1].Headers, sources.Header{Key: "tenant", Value: []byte("acme")}, sources.Header{Key: "evil" + poison.Text, Value: []byte("x")})
	deliver(p, ms)
	p.Update(keyPress("f"))

	pasteText(p, "json.cus")
	tab(p)
	if got := p.input.Value(); got != "json.customer" {
		t.Fatalf("json.cus⇥ = %q", got)
	}
	pasteText(p, ".t")
	tab(p)
	if got := p.input.Value(); got != "json.customer.tier" {
		t.Fatalf("json.customer.t⇥ = %q", got)
	}
	p.input.SetValue(`key == "a" && headers["te`)
	p.input.CursorEnd()
	tab(p)
	if got := p.input.Value(); got != `key == "a" && headers["tenant"]` {
		t.Fatalf("headers completion: %q", got)
	}
	// Several candidates: Tab goes through them, and they are listed.
	p.input.SetValue("dead")
	p.input.CursorEnd()
	tab(p)
	if got := p.input.Value(); got != "deadLetter." {
		t.Fatalf("dead⇥ = %q", got)
	}
	tab(p)
	first := p.input.Value()
	tab(p)
	second := p.input.Value()
	if !strings.HasPrefix(first, "deadLetter.") || first == second || !strings.HasPrefix(second, "deadLetter.") {
		t.Fatalf("cycling: %q then %q", first, second)
	}
	if hint := ansi.Strip(p.View(160, 37)); !strings.Contains(hint, "deadLetter.count") || !strings.Contains(hint, "deadLetter.reason") {
		t.Fatalf("the candidates are not listed:\n%s", hint)
	}
	names := p.tab.names.names
	for _, want := range []string{"partition", "offset", "timestamp", "json.status", "json.customer.id", `headers["correlation-id"]`, `headers["tenant"]`} {
		if !slices.Contains(names, want) {
			t.Fatalf("no %s among %v", want, names)
		}
	}
	for _, n := range names {
		if strings.Contains(n, "weird") || strings.Contains(n, "evil") {
			t.Fatalf("a name that cannot be typed safely is offered: %q", n)
		}
	}
}

func TestCompletionsAreBounded(t *testing.T) {
	c := testCommon(160, 40)
	p := newTestMessages(c)
	ms := orderMsgs(0, completeScan+200)
	ms[0].Headers = []sources.Header{{Key: "only-in-the-oldest"}}
	deliver(p, ms)
	names := collectCompletions(p.buf).names
	if slices.Contains(names, `headers["only-in-the-oldest"]`) {
		t.Fatal("the completions read past the newest messages")
	}
	if !slices.Contains(names, "json.orderId") {
		t.Fatalf("no json.orderId among %v", names)
	}
}

// TestFieldsHelpPagesOnASmallTerminal: at 80x24 the fields and the
// operators take a page each, whole, and ? turns the page.
func TestFieldsHelpPagesOnASmallTerminal(t *testing.T) {
	c := testCommon(80, 24)
	p := newTestMessages(c)
	m := rootWith(c, p)
	deliver(p, orderMsgs(0, 3))
	m.Update(keyPress("f"))
	m.Update(keyPress("?"))
	screen := strings.Join(screenLines(t, m), "\n")
	if !strings.Contains(screen, "Fields") || strings.Contains(screen, "Operators") || !strings.Contains(screen, "? operators") || !strings.Contains(screen, "╰") {
		t.Fatalf("first page:\n%s", screen)
	}
	m.Update(keyPress("?"))
	screen = strings.Join(screenLines(t, m), "\n")
	if !strings.Contains(screen, "Operators") || strings.Contains(screen, "Fields") || !strings.Contains(screen, "╰") {
		t.Fatalf("second page:\n%s", screen)
	}
	m.Update(keyPress("?"))
	if p.tab.help != 0 || p.input.Value() != "" || p.prompt != "filter" {
		t.Fatalf("after the last page: help %d, input %q, prompt %q", p.tab.help, p.input.Value(), p.prompt)
	}
}
