package filter_test

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

func TestTimeRange(t *testing.T) {
	f, err := filter.Compile(`timestamp >= date("2026-11-29T08:00:00Z") && timestamp < date("2026-11-29T09:00:00Z") && offset >= 100`)
	if err != nil {
		t.Fatal(err)
	}
	in := sources.Message{Offset: 150, Timestamp: time.Date(2026, 11, 29, 8, 30, 0, 0, time.UTC)}
	out := sources.Message{Offset: 150, Timestamp: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)}
	if ok, err := f.Match(&in); !ok || err != nil {
		t.Fatalf("in: %v %v", ok, err)
	}
	if ok, _ := f.Match(&out); ok {
		t.Fatal("out matched")
	}
}
