package ui

import (
	"context"
	"errors"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestStepReadAnswers: a step's error is shown and kept while the page
// lives and dropped once it closed; the read's end runs then once, a
// step that is neither takes the next.
func TestStepReadAnswers(t *testing.T) {
	var r stepRead
	var failed error
	ctx, cancel := context.WithCancel(context.Background())
	nexts, thens := 0, 0
	next := func() tea.Cmd { nexts++; return nil }
	then := func() tea.Cmd { thens++; return nil }
	boom := errors.New("broker went away")
	if cmd := r.stepped(readStepped{err: boom}, ctx, &failed, next, then); cmd == nil || !errors.Is(failed, boom) {
		t.Fatalf("error not shown: %v", failed)
	}
	r.stepped(readStepped{}, ctx, &failed, next, then)
	r.stepped(readStepped{done: true}, ctx, &failed, next, then)
	if nexts != 1 || thens != 1 {
		t.Fatalf("next %d, then %d", nexts, thens)
	}
	cancel()
	failed = nil
	if cmd := r.stepped(readStepped{err: context.Canceled}, ctx, &failed, next, then); cmd != nil || failed != nil {
		t.Fatalf("a closed page's error shown: %v", failed)
	}
}
