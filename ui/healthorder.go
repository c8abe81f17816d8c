package ui

import (
	"cmp"
	"slices"

	"github.com/mqscope/mqscope/ui/msgbuf"
)

// heldOrder is the order a check walks held messages in: each partition
// in offset order, as it was written (a list holds messages in the order
// they came, or sorted by time). Its entries are the messages' absolute
// places in the buffer (evictions counted); nil when the list's order is
// already that one.
func heldOrder(held *msgbuf.Buffer) []int64 {
	type place struct {
		part int32
		off  int64
		at   int64
	}
	evicted, n := held.Evicted(), held.Len()
	last := map[int32]int64{}
	sorted := true
	for i := 0; i < n && sorted; i++ {
		part, off := held.Position(i)
		if prev, ok := last[part]; ok && off < prev {
			sorted = false
		}
		last[part] = off
	}
	if sorted {
		return nil
	}
	places := make([]place, n)
	for i := range places {
		part, off := held.Position(i)
		places[i] = place{part: part, off: off, at: evicted + int64(i)}
	}
	slices.SortStableFunc(places, func(x, y place) int {
		return cmp.Or(cmp.Compare(x.part, y.part), cmp.Compare(x.off, y.off))
	})
	order := make([]int64, n)
	for i, pl := range places {
		order[i] = pl.at
	}
	return order
}
