package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

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
	Diff, Edit, Versions, Health                 key.Binding
	Schema, RawBytes, Publish                    key.Binding
	ScrollLeft, ScrollRight, Wrap, Copy          key.Binding
	// Sort is the digits 1 to 9 (by the Nth column; again: the other
	// way), for the help: they are matched as digits.
	Sort key.Binding
	// Internal shows or hides the consumer groups mqscope made itself.
	Internal key.Binding
}

// DefaultKeyMap is vim and arrow keys.
func DefaultKeyMap() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Quit:          b("q", "quit", "q", "ctrl+c"),
		Help:          b("?", "help", "?"),
		Back:          b("esc", "back", "esc", "backspace"),
		Open:          b("enter", "open", "enter"),
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
		Schema:        b("s", "schema", "s"),
		RawBytes:      b("b", "raw bytes", "b"),
		Versions:      b("V", "schema versions", "V"),
		Health:        b("H", "flow health", "H"),
		Sort:          b("1-9", "sort by column", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Internal:      b("a", "show internal groups", "a"),
		Publish:       b("P", "publish", "P"),
		ScrollLeft:    b("←/h", "scroll left", "left", "h"),
		ScrollRight:   b("→/l", "scroll right", "right", "l"),
		Wrap:          b("w", "wrap lines", "w"),
		Copy:          b("c", "copy…", "c"),
	}
}

// named lists the bindings by the names a config uses for them.
func (k *KeyMap) named() map[string]*key.Binding {
	return map[string]*key.Binding{
		"quit": &k.Quit, "help": &k.Help, "back": &k.Back, "open": &k.Open,
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown, "top": &k.Top, "bottom": &k.Bottom,
		"find": &k.Filter, "refresh": &k.Refresh, "start_position": &k.StartPosition, "pause": &k.Pause,
		"copy_value": &k.CopyValue, "copy_message": &k.CopyMessage, "full_value": &k.FullValue,
		"next_message": &k.NextMessage, "previous_message": &k.PrevMessage, "confirm": &k.Confirm,
		"mark": &k.Mark, "redrive": &k.Redrive, "filter": &k.FilterExpr, "read_filter": &k.ReadFilter, "scan_more": &k.ScanMore,
		"search": &k.Search, "next_match": &k.SearchNext, "previous_match": &k.SearchPrev, "jump": &k.Jump,
		"groups": &k.Groups, "triage": &k.Triage, "regroup": &k.TriageMode, "export": &k.Export, "trace": &k.Trace,
		"diff": &k.Diff, "edit": &k.Edit, "versions": &k.Versions, "schema": &k.Schema, "raw_bytes": &k.RawBytes, "health": &k.Health,
		"internal_groups": &k.Internal,
		"publish":         &k.Publish,
		"scroll_left":     &k.ScrollLeft, "scroll_right": &k.ScrollRight, "wrap": &k.Wrap, "copy": &k.Copy,
	}
}

// Override rebinds actions (by name: redrive, trace, page_down...) to
// other keys; an unknown action is an error naming the known ones.
func (k *KeyMap) Override(keys map[string][]string) error {
	named := k.named()
	for action, ks := range keys {
		b, ok := named[action]
		if !ok {
			names := make([]string, 0, len(named))
			for n := range named {
				names = append(names, n)
			}
			slices.Sort(names)
			return fmt.Errorf("ui.keys: unknown action %q (actions: %s)", action, strings.Join(names, ", "))
		}
		if len(ks) == 0 {
			return fmt.Errorf("ui.keys.%s: no keys given", action)
		}
		b.SetKeys(ks...)
		b.SetHelp(strings.Join(ks, "/"), b.Help().Desc)
	}
	return nil
}
