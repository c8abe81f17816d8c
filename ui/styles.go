package ui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/mqscope/mqscope/ui/render"
)

// Theme is the set of colours the styles are built from.
type Theme struct {
	Accent, Muted, Text, Error, Warn, OK, DLQ, Selection, SelectionText lipgloss.TerminalColor
	JSONKey, JSONString, JSONNumber, JSONBool, JSONNull                 lipgloss.TerminalColor
}

// DefaultTheme works on dark and light terminals.
func DefaultTheme() Theme {
	return Theme{
		Accent:        lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#A48BFF"},
		Muted:         lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"},
		Text:          lipgloss.NoColor{},
		Error:         lipgloss.AdaptiveColor{Light: "#C0262D", Dark: "#FF6B6B"},
		Warn:          lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#E3B341"},
		OK:            lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#56D364"},
		DLQ:           lipgloss.AdaptiveColor{Light: "#B42318", Dark: "#FF8A80"},
		Selection:     lipgloss.AdaptiveColor{Light: "#DDD6FE", Dark: "#3B2F6B"},
		SelectionText: lipgloss.AdaptiveColor{Light: "#1F1147", Dark: "#F4F0FF"},
		JSONKey:       lipgloss.AdaptiveColor{Light: "#0550AE", Dark: "#79C0FF"},
		JSONString:    lipgloss.AdaptiveColor{Light: "#0A3069", Dark: "#A5D6FF"},
		JSONNumber:    lipgloss.AdaptiveColor{Light: "#953800", Dark: "#FFA657"},
		JSONBool:      lipgloss.AdaptiveColor{Light: "#8250DF", Dark: "#D2A8FF"},
		JSONNull:      lipgloss.AdaptiveColor{Light: "#6E7781", Dark: "#8B949E"},
	}
}

// Styles holds every style the views use, built once from a Theme.
type Styles struct {
	Header, HeaderConn, Crumb, CrumbSep lipgloss.Style
	ColumnHeader, Row, Selected, Muted  lipgloss.Style
	Badge, DLQBadge, Live, Paused       lipgloss.Style
	Status, StatusError, StatusInfo     lipgloss.Style
	HelpKey, HelpDesc, Overlay, Title   lipgloss.Style
	Label, Section, Warn                lipgloss.Style
	Match                               lipgloss.Style // the search text where a row shows it
	JSON                                render.Palette
}

// NewStyles builds the styles of a theme.
func NewStyles(t Theme) *Styles {
	fg := func(c lipgloss.TerminalColor) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := &Styles{
		Header:       lipgloss.NewStyle().Bold(true).Foreground(t.Accent),
		HeaderConn:   lipgloss.NewStyle().Bold(true),
		Crumb:        lipgloss.NewStyle(),
		CrumbSep:     fg(t.Muted),
		ColumnHeader: lipgloss.NewStyle().Bold(true).Foreground(t.Muted),
		Row:          lipgloss.NewStyle(),
		Selected:     lipgloss.NewStyle().Background(t.Selection).Foreground(t.SelectionText).Bold(true),
		Muted:        fg(t.Muted),
		Badge:        lipgloss.NewStyle().Foreground(t.Accent).Bold(true),
		DLQBadge:     lipgloss.NewStyle().Foreground(t.DLQ).Bold(true),
		Live:         fg(t.OK).Bold(true),
		Paused:       fg(t.Warn).Bold(true),
		Status:       fg(t.Muted),
		StatusError:  fg(t.Error).Bold(true),
		StatusInfo:   fg(t.OK),
		HelpKey:      fg(t.Accent).Bold(true),
		HelpDesc:     fg(t.Muted),
		Overlay:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(t.Accent).Padding(0, 1),
		Title:        lipgloss.NewStyle().Bold(true).Foreground(t.Accent),
		Label:        lipgloss.NewStyle().Bold(true).Foreground(t.Muted),
		Section:      lipgloss.NewStyle().Bold(true).Foreground(t.Accent).Underline(true),
		Warn:         fg(t.Warn),
		Match:        lipgloss.NewStyle().Reverse(true),
	}
	wrap := func(c lipgloss.TerminalColor) func(string) string {
		st := fg(c)
		return func(x string) string { return st.Render(x) }
	}
	s.JSON = render.Palette{
		Key: wrap(t.JSONKey), String: wrap(t.JSONString), Number: wrap(t.JSONNumber),
		Bool: wrap(t.JSONBool), Null: wrap(t.JSONNull),
	}
	return s
}
