package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

// TestFilterScanInPartsAgreesWithOnePass: a scan long enough to be cut
// into parts, one a core, keeps the same messages in the same order as one
// pass over them, counts the same messages it could not evaluate, and
// names the first of them (by position) in its error.
func TestFilterScanInPartsAgreesWithOnePass(t *testing.T) {
	const n = 6 * parallelScanMin
	buf := msgbuf.New(1 << 30)
	var ms []sources.Message
	for i := range n {
		m := sources.Message{Conn: "c", Stream: "s", Offset: int64(i), Key: fmt.Appendf(nil, "k%d", i),
			Value: fmt.Appendf(nil, `{"amount":%d}`, i%200), Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}}}
		if i%997 == 5 {
			m.Value = nil // a tombstone: int(json.amount) cannot be evaluated
		}
		ms = append(ms, m)
	}
	buf.Append(ms)
	f, err := filter.Compile(`int(json.amount) > 100`)
	if err != nil {
		t.Fatal(err)
	}
	var parts msgView
	parts.buf = buf
	parts.flt = f
	parts.scan(0, n)
	if scanWorkers() < 2 {
		t.Logf("one core: the scan ran in one part")
	}

	var one msgView
	one.buf = buf
	one.flt = f.Clone()
	one.idx, one.scanned, one.failed, one.err = one.scanPart(one.flt, &one.scratch, 0, n, nil, 0, 0, nil)

	if !slices.Equal(parts.idx, one.idx) {
		t.Fatalf("in parts: %d matches, in one pass %d; first difference at %d", len(parts.idx), len(one.idx), firstDiff(parts.idx, one.idx))
	}
	if len(one.idx) == 0 || parts.scanned != n || parts.next != n {
		t.Fatalf("%d matches, %d scanned, next %d: want matches and all %d scanned", len(one.idx), parts.scanned, parts.next, n)
	}
	if parts.failed != one.failed || parts.failed != int64((n+997-1-5)/997) {
		t.Fatalf("could not evaluate %d in parts, %d in one pass", parts.failed, one.failed)
	}
	if parts.err == nil || one.err == nil || parts.err.Error() != one.err.Error() || !strings.Contains(parts.err.Error(), "s@5:") {
		t.Fatalf("first error in parts %v, in one pass %v: want the one of offset 5", parts.err, one.err)
	}

	g, err := filter.Compile(`headers["tenant"] == "acme"`)
	if err != nil {
		t.Fatal(err)
	}
	parts.flt, parts.idx, parts.next, parts.scanned, parts.failed, parts.err = g, nil, 0, 0, 0, nil
	parts.scan(0, n)
	if len(parts.idx) != n || parts.failed != 0 {
		t.Fatalf("a new filter over the same parts kept %d of %d (%d not evaluated): its clones were the old filter's", len(parts.idx), n, parts.failed)
	}
}

func firstDiff(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
