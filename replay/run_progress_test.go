package replay

import (
	"testing"
	"time"
)

func TestProgressLineHasTheTotalAndNoETAUntilARateIsKnown(t *testing.T) {
	for _, tc := range []struct {
		p       Progress
		planned int
		want    string
	}{
		{Progress{}, 44, "0/44  — msg/s  ETA —"},
		{Progress{Total: 60}, 44, "0/60  — msg/s  ETA —"}, // the run's own total wins
		{Progress{Total: 40, Done: 10, Parked: 2, Elapsed: time.Second}, 44, "12/40  10 msg/s  ETA 3s"},
	} {
		if got := tc.p.WithTotal(tc.planned).String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestAFailedRunsSummaryNamesThePlansTargets(t *testing.T) {
	p := &Plan{Items: []Item{{Action: Redrive, Target: Target{Stream: "orders"}}, {Action: Redrive, Target: Target{Stream: "payments"}}}}
	r := summary("redrive", "rd-1", "local", "orders.DLT", targetsOf(p, Result{}), Result{}, errTest("the broker went away"))
	if r.Target != "orders, payments" || r.Result != "failed: the broker went away" {
		t.Fatalf("summary %+v", r)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
