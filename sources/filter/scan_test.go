package filter_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// feedOf is a bounded read of n messages whose value says whether it is
// even, delivered in batches of 100.
func feedOf(n int) *sources.Feed {
	f := sources.NewFeed(context.Background(), 0, nil)
	f.Go(func(ctx context.Context) {
		for i := 0; i < n; i += 100 {
			var batch []sources.Message
			for j := i; j < min(i+100, n); j++ {
				batch = append(batch, sources.Message{Offset: int64(j), Value: []byte(fmt.Sprintf(`{"even":%v}`, j%2 == 0))})
			}
			if !f.SendBatch(batch) {
				return
			}
		}
	})
	f.EndWhenDone()
	return f
}

func TestScannerKeepsMatchesAndStopsAtItsBudget(t *testing.T) {
	flt, err := filter.Compile(`json.even && offset % 10 == 0`)
	if err != nil {
		t.Fatal(err)
	}
	s := filter.NewScanner(feedOf(1000), flt, filter.ScanOptions{Budget: 250})
	defer s.Close()
	ctx := context.Background()
	var got []int64
	for {
		b, err := s.Next(ctx, 64)
		for _, m := range b {
			got = append(got, m.Offset)
		}
		if errors.Is(err, filter.ErrScanBudget) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.Scanned() != 250 || s.Matched() != 25 || len(got) != 25 || got[24] != 240 {
		t.Fatalf("scanned %d matched %d got %v", s.Scanned(), s.Matched(), got)
	}
	s.Extend(10_000)
	rest, err := sources.Drain(ctx, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 75 || rest[0].Offset != 250 || s.Scanned() != 1000 || s.Matched() != 100 {
		t.Fatalf("after extending: %d more from %v, scanned %d matched %d", len(rest), rest[0].Offset, s.Scanned(), s.Matched())
	}
}

func TestScannerErrorsCountAsNoMatchUnlessStrict(t *testing.T) {
	flt, err := filter.Compile(`json.even > 1`) // a bool compared with a number fails at run time
	if err != nil {
		t.Fatal(err)
	}
	s := filter.NewScanner(feedOf(300), flt, filter.ScanOptions{})
	got, err := sources.Drain(context.Background(), s, 0)
	if err != nil || len(got) != 0 || s.Scanned() != 300 || s.Err() == nil || s.Failed() != 300 {
		t.Fatalf("lenient: %d kept, scanned %d, err %v, first %v, failed %d", len(got), s.Scanned(), err, s.Err(), s.Failed())
	}
	strict := filter.NewScanner(feedOf(300), flt, filter.ScanOptions{Strict: true})
	defer strict.Close()
	if _, err := strict.Next(context.Background(), 50); err == nil {
		t.Fatal("a strict scan must stop on the expression's error")
	}
}
