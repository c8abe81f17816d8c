// Package logging is mqscope's log file: JSON lines through log/slog, with
// every secret redacted before it is written (passwords and tokens the
// session resolved, the password of any URL, attributes named like
// secrets).
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Hidden stands for what was redacted.
const Hidden = "xxxxx"

// minSecret is the shortest secret replaced wherever it appears (shorter
// ones would blank ordinary words; URLs and secret attributes are
// redacted whatever their length).
const minSecret = 4

// urlPassword finds the password of scheme://user:password@host.
var urlPassword = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s]*@`) })

// secretKey names attributes whose values are never written.
var secretKey = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)pass(word)?|secret|token|credential|authorization`)
})

// Redactor hides secrets in text: the values it was told about, and the
// password of every URL. It is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// Add registers a secret to hide wherever it appears.
func (r *Redactor) Add(secret string) {
	if len(secret) < minSecret {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.secrets, secret) {
		r.secrets = append(r.secrets, secret)
		// the longest first, so one secret inside another leaves no part
		slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	}
}

// Redact returns s with every known secret and URL password hidden.
func (r *Redactor) Redact(s string) string {
	s = urlPassword().ReplaceAllString(s, "${1}:"+Hidden+"@")
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Hidden)
	}
	return s
}

// New returns a logger writing JSON lines to w through r.
func New(w io.Writer, r *Redactor) *slog.Logger {
	return slog.New(NewHandler(slog.NewJSONHandler(w, nil), r))
}

// NewHandler wraps h so that the message and every attribute are redacted
// by r before h sees them.
func NewHandler(h slog.Handler, r *Redactor) slog.Handler { return &handler{next: h, r: r} }

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	if err := h.next.Handle(ctx, out); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	return nil
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(red), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

// attr redacts one attribute: a secret's name hides its value, strings
// (and errors, and anything printed as text) are redacted.
func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch {
	case secretKey().MatchString(a.Key):
		return slog.String(a.Key, Hidden)
	case v.Kind() == slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, ga := range g {
			red[i] = h.attr(ga)
		}
		return slog.Group(a.Key, red...)
	case v.Kind() == slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case v.Kind() == slog.KindAny:
		if counts, ok := v.Any().(map[string]int); ok { // counts per target: names and numbers
			red := make(map[string]int, len(counts))
			for k, n := range counts {
				red[h.r.Redact(k)] = n
			}
			return slog.Any(a.Key, red)
		}
		return slog.String(a.Key, h.r.Redact(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
