package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every key binding. Views match keys with key.Matches, never
// by comparing strings.
type KeyMap struct {
	Quit, Help, Back, Open                       key.Binding
	Up, Down, PageUp, PageDown, Top, Bottom      key.Binding
	Filter, Refresh                              key.Binding
	StartPosition, Pause, CopyValue, CopyMessage key.Binding
	FullValue, NextMessage, PrevMessage, Confirm key.Binding
	Mark, Redrive, FilterExpr, ReadFilter        key.Binding
	ScanMore                                     key.Binding
	Search, SearchNext, SearchPrev, Jump         key.Binding
	Groups, Triage, TriageMode, Export, Trace    key.Binding
	Diff, Edit                                   key.Binding
}

// DefaultKeyMap is vim and arrow keys.
func DefaultKeyMap() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Quit:          b("q", "quit", "q", "ctrl+c"),
		Help:          b("?", "help", "?"),
		Back:          b("esc", "back", "esc", "backspace", "h", "left"),
		Open:          b("enter", "open", "enter", "l", "right"),
		Up:            b("↑/k", "up", "up", "k"),
		Down:          b("↓/j", "down", "down", "j"),
		PageUp:        b("pgup/ctrl+b", "page up", "pgup", "ctrl+b", "ctrl+u"),
		PageDown:      b("pgdn/ctrl+f", "page down", "pgdown", "ctrl+f", "ctrl+d"),
		Top:           b("g/home", "oldest", "g", "home"),
		Bottom:        b("G/end", "newest, follow", "G", "end"),
		Filter:        b("/", "filter", "/"),
		Refresh:       b("r", "refresh", "r"),
		StartPosition: b("s", "start position", "s"),
		Pause:         b("p", "pause/follow", "p"),
		CopyValue:     b("y", "copy value", "y"),
		CopyMessage:   b("Y", "copy as JSON", "Y"),
		FullValue:     b("f", "full value", "f"),
		NextMessage:   b("n", "next message", "n"),
		PrevMessage:   b("N", "previous message", "N"),
		Confirm:       b("enter", "confirm", "enter"),
		Mark:          b("space", "mark", " "),
		Redrive:       b("R", "redrive", "R"),
		FilterExpr:    b("f", "filter", "f"),
		ReadFilter:    b("F", "filter while reading", "F"),
		ScanMore:      b("+", "scan on past the budget", "+"),
		Search:        b("/", "search", "/"),
		SearchNext:    b("n", "next match", "n"),
		SearchPrev:    b("N", "previous match", "N"),
		Jump:          b(":", "jump to", ":"),
		Groups:        b("c", "consumer groups", "c"),
		Triage:        b("T", "triage", "T"),
		TriageMode:    b("tab", "regroup", "tab"),
		Export:        b("e", "export", "e"),
		Trace:         b("t", "trace", "t"),
		Diff:          b("d", "diff", "d"),
		Edit:          b("E", "edit & redrive", "E"),
	}
}
