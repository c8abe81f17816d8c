package msgdiff

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
)

func TestNullHeaderDiffersFromEmpty(t *testing.T) {
	a := sources.Message{Headers: []sources.Header{{Key: "h"}, {Key: "same"}}}
	b := sources.Message{Headers: []sources.Header{{Key: "h", Value: []byte{}}, {Key: "same"}}}
	var h, same *Row
	rows := Messages(&a, &b)
	for i := range rows {
		switch rows[i].Field {
		case "h":
			h = &rows[i]
		case "same":
			same = &rows[i]
		}
	}
	if h == nil || h.Change != Changed || !h.LeftNull || h.RightNull {
		t.Fatalf("null against empty: %+v", h)
	}
	if same == nil || same.Change != Same || !same.LeftNull || !same.RightNull {
		t.Fatalf("null against null: %+v", same)
	}
}
