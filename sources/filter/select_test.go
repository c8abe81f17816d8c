package filter_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// SelectFirst stops at the n-th match and says how many it looked at;
// Select looks at all.
func TestSelectFirstStopsAtTheNthMatch(t *testing.T) {
	f, err := filter.Compile(`value == "b"`)
	if err != nil {
		t.Fatal(err)
	}
	batch := func() []sources.Message {
		var out []sources.Message
		for i, v := range []string{"a", "b", "a", "b", "b"} {
			out = append(out, sources.Message{Offset: int64(i), Value: []byte(v)})
		}
		return out
	}
	s := f.SelectFirst(context.Background(), batch(), nil, 2)
	if len(s.Kept) != 2 || s.Kept[1].Offset != 3 || s.Scanned != 4 {
		t.Fatalf("first 2: kept %d (last %d), scanned %d", len(s.Kept), s.Kept[len(s.Kept)-1].Offset, s.Scanned)
	}
	if s = f.Select(context.Background(), batch(), nil); len(s.Kept) != 3 || s.Scanned != 5 {
		t.Fatalf("all: kept %d, scanned %d", len(s.Kept), s.Scanned)
	}
}
