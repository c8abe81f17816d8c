package health

// gapRanges is how many holes a gap example lists.
const gapRanges = 5

// emptyLists makes a report's lists empty rather than nil: JSON says []
// for a finding without examples.
func emptyLists(r *Report) {
	if r.Duplicates.Examples == nil {
		r.Duplicates.Examples = []Pair{}
	}
	if r.Ordering.Examples == nil {
		r.Ordering.Examples = []Pair{}
	}
	if r.SplitKeys.Examples == nil {
		r.SplitKeys.Examples = []Split{}
	}
	if r.Gaps.Examples == nil {
		r.Gaps.Examples = []Gap{}
	}
	if r.Offenders == nil {
		r.Offenders = []Offender{}
	}
}
