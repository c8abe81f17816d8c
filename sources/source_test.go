package sources_test

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

func TestParseStart(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	cases := map[string]sources.Start{
		"oldest":                    {Kind: sources.StartOldest},
		"":                          {Kind: sources.StartOldest},
		"newest":                    {Kind: sources.StartNewest},
		"last:10":                   {Kind: sources.StartLastN, N: 10},
		"-5":                        {Kind: sources.StartLastN, N: 5},
		"offset:42":                 {Kind: sources.StartOffset, Offset: 42},
		"42":                        {Kind: sources.StartOffset, Offset: 42},
		"time:-15m":                 {Kind: sources.StartTime, Time: now.Add(-15 * time.Minute)},
		"time:2026-11-29T08:00:00Z": {Kind: sources.StartTime, Time: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)},
	}
	for in, want := range cases {
		got, err := sources.ParseStart(in, now)
		if err != nil || got.Kind != want.Kind || got.N != want.N || got.Offset != want.Offset || !got.Time.Equal(want.Time) {
			t.Errorf("ParseStart(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	got, err := sources.ParseStart("offset:0=5,2=9", now)
	if err != nil || got.Offsets[0] != 5 || got.Offsets[2] != 9 || len(got.Offsets) != 2 {
		t.Fatalf("per-partition offsets: %+v %v", got, err)
	}
	for _, bad := range []string{"last:0", "last:x", "offset:-1", "offset:a=1", "time:yesterday", "bogus", "newest:3"} {
		if _, err := sources.ParseStart(bad, now); err == nil {
			t.Errorf("ParseStart(%q) accepted", bad)
		}
	}
}

func TestStartStringRoundTrips(t *testing.T) {
	now := time.Now()
	for _, s := range []string{"oldest", "newest", "last:7", "offset:3", "time:2026-11-29T08:00:00Z"} {
		st, err := sources.ParseStart(s, now)
		if err != nil || st.String() != s {
			t.Errorf("%q -> %q (%v)", s, st.String(), err)
		}
	}
}
