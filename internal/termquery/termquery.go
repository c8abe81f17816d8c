// Package termquery keeps Bubble Tea v1 from querying the terminal when the
// program starts.
//
// Bubble Tea v1's package init asks the terminal for its background colour
// (an OSC 11 query and a cursor-position request), so that Lip Gloss knows
// it before a Program takes the terminal. It runs in every process that
// links Bubble Tea, before main: every headless command wrote the query to
// the terminal and, where nothing answers, waited for the reply.
//
// Go initialises packages in the order of their import paths, each after
// the packages it imports. This module's path sorts before
// github.com/charmbracelet/bubbletea and it imports only Lip Gloss, so its
// init runs after Lip Gloss's and before Bubble Tea's: it fixes the
// background Lip Gloss assumes, and Bubble Tea's init finds nothing to ask.
// Detect asks the terminal the way Bubble Tea did, for the TUI only, before
// its Program starts.
//
// It is a module of its own (go.mod replaces it with this directory) only
// for its import path.
package termquery

import "github.com/charmbracelet/lipgloss"

func init() {
	// Dark, as termenv assumes when a terminal does not answer; only the
	// TUI renders adaptive colours, and it calls Detect or sets a theme.
	lipgloss.SetHasDarkBackground(true)
}

// Detect asks the terminal on stdout whether its background is dark and
// tells Lip Gloss. Call it before a Bubble Tea Program reads the terminal,
// and only where the answer is needed (the TUI without a theme).
func Detect() {
	lipgloss.SetHasDarkBackground(lipgloss.DefaultRenderer().Output().HasDarkBackground())
}
